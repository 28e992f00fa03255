import XCTest
import TestSupport
@testable import Engine

/// The 16-lane sums under batch norm against direct loops in Double: every length from 0 to 100 (tails of every
/// size) at an unaligned start, and one feature map of a 64-px crop; the same input always gives the same bits.
final class VectorSumsTests: XCTestCase {
    func testSumsAgainstDoubleLoops() {
        let x = randomTensor([4200], seed: 3, low: -2, high: 3), g = randomTensor([4200], seed: 4)
        for count in Array(0...100) + [4096, 4199] {
            let xs = x.data + 1, gs = g.data + 1
            let mu: Float = 0.37
            var s = 0.0, q = 0.0, a = 0.0, b = 0.0
            for j in 0..<count {
                let xj = Double(xs[j]), gj = Double(gs[j])
                s += xj; q += (xj - Double(mu)) * (xj - Double(mu)); a += gj; b += gj * (xj - Double(mu))
            }
            let tolerance = 1e-5 * Double(max(count, 1))
            XCTAssertEqual(Double(VectorSums.sum(xs, count)), s, accuracy: tolerance, "sum of \(count)")
            XCTAssertEqual(Double(VectorSums.squaredDeviations(xs, count, mean: mu)), q, accuracy: tolerance,
                           "squared deviations of \(count)")
            let (ga, gb) = VectorSums.gradientSums(gs, xs, count, mean: mu)
            XCTAssertEqual(Double(ga), a, accuracy: tolerance, "Σg of \(count)")
            XCTAssertEqual(Double(gb), b, accuracy: tolerance, "Σg(x − μ) of \(count)")
            XCTAssertEqual(VectorSums.sum(xs, count).bitPattern, VectorSums.sum(xs, count).bitPattern)
        }
    }
}
