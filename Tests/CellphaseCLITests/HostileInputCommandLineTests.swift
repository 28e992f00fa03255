import Datasets
import Foundation
import Imaging
import TestSupport
import XCTest

/// Bad numbers and bad files given on the command line end in an error that names the option or the file, before
/// any work starts.
extension CommandLineTests {
    func testServeRefusesOptionsOutOfRangeAndRulesForUnknownClasses() throws {
        let dir = try temporaryFolder(self)
        for (args, fragment) in [(["--port", "70000"], "--port"), (["--max-pixels", "0"], "--max-pixels"),
                                 (["--header-timeout-s", "nan"], "--header-timeout-s"), (["--body-timeout-s", "0"], "--body-timeout-s"),
                                 (["--timeout-s", "nan"], "time limit"), (["--max-body-mb", "nan"], "--max-body-mb"),
                                 (["--host", "127.example.invalid"], "--token")] {
            let r = try run(["serve", "--model", "untrained-sgan", "--port", "0"] + args, in: dir)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.err.contains(fragment), "\(args): \(r.err)")
        }
        let rules = dir.appendingPathComponent("rules.json")
        try Data(#"{"name": "division", "classes": ["mitosis"]}"#.utf8).write(to: rules)
        let r = try run(["serve", "--model", "untrained-sgan", "--port", "0", "--rules", rules.path], in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains(rules.path) && r.err.contains("'mitosis'"), r.err)
    }

    func testDataInfoNamesACropWithNonFiniteSamples() throws {
        let dir = try temporaryFolder(self)
        try SyntheticNuclei(side: 32, seed: 4).writeDataset(to: dir, perClass: 3, fileExtension: "tif", phases: [.interphase, .metaphase])
        var bad = Image(width: 32, height: 32, channels: 1, format: .float32)
        bad.pixels[5] = -.infinity
        try ImageFile.write(bad, to: dir.appendingPathComponent("metaphase/inf.tif"))
        let r = try run(["data", "info", dir.path, "--json"], in: dir)
        XCTAssertEqual(r.status, 0, r.err)
        let problems = try object(r.out)["problems"] as? [[String: Any]] ?? []
        XCTAssertEqual(problems.count, 1, r.out)
        XCTAssertTrue((problems.first?["file"] as? String ?? "").hasSuffix("metaphase/inf.tif"), r.out)
        XCTAssertTrue((problems.first?["message"] as? String ?? "").contains("not a finite number"), r.out)
    }
}
