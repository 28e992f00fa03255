import Foundation
@testable import Models
import XCTest

/// ROC curves and AUC against known cases (first paper section 2.3.4).
final class ROCTests: XCTestCase {
    func testKnownCase() throws {
        // Scores [0.1, 0.4, 0.35, 0.8], labels [0, 0, 1, 1]: positive pairs (0.35, 0.8) vs negatives (0.1, 0.4):
        // 0.8 beats both, 0.35 beats 0.1 only → 3 of 4 pairs → AUC 0.75.
        let pos = [false, false, true, true]
        let c = try XCTUnwrap(ROCCurve(scores: [0.1, 0.4, 0.35, 0.8], positives: pos))
        XCTAssertEqual(c.auc, 0.75, accuracy: 1e-12)
        // Descending: 0.8 (P), 0.4 (N), 0.35 (P), 0.1 (N).
        XCTAssertEqual(c.falsePositiveRate, [0, 0, 0.5, 0.5, 1])
        XCTAssertEqual(c.truePositiveRate, [0, 0.5, 0.5, 1, 1])
        XCTAssertEqual(c.thresholds, [0.8, 0.4, 0.35, 0.1])
        XCTAssertEqual(ROCCurve.mannWhitneyAUC(scores: [0.1, 0.4, 0.35, 0.8], positives: pos)!, 0.75, accuracy: 1e-12)
    }

    func testTiesCountHalf() throws {
        // Scores [0.2, 0.5, 0.5, 0.9], labels [0, 0, 1, 1]: pairs 0.5>0.2 (1), 0.5=0.5 (½), 0.9>0.2 (1), 0.9>0.5 (1)
        // → 3.5/4 = 0.875. An implementation that orders tied scores arbitrarily gets 0.75 or 1.0.
        let scores = [0.2, 0.5, 0.5, 0.9], pos = [false, false, true, true]
        let c = try XCTUnwrap(ROCCurve(scores: scores, positives: pos))
        XCTAssertEqual(c.auc, 0.875, accuracy: 1e-12)
        XCTAssertEqual(c.falsePositiveRate, [0, 0, 0.5, 1])     // the tie is one diagonal step
        XCTAssertEqual(c.truePositiveRate, [0, 0.5, 1, 1])
        XCTAssertEqual(ROCCurve.mannWhitneyAUC(scores: scores, positives: pos)!, 0.875, accuracy: 1e-12)
        // Reversed input order gives the same answer.
        let r = try XCTUnwrap(ROCCurve(scores: scores.reversed(), positives: pos.reversed()))
        XCTAssertEqual(r.auc, 0.875, accuracy: 1e-12)
        // All scores tied → 0.5.
        XCTAssertEqual(try XCTUnwrap(ROCCurve(scores: [1, 1, 1, 1], positives: pos)).auc, 0.5, accuracy: 1e-12)
    }

    func testCurveAreaEqualsMannWhitneyOnRandomTiedScores() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let n = Int.random(in: 2...40, using: &rng)
            let scores = (0..<n).map { _ in Double(Int.random(in: 0...5, using: &rng)) / 5 }   // many ties
            var pos = (0..<n).map { _ in Bool.random(using: &rng) }
            pos[0] = true; pos[1] = false
            // Brute-force pair counting.
            var wins = 0.0, pairs = 0.0
            for i in 0..<n where pos[i] { for j in 0..<n where !pos[j] {
                pairs += 1; wins += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
            } }
            let c = try XCTUnwrap(ROCCurve(scores: scores, positives: pos))
            XCTAssertEqual(c.auc, wins / pairs, accuracy: 1e-12)
            XCTAssertEqual(ROCCurve.mannWhitneyAUC(scores: scores, positives: pos)!, wins / pairs, accuracy: 1e-12)
        }
    }

    func testUndefinedWithoutBothClasses() {
        XCTAssertNil(ROCCurve(scores: [0.1, 0.2], positives: [true, true]))
        XCTAssertNil(ROCCurve.mannWhitneyAUC(scores: [0.1, 0.2], positives: [false, false]))
    }

    func testOneVsRestAndBinaryInReport() throws {
        // Three classes, probabilities per sample:
        //   s0 t0 [0.7 0.2 0.1]  s1 t0 [0.4 0.4 0.2]  s2 t1 [0.3 0.6 0.1]
        //   s3 t1 [0.5 0.3 0.2]  s4 t2 [0.2 0.2 0.6]  s5 t2 [0.1 0.5 0.4]
        // class 0: pos {0.7, 0.4} vs neg {0.3, 0.5, 0.2, 0.1} → 4 + 3 = 7/8
        // class 1: pos {0.6, 0.3} vs neg {0.2, 0.4, 0.2, 0.5} → 4 + 2 = 6/8
        // class 2: pos {0.6, 0.4} vs neg {0.1, 0.2, 0.1, 0.2} → 8/8;  macro = 0.875
        // argmax (first on ties) → [0, 0, 1, 0, 2, 1] → 4/6 correct.
        let probs: [[Float]] = [[0.7, 0.2, 0.1], [0.4, 0.4, 0.2], [0.3, 0.6, 0.1],
                                [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.1, 0.5, 0.4]]
        let r = try EvaluationReport(truth: [0, 0, 1, 1, 2, 2], probabilities: probs, classes: ["x", "y", "z"])
        let auc = try XCTUnwrap(r.auc)
        XCTAssertEqual(auc.perClass["x"]!!, 0.875, accuracy: 1e-9)
        XCTAssertEqual(auc.perClass["y"]!!, 0.75, accuracy: 1e-9)
        XCTAssertEqual(auc.perClass["z"]!!, 1.0, accuracy: 1e-9)
        XCTAssertEqual(auc.macro!, 0.875, accuracy: 1e-9)
        XCTAssertNil(auc.binary)
        XCTAssertEqual(r.confusion, [[2, 0, 0], [1, 1, 0], [0, 1, 1]])
        XCTAssertEqual(r.accuracy, 4.0 / 6, accuracy: 1e-12)

        // Binary: probability of "mitosis" = [0.1, 0.4, 0.35, 0.8] → 0.75 as in the known case.
        let s: [Float] = [0.1, 0.4, 0.35, 0.8]
        let b = try EvaluationReport(truth: [0, 0, 1, 1], probabilities: s.map { [1 - $0, $0] },
                                     classes: ["interphase", "mitosis"])
        XCTAssertEqual(b.auc!.binary!, 0.75, accuracy: 1e-9)
        XCTAssertEqual(b.auc!.macro!, 0.75, accuracy: 1e-9)

        // A class absent from the test set has a null AUC and is left out of the macro mean.
        let c = try EvaluationReport(truth: [0, 0, 1, 1], probabilities: s.map { [1 - $0, $0, 0] },
                                     classes: ["a", "b", "c"])
        XCTAssertNil(c.auc!.perClass["c"]!)
        XCTAssertEqual(c.auc!.macro!, 0.75, accuracy: 1e-9)
        let json = String(decoding: try c.jsonData(), as: UTF8.self)
        XCTAssertTrue(json.contains("\"c\" : null"), json)
    }
}
