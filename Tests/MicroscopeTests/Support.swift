import Datasets
import Engine
import Foundation
import Imaging
@testable import Microscope
@testable import Models
import NN
@testable import Segmentation
import Support
import TestSupport
import XCTest

/// SyntheticNuclei crops of two phases (no shared data needed).
func syntheticCrops(perPhase: Int = 12, phases: [CellPhase] = [.interphase, .metaphase]) -> [SourceCrop] {
    let gen = SyntheticNuclei(side: 64, format: .uint16, seed: 11)
    return phases.flatMap { p in (0..<perPhase).map { SourceCrop(image: gen.image(p, index: $0), className: p.rawValue) } }
}

/// A small field of synthetic nuclei.
func smallField(count: Int = 16, side: Int = 512, seed: UInt64 = 3) throws -> SyntheticField {
    var o = SyntheticFieldOptions()
    o.width = side; o.height = side; o.count = count; o.touchingPairs = 0; o.seed = seed
    return try SyntheticField.generate(sources: syntheticCrops(), options: o)
}

/// An untrained small SGAN discriminator classifier (plumbing tests only).
func tinyClassifier(classes: [String] = ["interphase", "metaphase"], seed: UInt64 = 5, preprocessing: PreprocessSettings = .gan,
                    channels: Int = 1) -> Classifier {
    var rng = RandomSource(seed: seed)
    var c = SGANConfig.classic(classes: classes.count)
    c.discriminatorFilters = [8, 8, 8, 8]
    c.channels = channels
    return Classifier(model: SGANDiscriminator(c, rng: &rng), classes: classes, preprocessing: preprocessing, channels: channels,
                      architecture: "sgan", name: "tiny", trained: false)
}

/// Greedy one-to-one matching of expected points to object centroids within `maxDistance`.
func match(_ expected: [(Double, Double)], _ objects: [ObjectResult], maxDistance: Double) -> [(Int, Int)] {
    greedyMatch(expected, objects.map { ($0.centroidX, $0.centroidY) }, maxDistance: maxDistance)
}
