import Datasets
import Foundation
import Imaging
@testable import Models
@testable import Plot
@testable import Training

func syntheticTwoPhase(perClass: Int, side: Int = 64, seed: UInt64 = 3, root: URL) throws -> PreparedDataset {
    _ = try SyntheticNuclei(side: 64, format: .uint16, seed: seed)
        .writeDataset(to: root, perClass: perClass, fileExtension: "png", phases: [.interphase, .metaphase])
    return try PreparedDataset.prepare(try FolderLayout.load(root), settings: Experiment.preprocessing(side: side))
}
