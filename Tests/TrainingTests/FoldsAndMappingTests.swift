import Datasets
import Foundation
import Imaging
@testable import Models
@testable import Plot
@testable import Training
import TestSupport
import XCTest

/// Cross-validation uses the dataset's own folds when it has them; class groupings travel with the bundle.
final class FoldsAndMappingTests: XCTestCase {
    func testOwnFoldsAreUsedUnlessAnotherNumberIsAsked() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let gen = SyntheticNuclei(side: 32, format: .uint16, seed: 1)
        for f in ["foldA", "foldB", "foldC"] {
            _ = try gen.writeDataset(to: dir.appendingPathComponent(f), perClass: 3, fileExtension: "png",
                                     phases: [.interphase, .prophase, .metaphase])
        }
        let data = try PreparedDataset.prepare(try FolderLayout.load(dir), settings: Experiment.preprocessing(side: 32))
        let own = Experiment.folds(for: data, k: nil, seed: 0)
        XCTAssertEqual(own.map(\.name), ["foldA", "foldB", "foldC"])
        XCTAssertEqual(own.map(\.rows.count), [9, 9, 9])
        XCTAssertEqual(Experiment.folds(for: data, k: 3, seed: 0).map(\.name), ["foldA", "foldB", "foldC"])
        let strat = Experiment.folds(for: data, k: 2, seed: 0)
        XCTAssertEqual(strat.map(\.name), ["fold1", "fold2"])
        XCTAssertEqual(Set(strat.flatMap(\.rows)).count, 27)
    }

    /// Interphase vs "mitosis" is a class grouping: the bundle remembers it and evaluation applies it again.
    func testGroupingIsStoredInTheBundleAndReappliedOnEvaluation() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("images")
        _ = try SyntheticNuclei(side: 32, format: .uint16, seed: 2)
            .writeDataset(to: root, perClass: 4, fileExtension: "png", phases: [.interphase, .prophase, .metaphase, .anaphase])
        let mapping = try ClassMapping(classes: nil, groupSpecs: ["mitosis=prophase,metaphase"], drop: "anaphase")
        let data = try PreparedDataset.prepare(try FolderLayout.load(root, mapping: mapping), settings: Experiment.preprocessing(side: 32))
        XCTAssertEqual(data.dataset.classes, ["interphase", "mitosis"])
        XCTAssertEqual(data.count, 12)
        var o = SupervisedTrainer.Options()
        o.epochs = 1; o.earlyStopping = nil
        var run = TrainingRun(architecture: "scnn", options: o)
        run.testFraction = 0.25
        let outcome = try run.run(data: data, provenance: .of(data, root: root, mapping: mapping), out: dir.appendingPathComponent("run"))
        let classifier = try Classifier(bundle: outcome.bundle)
        XCTAssertEqual(classifier.info.data?.mapping, mapping)
        let again = try classifier.prepare(root: root)
        XCTAssertEqual(again.dataset.classes, ["interphase", "mitosis"])
        XCTAssertEqual(try classifier.evaluate(again).report.samples, 12)
        // A class the model does not know is refused clearly.
        let raw = try classifier.prepare(root: root, mapping: .identity)
        XCTAssertThrowsError(try classifier.evaluate(raw)) { XCTAssertTrue("\($0)".contains("the data has class 'anaphase'"), "\($0)") }
    }
}
