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
        run.validationFraction = 0.3  // ≥ Calibration.minimumImages validation crops
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
        // A temperature fit on the validation split is stored, reported, and applied by the classifier.
        let calibration = try XCTUnwrap(try ModelBundle.info(at: outcome.bundle).calibration)
        XCTAssertEqual(calibration.images, outcome.split.validation.count)
        XCTAssertTrue(Calibration.temperatures.contains(calibration.temperature))
        // The temperature minimises the validation log-loss (T = 1 was a candidate).
        let (_, validation) = try Experiment.evaluate(outcome.model, data: data, rows: outcome.split.validation)
        func nll(_ t: Double) -> Double {
            zip(validation, outcome.split.validation).reduce(0) { $0 - log(Double(Calibration.scaled($1.0, temperature: t)[data.labels[$1.1]])) }
        }
        XCTAssertLessThanOrEqual(nll(calibration.temperature), nll(1) + 1e-6)
        XCTAssertTrue(html.contains("validation images; ECE"), "the report states the calibration")
        let classifier = try Classifier(bundle: outcome.bundle)
        let rows = outcome.split.test
        let samples = rows.map { Array(data.data[$0 * data.sampleSize ..< ($0 + 1) * data.sampleSize]) }
        let calibrated = try classifier.probabilities(samples: samples)
        classifier.calibrated = false
        let raw = try classifier.probabilities(samples: samples)
        for (c, r) in zip(calibrated, raw) {
            for (a, b) in zip(c, Calibration.scaled(r, temperature: calibration.temperature)) { XCTAssertEqual(a, b, accuracy: 1e-4) }
            XCTAssertEqual(c.firstIndex(of: c.max()!), r.firstIndex(of: r.max()!))
        }
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

        // A learning rate too small to change the weights: validation never improves, so the plateau schedule
        // halves the rate after every `patience` epochs without a better validation figure — exactly, epoch by epoch.
        o.learningRate = 1e-9; o.epochs = 7; o.schedule = .reduceOnPlateau(factor: 0.5, patience: 2, minimum: 1e-10)
        o.earlyStopping = nil
        let h2 = try SupervisedTrainer(options: o).fit(model, data: data, train: Array(0..<12), validation: Array(12..<16)).history
        let rates = h2.map(\.learningRate)
        XCTAssertEqual(rates[0], 1e-9, accuracy: 1e-15)
        XCTAssertLessThan(rates.last!, 1e-9, "the rate was cut")
        XCTAssertGreaterThanOrEqual(rates.min()!, 1e-10 - 1e-16, "never below the minimum")
        for (a, b) in zip(rates, rates.dropFirst()) {
            XCTAssertTrue(b == a || abs(b - max(a * 0.5, 1e-10)) < 1e-16, "each step keeps the rate or halves it: \(rates)")
        }
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
        let perFold = try XCTUnwrap(obj["per_fold"] as? [[String: Any]])
        XCTAssertEqual(perFold.count, 2)
        let accuracies = results.map(\.report.accuracy)
        XCTAssertEqual(obj["accuracy_mean"] as! Double, accuracies.reduce(0, +) / 2, accuracy: 1e-12)
        XCTAssertEqual(obj["accuracy_std"] as! Double, abs(accuracies[0] - accuracies[1]) / 2.0.squareRoot(), accuracy: 1e-12)
        let ci = try XCTUnwrap(obj["accuracy_ci95"] as? [Double])
        XCTAssertEqual(ci.count, 2); XCTAssertLessThanOrEqual(ci[0], ci[1])
        XCTAssertEqual(Set((obj["per_class"] as! [String: Any]).keys), Set(data.dataset.classes))
        XCTAssertEqual((obj["confusion"] as! [[Int]]).joined().reduce(0, +), 32, "every image tested once")
    }

    /// Every fold measures the inference levers on its own model: a temperature fit on its validation split (the test
    /// ECE after it recomputed from the kept probabilities), test-time augmentation through `Classifier` (its accuracy
    /// and its difference to one view), and the JSON `cellphase cv` writes as `inference_levers`; off, none of it.
    func testCrossValidationMeasuresInferenceLeversPerFold() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        var data = try syntheticTwoPhase(perClass: 80, side: 32, root: dir)
        // One label in eight flipped: no split is called perfectly, so every fold has a temperature to fit.
        for i in stride(from: 0, to: data.count, by: 8) { data.dataset.labels[i] = 1 - data.dataset.labels[i] }
        let folds = Experiment.folds(for: data, k: 2, seed: 1)
        var o = SupervisedTrainer.Options()
        o.epochs = 2; o.earlyStopping = nil
        let (_, results) = try Experiment.crossValidate(architecture: "scnn", data: data, folds: folds, options: o,
                                                        validationFraction: 0.4)
        for f in results {
            let c = try XCTUnwrap(f.calibration, "≥ 30 validation images: a temperature")
            XCTAssertEqual(c.images, f.validationCount)
            XCTAssertEqual(f.testLabels.count, f.testCount)
            XCTAssertEqual(f.testProbabilities.count, f.testCount)
            XCTAssertEqual(f.report.ece ?? -1, Calibration.expectedCalibrationError(f.testProbabilities, labels: f.testLabels), accuracy: 1e-9)
            let scaled = f.testProbabilities.map { Calibration.scaled($0, temperature: c.temperature) }
            XCTAssertEqual(f.calibratedECE ?? -1, Calibration.expectedCalibrationError(scaled, labels: f.testLabels), accuracy: 1e-9)
            let tta = try XCTUnwrap(f.ttaReport)
            XCTAssertEqual(tta.samples, f.testCount)
            XCTAssertEqual(tta.confusion.joined().reduce(0, +), f.testCount)
        }
        let levers = try XCTUnwrap(InferenceLevers(results))
        XCTAssertEqual(levers.folds, 2)
        for i in 0..<2 {
            XCTAssertEqual(levers.ttaDifference[i], results[i].ttaReport!.accuracy - results[i].report.accuracy, accuracy: 1e-12)
            XCTAssertEqual(levers.temperatures[i], results[i].calibration!.temperature)
        }
        XCTAssertTrue(levers.text.contains("test-time augmentation") && levers.text.contains("ECE"), levers.text)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(levers)) as! [String: Any]
        for key in ["plain_accuracy", "tta_accuracy", "tta_difference", "ece", "calibrated_ece", "tta_ece", "temperatures"] {
            XCTAssertEqual((json[key] as? [Double])?.count, 2, key)
        }
        let (_, off) = try Experiment.crossValidate(architecture: "scnn", data: data, folds: folds, options: o,
                                                    validationFraction: 0.4, inferenceLevers: false)
        XCTAssertNil(InferenceLevers(off))
        XCTAssertEqual(off.map(\.report.accuracy), results.map(\.report.accuracy), "same seed, same plain result")
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
        XCTAssertEqual(obj["accuracy"] as! Double, report.accuracy, accuracy: 1e-12)
        XCTAssertEqual(obj["macro_f1"] as! Double, report.macroF1, accuracy: 1e-12)
        let confusion = try XCTUnwrap(obj["confusion"] as? [[Int]])
        XCTAssertEqual(confusion.map { $0.reduce(0, +) }, [6, 6], "rows are the true classes")
        XCTAssertEqual(Double(confusion[0][0] + confusion[1][1]) / 12, report.accuracy, accuracy: 1e-12)
        let perClass = obj["per_class"] as! [String: [String: Any]]
        XCTAssertEqual(Set(perClass.keys), Set(data.dataset.classes))
        XCTAssertEqual(perClass[data.dataset.classes[0]]?["support"] as? Int, 6)
        let auc = try XCTUnwrap(obj["auc"] as? [String: Any])
        XCTAssertNotNil(auc["macro"] as? Double ?? (auc["binary"] as? Double), "\(auc)")
    }
}
