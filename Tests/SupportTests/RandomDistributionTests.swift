import Foundation
import Support
import XCTest

/// The gamma and beta draws behind mixup and CutMix have the moments of their distributions, for shapes below and
/// above 1, and repeat with their seed.
final class RandomDistributionTests: XCTestCase {
    func moments(_ draw: (inout SeededGenerator) -> Double, count: Int = 40_000, seed: UInt64 = 1) -> (mean: Double, variance: Double) {
        var g = SeededGenerator(seed: seed)
        let v = (0..<count).map { _ in draw(&g) }
        let m = v.reduce(0, +) / Double(count)
        return (m, v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(count - 1))
    }

    func testGammaHasMeanAndVarianceEqualToItsShape() {
        for shape in [0.2, 1, 3.5] {
            let (m, v) = moments { $0.gamma(shape: shape) }
            XCTAssertEqual(m, shape, accuracy: 0.03 * max(1, shape), "\(shape)")
            XCTAssertEqual(v, shape, accuracy: 0.08 * max(1, shape), "\(shape)")
        }
    }

    func testBetaMoments() {
        for (a, b) in [(0.2, 0.2), (1.0, 1.0), (2.0, 5.0)] {
            let (m, v) = moments { $0.beta(a, b) }
            XCTAssertEqual(m, a / (a + b), accuracy: 0.01, "\(a), \(b)")
            XCTAssertEqual(v, a * b / ((a + b) * (a + b) * (a + b + 1)), accuracy: 0.005, "\(a), \(b)")
        }
        var g = SeededGenerator(seed: 3), h = SeededGenerator(seed: 3)
        XCTAssertEqual((0..<10).map { _ in g.beta(0.2, 0.2) }, (0..<10).map { _ in h.beta(0.2, 0.2) })
        XCTAssertTrue((0..<1000).allSatisfy { _ in (0...1).contains(g.beta(0.05, 0.05)) })
    }
}
