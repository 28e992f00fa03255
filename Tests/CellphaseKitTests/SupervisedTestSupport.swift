import Datasets
import Foundation
import Imaging
@testable import CellphaseKit

/// A fresh temporary folder for one test.
func supervisedTempDir(_ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("cellphase-sup-\(name.filter(\.isLetter))-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Synthetic interphase vs metaphase nuclei written as PNGs to `root/<phase>/`, loaded and prepared at `side` px.
func syntheticTwoPhase(perClass: Int, side: Int = 64, seed: UInt64 = 3, root: URL) throws -> PreparedDataset {
    _ = try SyntheticNuclei(side: 64, format: .uint16, seed: seed)
        .writeDataset(to: root, perClass: perClass, fileExtension: "png", phases: [.interphase, .metaphase])
    return try PreparedDataset.prepare(try FolderLayout.load(root), settings: Experiment.preprocessing(side: side))
}
