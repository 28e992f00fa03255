import Datasets
import Foundation
import Imaging
@testable import Microscope
@testable import Models
import Segmentation
import Support
import XCTest

/// A bundle trained with a dataset-wide intensity range (`--intensity dataset` or `both`) meets a field from another
/// camera: refit on the field's nuclei, its calls do not depend on the camera's gain; applied as stored, they do.
final class FrameIntensityTests: XCTestCase {
    func testCallsOnAFieldDoNotDependOnTheCameraGain() throws {
        let field = try smallField().image
        var dim = field
        dim.pixels = field.pixels.map { $0 / 257 }  // the same field from an 8-bit camera
        let labels = try NucleiSegmenter().segment(field).labels
        var dataset = PreprocessSettings.gan
        dataset.normalization = .fixed(low: 200, high: 40_000, symmetric: true)
        var both = PreprocessSettings.gan
        both.absoluteIntensity = .fixed(low: 200, high: 40_000, symmetric: true)
        for (settings, channels) in [(dataset, 1), (both, 2)] {
            let c = tinyClassifier(preprocessing: settings, channels: channels)
            let analyzer = FieldAnalyzer(classifier: c)
            let bright = try analyzer.analyze(field, labels: labels).result.objects
            let faint = try analyzer.analyze(dim, labels: labels).result.objects
            XCTAssertGreaterThanOrEqual(bright.count, Classifier.frameMinimumCrops)
            XCTAssertEqual(bright.count, faint.count)
            for (a, b) in zip(bright, faint) {
                for (p, q) in zip(a.probabilities, b.probabilities) { XCTAssertEqual(p, q, accuracy: 1e-3, "channels \(channels)") }
            }
            c.intensityFromFrame = false
            let stored = try analyzer.analyze(dim, labels: labels).result.objects
            let change = zip(bright, stored).map { abs($0.probabilities[0] - $1.probabilities[0]) }.max()!
            XCTAssertGreaterThan(change, 1e-3, "applied as stored, the 8-bit field is read as dim nuclei (channels \(channels))")
        }
        // Per-crop percentiles (the default preprocessing) have nothing to refit.
        XCTAssertFalse(PreprocessSettings.gan.hasFixedRange)
        XCTAssertEqual(PreprocessSettings.gan.fittingRange(toImages: [field]), .gan)
    }

    func testTheFrameRangeIsThePercentilesOfTheCropsPooled() {
        let a = Image(width: 10, height: 10, channels: 1, format: .uint16, pixels: (0..<100).map { Float($0) })
        let b = Image(width: 10, height: 10, channels: 1, format: .uint16, pixels: (100..<200).map { Float($0) })
        var s = PreprocessSettings.gan
        s.normalization = .fixed(low: 0, high: 1, symmetric: true)
        s.absoluteIntensity = .fixed(low: 0, high: 1, symmetric: false)
        let refit = s.fittingRange(toImages: [a, b], low: 0, high: 100)
        XCTAssertEqual(refit.normalization, .fixed(low: 0, high: 199, symmetric: true))
        XCTAssertEqual(refit.absoluteIntensity, .fixed(low: 0, high: 199, symmetric: true))
    }
}
