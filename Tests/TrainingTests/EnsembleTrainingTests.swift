import Datasets
import Engine
import Foundation
@testable import Models
import NN
@testable import Training
import TestSupport
import XCTest

/// `--ensemble K`: K models trained on one split with their own seeds, the first being exactly the single model of
/// the same seed; saved as one bundle that every command loads; measured per fold against that first member.
final class EnsembleTrainingTests: XCTestCase {
    func testMembersAreTrainedWithTheirOwnSeedsAndTheFirstIsTheSingleModel() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 10, side: 32, root: dir.appendingPathComponent("images"))
        let config = ModelConfig(architecture: "scnn", inputSide: 32, classes: 2)
        let rows = Array(0..<data.count)
        var o = SupervisedTrainer.Options()
        o.epochs = 2; o.earlyStopping = nil; o.seed = 7
        var seen: [Int?] = []
        let (single, _) = try Experiment.train(config, data: data, train: rows, validation: [], options: o) { seen.append($0.member) }
        XCTAssertEqual(seen, [nil, nil])
        o.members = 3
        seen = []
        let (model, result) = try Experiment.train(config, data: data, train: rows, validation: [], options: o) { seen.append($0.member) }
        XCTAssertEqual(seen, [1, 1, 2, 2, 3, 3], "each member's epochs are labelled")
        XCTAssertEqual(result.history.count, 2, "the curves are the first member's")
        let ensemble = try XCTUnwrap(model as? Ensemble)
        XCTAssertEqual(ensemble.members.count, 3)
        let weights = ensemble.members.map { $0.namedParameters().first!.parameter.value.scalars }
        XCTAssertEqual(weights[0], single.namedParameters().first!.parameter.value.scalars, "member 1 = the single model, same seed")
        XCTAssertNotEqual(weights[1], weights[0])
        XCTAssertNotEqual(weights[2], weights[1])
        XCTAssertEqual(Experiment.trainedConfig(config, options: o), Ensemble.config(member: config, count: 3))

        // One bundle; loaded, it answers exactly as in memory, through every inference lever.
        let url = dir.appendingPathComponent("e.cellphase")
        let info = BundleInfo(model: Experiment.trainedConfig(config, options: o), classes: data.dataset.classes,
                              preprocessing: data.settings, augmentation: .paper, data: nil, seed: 7)
        try ModelBundle.save(model: model, info: info, to: url)
        let loaded = try Classifier(bundle: url)
        XCTAssertEqual(loaded.info.model.architecture, "ensemble")
        XCTAssertEqual(loaded.info.parameterCount, 3 * single.parameterCount)
        // `GET /v1/model` and `analyze --json` say what is averaged.
        let summary = try JSONSerialization.jsonObject(with: JSONEncoder().encode(loaded.summary)) as! [String: Any]
        XCTAssertEqual(summary["members"] as? Int, 3)
        XCTAssertEqual(summary["member"] as? String, "scnn")
        XCTAssertNil(Classifier(model: single, info: BundleInfo(model: config, classes: data.dataset.classes, preprocessing: data.settings,
                                                                augmentation: nil, data: nil, seed: 0)).summary.members)
        let files = data.dataset.samples.map { $0.files[0] }
        let inMemory = try Classifier(model: model, info: loaded.info).predict(files: files).map(\.probabilities)
        XCTAssertEqual(try loaded.predict(files: files).map(\.probabilities), inMemory)
        let members = try ensemble.members.map { try Classifier(model: $0, info: BundleInfo(model: config, classes: data.dataset.classes,
            preprocessing: data.settings, augmentation: nil, data: nil, seed: 0)).predict(files: files).map(\.probabilities) }
        for i in files.indices {
            for j in 0..<2 { XCTAssertEqual(inMemory[i][j], (members[0][i][j] + members[1][i][j] + members[2][i][j]) / 3, accuracy: 1e-5) }
        }
        loaded.tta = true
        XCTAssertEqual(try loaded.predict(files: files).count, files.count)

        // A bundle naming an ensemble this cellphase cannot rebuild is refused by name, before any weight is read.
        let f = url.appendingPathComponent("bundle.json")
        var obj = try JSONSerialization.jsonObject(with: Data(contentsOf: f)) as! [String: Any]
        var m = obj["model"] as! [String: Any]
        m["options"] = ["member": "scnn", "members": "5000000"]
        obj["model"] = m
        try JSONSerialization.data(withJSONObject: obj).write(to: f)
        XCTAssertThrowsError(try ModelBundle.load(from: url)) { XCTAssertTrue("\($0)".contains("ensemble of 5000000 × scnn"), "\($0)") }
    }

    /// In a cross-validation every fold keeps each member's own test figures, and `InferenceLevers` pairs the ensemble
    /// with its first member; the fold seeds are those of the single-model run.
    func testCrossValidationPairsTheEnsembleWithItsFirstMember() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        var data = try syntheticTwoPhase(perClass: 40, side: 32, root: dir)
        for i in stride(from: 0, to: data.count, by: 8) { data.dataset.labels[i] = 1 - data.dataset.labels[i] }
        let folds = Experiment.folds(for: data, k: 2, seed: 1)
        var o = SupervisedTrainer.Options()
        o.epochs = 2; o.earlyStopping = nil
        let (_, singles) = try Experiment.crossValidate(architecture: "scnn", data: data, folds: folds, options: o,
                                                        inferenceLevers: false)
        o.members = 2
        let (_, results) = try Experiment.crossValidate(architecture: "scnn", data: data, folds: folds, options: o)
        for (f, single) in zip(results, singles) {
            XCTAssertEqual(f.memberReports.count, 2)
            XCTAssertEqual(f.memberReports[0].confusion, single.report.confusion, "member 1 is the single model of the fold")
            XCTAssertEqual(f.report.samples, single.report.samples)
        }
        let levers = try XCTUnwrap(InferenceLevers(results))
        XCTAssertEqual(levers.memberAccuracy?.map(\.count), [2, 2])
        for (d, f) in zip(try XCTUnwrap(levers.ensembleDifference), results) {
            XCTAssertEqual(d, f.report.accuracy - f.memberReports[0].accuracy, accuracy: 1e-12)
        }
        XCTAssertTrue(levers.text.hasPrefix("ensemble of 2: "), levers.text)
        XCTAssertNil(InferenceLevers(singles.map { var s = $0; s.ttaReport = s.report; s.ttaECE = 0; return s })?.memberAccuracy)
    }
}
