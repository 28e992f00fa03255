import Foundation
@testable import Models
import TestSupport
import XCTest

/// Metrics against hand-computed examples (first paper section 2.3.4).
final class MetricsTests: XCTestCase {
    // Four classes; C is never predicted, D is absent from the test set (but predicted once).
    //
    //   true \ pred   A  B  C  D   support
    //   A             3  1  0  0   4
    //   B             0  2  0  1   3
    //   C             2  1  0  0   3
    //   D             0  0  0  0   0
    //   predicted     5  4  0  1   10 samples, 5 correct → accuracy 0.5
    //
    //   A: TP 3 FP 2 FN 1 TN 4 → P 3/5 = 0.6, R 3/4 = 0.75, spec 4/6, F1 2·0.6·0.75/1.35 = 2/3
    //   B: TP 2 FP 2 FN 1 TN 5 → P 0.5, R 2/3, spec 5/7, F1 4/7
    //   C: TP 0 FP 0 FN 3 TN 7 → P 0 (never predicted, convention), R 0, spec 1, F1 0
    //   D: TP 0 FP 1 FN 0 TN 9 → P 0, R undefined (nil), spec 9/10, F1 undefined (nil)
    //   macro over A, B, C: P 1.1/3, R (0.75 + 2/3)/3 = 17/36 = balanced accuracy, F1 (2/3 + 4/7)/3 = 26/63,
    //                       spec (2/3 + 5/7 + 1)/3 = 50/63
    //   weighted (4, 3, 3)/10: P 0.39, R 0.5, F1 92/210, spec 164/210
    static let classes = MetricFixtures.classes
    static let truth = MetricFixtures.truth
    static let predicted = MetricFixtures.predicted

    func testConfusionMatrixRowsAreTruthColumnsArePredictions() throws {
        let cm = try ConfusionMatrix(truth: Self.truth, predicted: Self.predicted, classCount: 4)
        XCTAssertEqual(cm.counts, [[3, 1, 0, 0], [0, 2, 0, 1], [2, 1, 0, 0], [0, 0, 0, 0]])
        XCTAssertEqual(cm.total, 10); XCTAssertEqual(cm.correct, 5)
        XCTAssertEqual((0..<4).map(cm.trueNegatives), [4, 5, 7, 9])
        XCTAssertEqual(cm.rowNormalized[0], [0.75, 0.25, 0, 0])
        XCTAssertEqual(cm.rowNormalized[3], [0, 0, 0, 0])
    }

    func testPerClassAndAveragesMatchHandComputation() throws {
        let r = try EvaluationReport(truth: Self.truth, predicted: Self.predicted, classes: Self.classes)
        let e = 1e-9
        XCTAssertEqual(r.accuracy, 0.5, accuracy: e)
        XCTAssertEqual(r.samples, 10)
        let a = try XCTUnwrap(r.perClass["A"]), b = try XCTUnwrap(r.perClass["B"])
        let c = try XCTUnwrap(r.perClass["C"]), d = try XCTUnwrap(r.perClass["D"])
        XCTAssertEqual(a.precision, 0.6, accuracy: e); XCTAssertEqual(a.recall!, 0.75, accuracy: e)
        XCTAssertEqual(a.specificity!, 4.0 / 6, accuracy: e); XCTAssertEqual(a.f1!, 2.0 / 3, accuracy: e)
        XCTAssertEqual(a.support, 4)
        XCTAssertEqual(b.precision, 0.5, accuracy: e); XCTAssertEqual(b.recall!, 2.0 / 3, accuracy: e)
        XCTAssertEqual(b.specificity!, 5.0 / 7, accuracy: e); XCTAssertEqual(b.f1!, 4.0 / 7, accuracy: e)
        // C never predicted: precision 0 by convention, recall 0, F1 0.
        XCTAssertEqual(c.precision, 0); XCTAssertEqual(c.recall, 0); XCTAssertEqual(c.f1, 0)
        XCTAssertEqual(c.specificity, 1); XCTAssertEqual(c.predicted, 0); XCTAssertEqual(c.support, 3)
        // D absent: recall and F1 undefined.
        XCTAssertEqual(d.precision, 0); XCTAssertNil(d.recall); XCTAssertNil(d.f1)
        XCTAssertEqual(d.specificity!, 0.9, accuracy: e); XCTAssertEqual(d.support, 0); XCTAssertEqual(d.predicted, 1)

        XCTAssertEqual(r.macro.precision, 1.1 / 3, accuracy: e)
        XCTAssertEqual(r.macro.recall, 17.0 / 36, accuracy: e)
        XCTAssertEqual(r.balancedAccuracy, 17.0 / 36, accuracy: e)
        XCTAssertEqual(r.macro.f1, 26.0 / 63, accuracy: e)
        XCTAssertEqual(r.macroF1, 26.0 / 63, accuracy: e)
        XCTAssertEqual(r.macro.specificity!, 50.0 / 63, accuracy: e)
        XCTAssertEqual(r.weighted.precision, 0.39, accuracy: e)
        XCTAssertEqual(r.weighted.recall, 0.5, accuracy: e)
        XCTAssertEqual(r.weighted.f1, 92.0 / 210, accuracy: e)
        XCTAssertEqual(r.weighted.specificity!, 164.0 / 210, accuracy: e)
        XCTAssertNil(r.auc)
    }

    func testJSONHasKeysNullsAndNoNaN() throws {
        let r = try EvaluationReport(truth: Self.truth, predicted: Self.predicted, classes: Self.classes)
        let data = try r.jsonData()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertFalse(text.lowercased().contains("nan"))
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        for k in ["accuracy", "balanced_accuracy", "macro_f1", "per_class", "confusion", "auc", "classes"] {
            XCTAssertNotNil(obj[k], "missing key \(k)")
        }
        XCTAssertEqual(obj["accuracy"] as? Double, 0.5)
        XCTAssertEqual(obj["classes"] as? [String], Self.classes)
        XCTAssertEqual(obj["confusion"] as? [[Int]], [[3, 1, 0, 0], [0, 2, 0, 1], [2, 1, 0, 0], [0, 0, 0, 0]])
        XCTAssertTrue(obj["auc"] is NSNull)
        let pc = try XCTUnwrap(obj["per_class"] as? [String: [String: Any]])
        XCTAssertEqual(Set(pc.keys), ["A", "B", "C", "D"])
        XCTAssertEqual(Set(pc["D"]!.keys), ["precision", "recall", "specificity", "f1", "support", "predicted"])
        XCTAssertTrue(pc["D"]!["recall"] is NSNull, "undefined recall is null, not omitted and not NaN")
        XCTAssertEqual(pc["A"]!["precision"] as? Double, 0.6)
        XCTAssertEqual(pc["B"]!["support"] as? Int, 3)
        // Round trip.
        let back = try JSONDecoder().decode(EvaluationReport.self, from: data)
        XCTAssertEqual(back, r)
    }

    func testBadInputIsRefused() {
        XCTAssertThrowsError(try EvaluationReport(truth: [0, 1], predicted: [0], classes: ["a", "b"]))
        XCTAssertThrowsError(try EvaluationReport(truth: [0, 2], predicted: [0, 1], classes: ["a", "b"]))
        XCTAssertThrowsError(try EvaluationReport(truth: [], predicted: [], classes: ["a", "b"]))
        XCTAssertThrowsError(try EvaluationReport(truth: [0], predicted: [0], classes: ["a", "a"]))
        XCTAssertThrowsError(try EvaluationReport(truth: [0], predicted: [0], probabilities: [[1, 0, 0]], classes: ["a", "b"]))
    }
}
