import Models
import Support
import XCTest

/// Temperature scaling and the expected calibration error, on predictions whose true reliability is known.
final class CalibrationTests: XCTestCase {
    /// `n` two-class predictions of confidence `confidence` (for a random class) that are right with probability `rightRate`.
    func predictions(_ n: Int, confidence: Float, rightRate: Double, seed: UInt64) -> ([[Float]], [Int]) {
        var g = SeededGenerator(seed: seed)
        var probs: [[Float]] = [], labels: [Int] = []
        for _ in 0..<n {
            let guess = g.bernoulli(0.5) ? 1 : 0
            let c = min(Float(0.999), max(0.5, confidence + Float(g.uniform(-0.02...0.02))))
            probs.append(guess == 0 ? [c, 1 - c] : [1 - c, c])
            labels.append(g.bernoulli(rightRate) ? guess : 1 - guess)
        }
        return (probs, labels)
    }

    func testOverConfidentPredictionsAreSoftenedAndTheirErrorFalls() throws {
        let (p, y) = predictions(2000, confidence: 0.98, rightRate: 0.75, seed: 1)
        let before = Calibration.expectedCalibrationError(p, labels: y)
        XCTAssertEqual(before, 0.98 - 0.75, accuracy: 0.04)
        let c = try XCTUnwrap(Calibration.fit(probabilities: p, labels: y))
        XCTAssertGreaterThan(c.temperature, 1.5)
        XCTAssertEqual(c.eceBefore, before, accuracy: 1e-12)
        XCTAssertLessThan(c.eceAfter, 0.05)
        XCTAssertLessThan(c.eceAfter, before / 4)
        let scaled = p.map { Calibration.scaled($0, temperature: c.temperature) }
        XCTAssertEqual(Calibration.expectedCalibrationError(scaled, labels: y), c.eceAfter, accuracy: 1e-12)
        // The arg-max never changes, and every row still sums to 1.
        for (a, b) in zip(p, scaled) {
            XCTAssertEqual(a.firstIndex(of: a.max()!), b.firstIndex(of: b.max()!))
            XCTAssertEqual(b.reduce(0, +), 1, accuracy: 1e-5)
        }
    }

    func testUnderConfidentPredictionsAreSharpened() throws {
        let (p, y) = predictions(2000, confidence: 0.6, rightRate: 0.95, seed: 2)
        let c = try XCTUnwrap(Calibration.fit(probabilities: p, labels: y))
        XCTAssertLessThan(c.temperature, 0.5)
        XCTAssertLessThan(c.eceAfter, c.eceBefore / 3)
    }

    func testReliabilityBinsAndEdgeCases() {
        // Every prediction right at confidence 1: no calibration error; all in the last bin.
        let p: [[Float]] = Array(repeating: [0, 1, 0], count: 20)
        XCTAssertEqual(Calibration.expectedCalibrationError(p, labels: Array(repeating: 1, count: 20)), 0)
        let bins = Calibration.reliability(p, labels: Array(repeating: 1, count: 20))
        XCTAssertEqual(bins.count, Calibration.bins)
        XCTAssertEqual(bins.last?.count, 20); XCTAssertEqual(bins.last?.accuracy, 1)
        // Wrong at confidence 1: error 1.
        XCTAssertEqual(Calibration.expectedCalibrationError(p, labels: Array(repeating: 0, count: 20)), 1)
        XCTAssertNil(Calibration.fit(probabilities: Array(p.prefix(5)), labels: [1, 1, 1, 1, 1]))
        // Too few images, or a perfectly called split (no finite optimum: T runs to the end of the range): no temperature.
        let (q, y) = predictions(Calibration.minimumImages - 1, confidence: 0.9, rightRate: 0.7, seed: 3)
        XCTAssertNil(Calibration.fit(probabilities: q, labels: y))
        let right = q.map { $0[0] > $0[1] ? 0 : 1 }
        XCTAssertNil(Calibration.fit(probabilities: q + q, labels: right + right), "every call right")
        XCTAssertNotNil(Calibration.fit(probabilities: q + q, labels: y + y))
        XCTAssertEqual(Calibration.scaled([0.2, 0.8], temperature: 1), [0.2, 0.8])
        let soft = Calibration.scaled([0.2, 0.8], temperature: 1e6)
        XCTAssertEqual(soft[0], 0.5, accuracy: 1e-4)
    }
}
