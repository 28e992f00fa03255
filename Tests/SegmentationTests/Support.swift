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
    var cand: [(Double, Int, Int)] = []
    for (i, e) in expected.enumerated() {
        for (j, o) in objects.enumerated() {
            let dx = e.0 - o.centroidX, dy = e.1 - o.centroidY
            let d = (dx * dx + dy * dy).squareRoot()
            if d <= maxDistance { cand.append((d, i, j)) }
        }
    }
    cand.sort { $0.0 < $1.0 }
    var usedE = Set<Int>(), usedO = Set<Int>(), out: [(Int, Int)] = []
    for (_, i, j) in cand where !usedE.contains(i) && !usedO.contains(j) {
        usedE.insert(i); usedO.insert(j); out.append((i, j))
    }
    return out
}
