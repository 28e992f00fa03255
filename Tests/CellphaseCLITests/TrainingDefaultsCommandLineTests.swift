import Foundation
import TestSupport
import XCTest

/// `cellphase train` as a user runs it: each architecture's training recipe when no option is given (the SGAN paper's
/// low-depth CNN: Adam 5e-4 at a constant rate), the user's options on top, and bad preprocessing choices refused.
extension CommandLineTests {
    func testArchitectureRecipesAndPreprocessingOptions() throws {
        let folder = try temporaryFolder(self)
        let gen = try run(["data", "examples", "--out", "crops", "--per-class", "12", "--side", "40"], in: folder)
        XCTAssertEqual(gen.status, 0, gen.err)
        func train(_ extra: [String]) throws -> (status: Int32, out: String, err: String) {
            try run(["train", "--data", "crops", "--size", "32", "--epochs", "1", "--out", "out", "--json"] + extra, in: folder)
        }
        let lowdepth = try train(["--model", "lowdepth"])
        XCTAssertEqual(lowdepth.status, 0, lowdepth.err)
        XCTAssertTrue(lowdepth.err.contains("lr 5.0e-04"), lowdepth.err)
        let scnn = try train(["--model", "scnn"])
        XCTAssertTrue(scnn.err.contains("lr 1.0e-03"), scnn.err)
        // No --model: resnet18 with its annealed recipe (cosine, no early stopping); the run takes the given epoch.
        let resnet = try run(["train", "--data", "crops", "--size", "32", "--epochs", "2", "--out", "r", "--json"], in: folder)
        XCTAssertEqual(resnet.status, 0, resnet.err)
        XCTAssertEqual(try object(resnet.out)["model"] as? String, "resnet18")
        XCTAssertEqual(try object(resnet.out)["epochs_run"] as? Int, 2)
        let report = try String(contentsOf: folder.appendingPathComponent("r/report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("cosine"), "the report names the schedule")
        let given = try train(["--model", "lowdepth", "--lr", "2e-4", "--resize", "pad", "--intensity", "dataset"])
        XCTAssertEqual(given.status, 0, given.err)
        XCTAssertTrue(given.err.contains("lr 2.0e-04"), given.err)
        XCTAssertTrue(given.err.contains("intensity: one range for all crops"), given.err)
        let bundle = try String(contentsOf: folder.appendingPathComponent("out/lowdepth.cellphase/bundle.json"), encoding: .utf8)
        XCTAssertTrue(bundle.contains("pad") && bundle.contains("fixed"), bundle)
        // Both intensities: a two-channel model, and the bundle predicts from plain one-channel files.
        let both = try train(["--model", "scnn", "--intensity", "both", "--smooth", "0.8", "--out", "both"])
        XCTAssertEqual(both.status, 0, both.err)
        XCTAssertTrue(both.err.contains("as a second channel"), both.err)
        let bothBundle = try object(try String(contentsOf: folder.appendingPathComponent("both/scnn.cellphase/bundle.json"), encoding: .utf8))
        XCTAssertEqual((bothBundle["model"] as? [String: Any])?["channels"] as? Int, 2)
        XCTAssertEqual((bothBundle["preprocessing"] as? [String: Any])?["smoothing"] as? Double, 0.8)
        let predicted = try run(["predict", "--model", "both/scnn.cellphase", "crops"], in: folder)
        XCTAssertEqual(predicted.status, 0, predicted.err)
        XCTAssertEqual(predicted.out.split(separator: "\n").count, 7 * 12 + 1, predicted.out)
        let bad = try train(["--model", "lowdepth", "--resize", "crop"])
        XCTAssertNotEqual(bad.status, 0)
        for fragment in ["'crop'", "--resize", "'stretch'", "'keep-aspect'", "'pad'"] {
            XCTAssertTrue(bad.err.contains(fragment), "\(fragment) not in: \(bad.err)")
        }
    }
}

extension CommandLineTests {
    /// `train --ensemble 2 --augment acquisition --mix cutmix`: one bundle of two members that `predict` reads like any other, with
    /// the augmentation it was trained with recorded; out-of-range counts and unknown recipes refused.
    func testTrainingAnEnsembleWithAcquisitionAugmentation() throws {
        let folder = try temporaryFolder(self)
        let gen = try run(["data", "examples", "--out", "crops", "--per-class", "8", "--side", "40"], in: folder)
        XCTAssertEqual(gen.status, 0, gen.err)
        let r = try run(["train", "--data", "crops", "--model", "scnn", "--size", "32", "--epochs", "1", "--ensemble", "2",
                         "--augment", "acquisition", "--mix", "cutmix", "--out", "ens", "--json"], in: folder)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("member 2  epoch   1/1"), r.err)
        let bundle = try object(try String(contentsOf: folder.appendingPathComponent("ens/scnn.cellphase/bundle.json"), encoding: .utf8))
        let model = try XCTUnwrap(bundle["model"] as? [String: Any])
        XCTAssertEqual(model["architecture"] as? String, "ensemble")
        XCTAssertEqual(model["options"] as? [String: String], ["member": "scnn", "members": "2"])
        let report = try String(contentsOf: folder.appendingPathComponent("ens/report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("ensemble of 2 × scnn"), "the report says what was trained")
        XCTAssertTrue(report.contains("24–96 grey levels"), "the report says how it was augmented")
        XCTAssertTrue(report.contains("CutMix, α 1"), "…and mixed")
        let acquisition = try XCTUnwrap((bundle["augmentation"] as? [String: Any])?["acquisition"] as? [String: Any])
        XCTAssertEqual(acquisition["blurProbability"] as? Double, 0.5)
        let predicted = try run(["predict", "--model", "ens/scnn.cellphase", "crops"], in: folder)
        XCTAssertEqual(predicted.status, 0, predicted.err)
        XCTAssertEqual(predicted.out.split(separator: "\n").count, 7 * 8 + 1, predicted.out)
        for (args, flag) in [(["--ensemble", "0"], "--ensemble"), (["--ensemble", "9"], "--ensemble"), (["--ensemble", "-1"], "--ensemble"),
                             (["--augment", "heavy"], "--augment"), (["--mix", "mixup", "--mix-alpha", "nan"], "--mix-alpha"),
                             (["--mix-alpha", "0.4"], "--mix-alpha"), (["--mix", "blend"], "--mix")] {
            let bad = try run(["train", "--data", "crops"] + args, in: folder)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.err.contains(flag), bad.err)
        }
    }
}
