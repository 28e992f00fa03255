import Foundation
import XCTest
import TestSupport
import Imaging
import Datasets
@testable import Segmentation

/// Real roboscope-zeiss crops of some classes from one fold, via Datasets' folder loader.
func realCrops(fold: String = "crossvalidation1_eq", classes: Set<String>) throws -> [SourceCrop] {
    let ds = try FolderLayout.load(try sharedData("roboscope-zeiss").appendingPathComponent(fold))
    return try ds.samples.indices.compactMap { i in
        let name = ds.classes[ds.labels[i]]
        guard classes.contains(name) else { return nil }
        let url = ds.samples[i].files[0]
        return SourceCrop(image: try ImageFile.read(url), className: name, file: url)
    }
}

/// SyntheticNuclei crops (single-mass phases), for fields that need no shared data.
func syntheticCrops(perPhase: Int = 20, side: Int = 64) -> [SourceCrop] {
    let gen = SyntheticNuclei(side: side, format: .uint16, seed: 7)
    return [CellPhase.interphase, .prophase, .prometaphase, .metaphase].flatMap { p in
        (0..<perPhase).map { SourceCrop(image: gen.image(p, index: $0), className: p.rawValue) }
    }
}

/// Greedy one-to-one matching of expected points to detected centroids within `maxDistance`
/// (closest pairs first). Returns matched pairs (expected index, object index).
func match(_ expected: [(Double, Double)], _ objects: [NucleusObject], maxDistance: Double) -> [(Int, Int)] {
    greedyMatch(expected, objects.map { ($0.centroidX, $0.centroidY) }, maxDistance: maxDistance)
}
