import Foundation
import TestSupport
import XCTest

/// `cellphase cv` and `train` as a user runs them: the inference levers measured per fold (`inference_levers` in the
/// JSON, a line of text), and a reliability diagram in both reports.
extension CommandLineTests {
    func testCrossValidationReportsInferenceLeversAndReliability() throws {
        let folder = try temporaryFolder(self)
        let gen = try run(["data", "examples", "--out", "crops", "--per-class", "24", "--side", "40"], in: folder)
        XCTAssertEqual(gen.status, 0, gen.err)
        let cv = try run(["cv", "--data", "crops", "--model", "scnn", "--size", "32", "--epochs", "2", "--folds", "2",
                          "--validation-fraction", "0.4", "--out", "cv", "--json"], in: folder)
        XCTAssertEqual(cv.status, 0, cv.err)
        let o = try object(cv.out)
        let levers = try XCTUnwrap(o["inference_levers"] as? [String: Any], cv.out)
        let plain = try XCTUnwrap(levers["plain_accuracy"] as? [Double])
        XCTAssertEqual(plain.count, 2)
        let perFold = try XCTUnwrap(o["per_fold"] as? [[String: Any]])
        XCTAssertEqual(plain, perFold.map { $0["accuracy"] as! Double }, "the levers are measured on the same models")
        XCTAssertEqual((levers["tta_accuracy"] as? [Double])?.count, 2)
        XCTAssertTrue(cv.err.contains("test-time augmentation (8 views)"), cv.err)
        let svg = folder.appendingPathComponent("cv/figures/reliability.svg")
        XCTAssertTrue(FileManager.default.fileExists(atPath: svg.path), "cv report's reliability diagram")
        let html = try String(contentsOf: folder.appendingPathComponent("cv/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Reliability diagram") && html.contains("test-time augmentation"))
        // Every fold is a run in the registry (the default file where the command ran), with its epochs.
        let runs = try run(["runs", "list", "--kind", "cv", "--json"], in: folder)
        XCTAssertEqual(runs.status, 0, runs.err)
        let listed = try XCTUnwrap(try object(runs.out)["runs"] as? [[String: Any]], runs.out)
        XCTAssertEqual(listed.count, 2, runs.out)
        XCTAssertEqual(Set(listed.compactMap { $0["status"] as? String }), ["finished"])
        let accuracies = listed.compactMap { $0["accuracy"] as? Double }.sorted()
        XCTAssertEqual(accuracies, plain.sorted(), "the registry holds each fold's test accuracy")

        let train = try run(["train", "--data", "crops", "--model", "scnn", "--size", "32", "--epochs", "2",
                             "--validation-fraction", "0.4", "--out", "t", "--json"], in: folder)
        XCTAssertEqual(train.status, 0, train.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("t/figures/reliability.svg").path),
                      "train report's reliability diagram")
    }
}

/// `cellphase analyze --page`: the H2B page of the real two-page CellCognition frame (page 0 is α-tubulin), and
/// `--unknown-below 1` making every cell `unknown`.
extension CommandLineTests {
    func testAnalyzePicksTheNuclearPageAndAbstains() throws {
        let field = try sharedData("neubias-mitocheck").appendingPathComponent("fields/xyc_8bit__tub_h2b_cecog_battery.tif")
        let folder = try temporaryFolder(self)
        func analyze(_ extra: [String]) throws -> [String: Any] {
            let r = try run(["analyze", field.path, "--model", "untrained-sgan", "--json"] + extra, in: folder)
            XCTAssertEqual(r.status, 0, r.err)
            return try object(r.out)
        }
        let h2b = try analyze(["--page", "1"])
        let tubulin = try analyze([])
        let nuclei = try XCTUnwrap(h2b["objects"] as? Int)
        XCTAssertGreaterThan(nuclei, 100, "the H2B page holds well over a hundred nuclei")
        XCTAssertNotEqual(nuclei, tubulin["objects"] as? Int)
        let abstained = try analyze(["--page", "1", "--unknown-below", "1"])
        XCTAssertEqual((abstained["classes"] as? [String: Int])?["unknown"], nuclei)
        XCTAssertEqual((abstained["events"] as? [Any])?.count, 0)
    }
}
