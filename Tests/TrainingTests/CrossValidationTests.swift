import Foundation
@testable import Models
@testable import Plot
@testable import Training
import XCTest

/// Cross-validation mean, sample std and Student-t 95 % CI against hand-computed values.
final class CrossValidationTests: XCTestCase {
    /// A fold of 20 samples (10 per class) where `wrong` samples of class 1 are predicted as class 0.
    /// accuracy = (20 − wrong)/20; F1₀ = 20/(20 + wrong); F1₁ = 2(10 − wrong)/(20 − wrong).
    func fold(wrong: Int) throws -> EvaluationReport {
        let truth = Array(repeating: 0, count: 10) + Array(repeating: 1, count: 10)
        let predicted = Array(repeating: 0, count: 10 + wrong) + Array(repeating: 1, count: 10 - wrong)
        return try EvaluationReport(truth: truth, predicted: predicted, classes: ["neg", "pos"])
    }

    func testMeanStdAndCI() throws {
        // Accuracies 0.9, 0.8, 0.85: mean 0.85, deviations ±0.05, 0 → s² = 0.005/2 → s = 0.05;
        // t₀.₉₇₅(2) = 4.3027 → half-width 4.3027·0.05/√3 = 0.1242083 → CI [0.7257917, 0.9742083].
        let s = try CrossValidationSummary(folds: [fold(wrong: 2), fold(wrong: 4), fold(wrong: 3)])
        XCTAssertEqual(s.folds, 3)
        XCTAssertEqual(s.accuracy.mean, 0.85, accuracy: 1e-12)
        XCTAssertEqual(s.accuracy.std!, 0.05, accuracy: 1e-12)
        XCTAssertEqual(s.accuracy.ci95![0], 0.7257917498, accuracy: 1e-9)
        XCTAssertEqual(s.accuracy.ci95![1], 0.9742082502, accuracy: 1e-9)
        // F1 of "neg": 20/22, 20/24, 20/23 → mean 0.8706631533, std 0.0378907201.
        let neg = try XCTUnwrap(s.perClass["neg"]?.f1)
        XCTAssertEqual(neg.mean, 0.8706631533, accuracy: 1e-9)
        XCTAssertEqual(neg.std!, 0.0378907201, accuracy: 1e-9)
        XCTAssertEqual(neg.ci95![0], 0.7765363525, accuracy: 1e-9)
        // Macro F1 per fold: (20/22 + 16/18)/2, (20/24 + 12/16)/2, (20/23 + 14/17)/2 → mean 0.8457346267, std 0.0536662314.
        XCTAssertEqual(s.macroF1.mean, 0.8457346267, accuracy: 1e-9)
        XCTAssertEqual(s.macroF1.std!, 0.0536662314, accuracy: 1e-9)
        // Balanced accuracy = mean recall = (1 + (10 − wrong)/10)/2 → 0.9, 0.8, 0.85 as well.
        XCTAssertEqual(s.balancedAccuracy.mean, 0.85, accuracy: 1e-12)
        XCTAssertEqual(s.confusion, [[30, 0], [9, 21]])
        XCTAssertEqual(s.perClass["pos"]?.supportTotal, 30)
    }

    func testStudentTTableAndNormalBeyond() {
        XCTAssertEqual(StudentT.twoSided95(degreesOfFreedom: 1), 12.7062)
        XCTAssertEqual(StudentT.twoSided95(degreesOfFreedom: 3), 3.1824)
        XCTAssertEqual(StudentT.twoSided95(degreesOfFreedom: 30), 2.0423)
        XCTAssertEqual(StudentT.twoSided95(degreesOfFreedom: 200), 1.96, accuracy: 1e-3)
        XCTAssertEqual(StudentT.quantile975.count, 30)
        XCTAssertEqual(StudentT.quantile975, StudentT.quantile975.sorted(by: >), "decreasing in df")
    }

    func testJSONKeys() throws {
        let s = try CrossValidationSummary(folds: [fold(wrong: 2), fold(wrong: 4), fold(wrong: 3)])
        let data = try s.jsonData()
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        // Folds with 2, 4 and 3 positives called negative (10 + 10 each): balanced accuracy = accuracy, summed confusion.
        XCTAssertEqual(obj["classes"] as? [String], ["neg", "pos"])
        XCTAssertEqual(obj["balanced_accuracy_mean"] as! Double, 0.85, accuracy: 1e-12)
        XCTAssertEqual(obj["macro_f1_mean"] as! Double, 0.8457346267, accuracy: 1e-9)
        XCTAssertEqual(obj["accuracy_std"] as! Double, 0.05, accuracy: 1e-12)
        XCTAssertEqual(obj["confusion"] as? [[Int]], [[30, 0], [9, 21]])
        XCTAssertEqual(obj["accuracy_mean"] as! Double, 0.85, accuracy: 1e-12)
        XCTAssertEqual(obj["folds"] as? Int, 3)
        XCTAssertEqual((obj["accuracy_ci95"] as? [Double])?.count, 2)
        XCTAssertEqual((obj["per_fold"] as? [[String: Any]])?.count, 3)
        let neg = try XCTUnwrap((obj["per_class"] as? [String: [String: Any]])?["neg"])
        XCTAssertEqual(neg["f1_mean"] as! Double, 0.8706631533, accuracy: 1e-9)
        XCTAssertEqual(neg["f1_std"] as! Double, 0.0378907201, accuracy: 1e-9)
        let back = try JSONDecoder().decode(CrossValidationSummary.self, from: data)
        XCTAssertEqual(back, s)
    }

    func testSingleFoldHasNoSpread() throws {
        let s = try CrossValidationSummary(folds: [fold(wrong: 2)])
        XCTAssertNil(s.accuracy.std); XCTAssertNil(s.accuracy.ci95)
        let obj = try JSONSerialization.jsonObject(with: s.jsonData()) as! [String: Any]
        XCTAssertTrue(obj["accuracy_std"] is NSNull)
        XCTAssertThrowsError(try CrossValidationSummary(folds: []))
    }
}
