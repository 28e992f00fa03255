import Foundation
@testable import Imaging
import Support
import XCTest

/// The microscope's changes applied to a training crop: each does what it says, the result stays in range, the same
/// seed gives the same crop, and settings without it (every bundle written before it) decode unchanged.
final class AcquisitionAugmentationTests: XCTestCase {
    /// A smooth blob with a sharp edge on [0, 1], two channels.
    func crop(side: Int = 24) -> [Float] {
        var out = [Float](repeating: 0, count: 2 * side * side)
        for c in 0..<2 {
            for y in 0..<side {
                for x in 0..<side {
                    let d = hypot(Double(x) - 11.3, Double(y) - 12.7)
                    out[c * side * side + y * side + x] = Float(d < 7 ? 0.2 + 0.6 * exp(-d * d / 30) : 0.05) * (c == 0 ? 1 : 0.5)
                }
            }
        }
        return out
    }

    func applied(_ d: AcquisitionAugmentation.Draw, to x: [Float], seed: UInt64 = 3) -> [Float] {
        var y = x
        var g = SeededGenerator(seed: seed)
        y.withUnsafeMutableBufferPointer {
            AcquisitionAugmentation.apply(d, to: $0, channels: 2, width: 24, height: 24, range: 0...1, using: &g)
        }
        return y
    }

    func variance(_ v: ArraySlice<Float>) -> Double {
        let m = v.reduce(0, +) / Float(v.count)
        return Double(v.map { ($0 - m) * ($0 - m) }.reduce(0, +)) / Double(v.count)
    }

    func testEachChangeDoesWhatItSays() {
        let x = crop()
        XCTAssertEqual(applied(.init(), to: x), x, "no change drawn: the crop is untouched")
        // Blur: same mean (edges replicated, so nearly), less spread, and equal to `Smoothing.gaussian` per plane.
        let blurred = applied(.init(blurSigma: 1), to: x)
        XCTAssertLessThan(variance(blurred[0..<576]), variance(x[0..<576]))
        XCTAssertEqual(Array(blurred[576...]), Smoothing.gaussian(Array(x[576...]), width: 24, height: 24, sigma: 1))
        // Noise of 5 % of the range: residuals with that spread, clamped to [0, 1].
        let noisy = applied(.init(noiseStd: 0.05), to: x)
        let residual = zip(noisy[0..<576], x[0..<576]).filter { $1 > 0.1 && $1 < 0.9 }.map { $0 - $1 }
        XCTAssertEqual(variance(residual[...]).squareRoot(), 0.05, accuracy: 0.01)
        XCTAssertTrue(noisy.allSatisfy { (0...1).contains($0) })
        XCTAssertEqual(applied(.init(noiseStd: 0.05), to: x, seed: 3), noisy, "same seed, same noise")
        XCTAssertNotEqual(applied(.init(noiseStd: 0.05), to: x, seed: 4), noisy)
        // 5 grey levels: every value is one of 0, 0.25, 0.5, 0.75, 1, and the nearest one.
        let coarse = applied(.init(levels: 5), to: x)
        for (v, o) in zip(coarse, x) {
            XCTAssertTrue([0, 0.25, 0.5, 0.75, 1].contains(v), "\(v)")
            XCTAssertLessThanOrEqual(abs(v - o), 0.125 + 1e-6)
        }
    }

    func testDrawsFollowTheirProbabilitiesAndRanges() {
        let a = AcquisitionAugmentation.microscopes
        var g = SeededGenerator(seed: 1)
        let draws = (0..<2000).map { _ in a.draw(using: &g) }
        for (share, name) in [(draws.filter { $0.blurSigma != nil }.count, "blur"), (draws.filter { $0.noiseStd != nil }.count, "noise"),
                              (draws.filter { $0.levels != nil }.count, "levels")] {
            XCTAssertEqual(Double(share) / 2000, 0.5, accuracy: 0.05, name)
        }
        XCTAssertTrue(draws.compactMap(\.blurSigma).allSatisfy { a.blurSigma.contains($0) })
        XCTAssertTrue(draws.compactMap(\.noiseStd).allSatisfy { a.noiseStd.contains($0) })
        XCTAssertTrue(draws.compactMap(\.levels).allSatisfy { (24...96).contains($0) })
    }

    func testSettingsWithoutItDecodeAsBefore() throws {
        let old = try JSONEncoder().encode(AugmentationSettings.paper)
        XCTAssertFalse(String(decoding: old, as: UTF8.self).contains("acquisition"))
        XCTAssertEqual(try JSONDecoder().decode(AugmentationSettings.self, from: old), .paper)
        let new = try JSONEncoder().encode(AugmentationSettings.acquisition)
        XCTAssertEqual(try JSONDecoder().decode(AugmentationSettings.self, from: new).acquisition, .microscopes)
    }
}
