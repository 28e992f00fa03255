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

    /// NaN, infinite and absurd numeric options are refused by name before any work (they used to reach arithmetic or
    /// allocations: `--size 100000` asked for 10¹⁰ floats per crop, `--lr nan` trained to NaN weights).
    func testNumericOptionsOutOfRangeAreRefusedByName() throws {
        let dir = try temporaryFolder(self)
        let field = dir.appendingPathComponent("field.tif")
        try ImageFile.write(Image(width: 64, height: 64, channels: 1, format: .uint16), to: field)
        for (args, flag) in [(["train", "--data", dir.path, "--lr", "nan"], "--lr"), (["train", "--data", dir.path, "--size", "100000"], "--size"),
                             (["train", "--data", dir.path, "--batch-size", "0"], "--batch-size"),
                             (["train", "--data", dir.path, "--smooth", "11"], "--smooth"), (["cv", "--data", dir.path, "--smooth", "nan"], "--smooth"),
                             (["sgan", "train", "--data", dir.path, "--dropout", "nan"], "--dropout"),
                             (["sgan", "train", "--data", dir.path, "--latent", "0"], "--latent"),
                             (["sgan", "train", "--data", dir.path, "--time-limit", "inf"], "--time-limit"),
                             (["sgan", "train", "--data", dir.path, "--labels-per-class", "-3"], "--labels-per-class"),
                             (["bench", "field", "--side", "0"], "--side"), (["bench", "field", "--duration", "nan"], "--duration"),
                             (["analyze", field.path, "--model", "untrained-sgan", "--stage-x", "nan", "--stage-y", "0", "--pixel-size", "1"], "--stage-x"),
                             (["analyze", field.path, "--model", "untrained-sgan", "--unknown-below", "1.5"], "--unknown-below"),
                             (["analyze", field.path, "--model", "untrained-sgan", "--unknown-below", "nan"], "--unknown-below"),
                             (["analyze", field.path, "--model", "untrained-sgan", "--page", "-1"], "--page"),
                             (["analyze", field.path, "--model", "untrained-sgan", "--page", "1"], "--page 1")] {
            let r = try run(args, in: dir)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.err.contains(flag), "\(args): \(r.err)")
        }
    }
}
