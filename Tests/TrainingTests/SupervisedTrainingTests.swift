import Datasets
import Engine
import Foundation
@testable import Models
import NN
@testable import Plot
@testable import Training
import TestSupport
import XCTest

/// The supervised trainer and the cross-validation wiring on small synthetic data.
final class SupervisedTrainingTests: XCTestCase {
    /// A short real training run learns: interphase vs metaphase far above chance on held-out images.
    func testShortRunLearnsSyntheticInterphaseVsMetaphase() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 60, root: dir.appendingPathComponent("images"))
        var o = SupervisedTrainer.Options()
        o.epochs = 8; o.seed = 1; o.earlyStopping = nil
        var run = TrainingRun(architecture: "lowdepth", options: o)
        run.testFraction = 0.25
        let outcome = try run.run(data: data, provenance: .of(data, root: dir, mapping: nil), out: dir.appendingPathComponent("run"))
        let test = try XCTUnwrap(outcome.test)
        XCTAssertGreaterThanOrEqual(test.accuracy, 0.75, "test accuracy \(test.accuracy)")
        XCTAssertEqual(outcome.result.history.count, 8)
        XCTAssertNotNil(outcome.result.bestEpoch)
        // Artefacts: bundle, per-epoch JSON log, self-contained HTML report with the figures.
        XCTAssertEqual(try TrainingLog(url: outcome.log).read().count, 8)
        let html = try String(contentsOf: outcome.report, encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertTrue(html.contains("Test metrics"))
        let figures = outcome.report.deletingLastPathComponent().appendingPathComponent("figures")
        for name in ["confusion-matrix", "roc", "training-curves"] {
            for ext in ["svg", "png"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: figures.appendingPathComponent("\(name).\(ext)").path), "\(name).\(ext)")
            }
        }
        XCTAssertEqual(try ModelBundle.info(at: outcome.bundle).testMetrics?.accuracy, test.accuracy)
    }

    func testEarlyStoppingWaitsForTheWarmupThenStops() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 12, side: 32, root: dir)
        let model = try ModelRegistry.make(ModelConfig(architecture: "scnn", inputSide: 32, classes: 2), seed: 1)
        var o = SupervisedTrainer.Options()
        o.epochs = 40; o.learningRate = 0  // nothing improves after epoch 1
        o.earlyStopping = .init(patience: 2, warmup: 6)
        o.schedule = .constant
        let r = try SupervisedTrainer(options: o).fit(model, data: data, train: Array(0..<16), validation: Array(16..<24))
        XCTAssertEqual(r.history.count, 6, "never before the warm-up, then at once (patience already used up)")
        XCTAssertTrue(r.stoppedEarly)
        XCTAssertEqual(r.bestEpoch, 1)
    }

    func testCosineAndPlateauSchedules() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 8, side: 32, root: dir)
        let model = try ModelRegistry.make(ModelConfig(architecture: "scnn", inputSide: 32, classes: 2), seed: 1)
        var o = SupervisedTrainer.Options()
        o.epochs = 5; o.earlyStopping = nil; o.schedule = .cosine(minimum: 1e-5); o.learningRate = 1e-3
        let h = try SupervisedTrainer(options: o).fit(model, data: data, train: Array(0..<12), validation: Array(12..<16)).history
        XCTAssertEqual(h.first!.learningRate, 1e-3, accuracy: 1e-9)
        XCTAssertEqual(h[2].learningRate, 1e-5 + (1e-3 - 1e-5) * 0.5, accuracy: 1e-9)
        XCTAssertEqual(h.last!.learningRate, 1e-5, accuracy: 1e-9)

        o.learningRate = 0; o.epochs = 6; o.schedule = .reduceOnPlateau(factor: 0.5, patience: 2, minimum: 0)
        o.earlyStopping = nil
        let h2 = try SupervisedTrainer(options: o).fit(model, data: data, train: Array(0..<12), validation: Array(12..<16)).history
        XCTAssertEqual(h2.map(\.learningRate), [0, 0, 0, 0, 0, 0])  // 0 stays 0; the cut itself is covered below
        o.learningRate = 1e-9
        let h3 = try SupervisedTrainer(options: o).fit(model, data: data, train: Array(0..<12), validation: Array(12..<16)).history
        XCTAssertLessThan(h3.last!.learningRate, 1e-9)
    }

    func testBalancedWeightsOnlyWhenCountsDiffer() {
        XCTAssertNil(SupervisedTrainer.balancedWeights([0, 1, 0, 1], classes: 2))
        XCTAssertEqual(SupervisedTrainer.balancedWeights([0, 1, 1, 1, 1, 1], classes: 2)!, [3, 0.6])
    }

    /// `cellphase cv` JSON: the keys of the issue, from the library the command calls.
    func testCrossValidationJSONKeys() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 16, side: 32, root: dir)
        let folds = Experiment.folds(for: data, k: 2, seed: 1)
        XCTAssertEqual(folds.count, 2)
        var o = SupervisedTrainer.Options()
        o.epochs = 2; o.earlyStopping = nil
        let (summary, results) = try Experiment.crossValidate(architecture: "scnn", data: data, folds: folds, options: o)
        XCTAssertEqual(results.count, 2)
        XCTAssertEqual(results.map(\.report.samples), [16, 16])
        let obj = try JSONSerialization.jsonObject(with: summary.jsonData()) as! [String: Any]
        for key in ["accuracy_mean", "accuracy_std", "accuracy_ci95", "balanced_accuracy_mean", "per_fold", "per_class", "confusion"] {
            XCTAssertNotNil(obj[key], key)
        }
        XCTAssertEqual((obj["per_fold"] as! [Any]).count, 2)
    }

    /// `cellphase evaluate --json`: the keys of the issue.
    func testEvaluateJSONKeys() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 6, side: 32, root: dir)
        let model = try ModelRegistry.make(ModelConfig(architecture: "scnn", inputSide: 32, classes: 2), seed: 1)
        let (report, probs) = try Experiment.evaluate(model, data: data, rows: Array(0..<data.count))
        XCTAssertEqual(probs.count, 12)
        let obj = try JSONSerialization.jsonObject(with: report.jsonData()) as! [String: Any]
        for key in ["accuracy", "macro_f1", "per_class", "confusion", "auc"] { XCTAssertNotNil(obj[key], key) }
        let perClass = obj["per_class"] as! [String: [String: Any]]
        for key in ["precision", "recall", "f1", "support"] { XCTAssertNotNil(perClass["interphase"]?[key], key) }
    }
}
