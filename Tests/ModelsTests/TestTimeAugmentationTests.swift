import Imaging
import Models
import Support
import XCTest

/// Test-time augmentation over the eight symmetries of the crop: the answer no longer depends on how the nucleus
/// happens to be turned, and without it the classifier is unchanged.
final class TestTimeAugmentationTests: XCTestCase {
    func classifier() -> Classifier {
        var rng = RandomSource(seed: 9)
        var c = SGANConfig.classic(classes: 3)
        c.discriminatorFilters = [8, 8, 8, 8]
        return Classifier(model: SGANDiscriminator(c, rng: &rng), classes: ["a", "b", "c"], preprocessing: .gan,
                          architecture: "sgan", name: "tiny", trained: false)
    }

    /// An off-centre, asymmetric blob on noise, so that every symmetry gives a different crop.
    func crop(seed: UInt64) -> Image {
        var g = SeededGenerator(seed: seed)
        var img = Image(width: 64, height: 64, channels: 1, format: .uint16)
        for y in 0..<64 {
            for x in 0..<64 {
                let dx = Double(x - 24), dy = Double(y - 36)
                let blob = exp(-(dx * dx / 90 + dy * dy / 30)) * 30_000
                img.pixels[y * 64 + x] = Float(blob + g.uniform(0...2000) + Double(x) * 40)
            }
        }
        return img
    }

    func turned(_ img: Image, _ t: Dihedral) -> Image {
        var out = img
        img.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { t.apply(src.baseAddress!, to: $0.baseAddress!, side: img.width) }
        }
        return out
    }

    func testAveragedAnswerIsTheSameForEveryOrientation() throws {
        let c = classifier()
        let images = (0..<3).map { crop(seed: UInt64($0)) }
        let plain = try c.probabilities(images)
        let plainTurned = try c.probabilities(images.map { turned($0, .rotate90) })
        XCTAssertGreaterThan(zip(plain.joined(), plainTurned.joined()).map { abs($0 - $1) }.max()!, 1e-4,
                             "without TTA a turned crop gets another answer (else this test proves nothing)")
        c.tta = true
        let averaged = try c.probabilities(images)
        for t in Dihedral.allCases {
            let other = try c.probabilities(images.map { turned($0, t) })
            for (p, q) in zip(averaged, other) {
                for (a, b) in zip(p, q) { XCTAssertEqual(a, b, accuracy: 1e-5, "\(t)") }
            }
        }
        for p in averaged { XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-5) }
        // The same through a batch split across forward passes.
        c.maxBatch = 2
        for (a, b) in zip(try c.probabilities(images).joined(), averaged.joined()) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        c.tta = false
        XCTAssertEqual(try c.probabilities(images), plain)
    }
}
