import Foundation
import TestSupport
import XCTest

/// `cellphase semi train` as a user runs it: a label budget per fold with the pool left unlabelled, a bundle per fold
/// that `evaluate` loads, every fold in the registry, the same budget for `--baseline`, and bad settings refused.
extension CommandLineTests {
    func testSemiTrainWritesBundlesRecordsFoldsAndPairsWithItsBaseline() throws {
        let folder = try temporaryFolder(self)
        let gen = try run(["data", "examples", "--out", "crops", "--per-class", "24", "--side", "40"], in: folder)
        XCTAssertEqual(gen.status, 0, gen.err)
        let common = ["--data", "crops", "--model", "scnn", "--size", "32", "--epochs", "2", "--folds", "2",
                      "--labels-per-class", "6", "--json"]
        let semi = try run(["semi", "train", "--out", "semi", "--threshold", "0.5"] + common, in: folder)
        XCTAssertEqual(semi.status, 0, semi.err)
        let o = try object(semi.out)
        XCTAssertEqual(o["mode"] as? String, "fixmatch")
        let pools = try XCTUnwrap(o["unlabelled"] as? [Int])
        XCTAssertEqual(pools.count, 2)
        XCTAssertTrue(pools.allSatisfy { $0 > 0 }, "the pool is what the budget leaves: \(pools)")
        XCTAssertTrue(semi.err.contains("confident"), "epoch lines show the confident share: \(semi.err)")
        let names = try XCTUnwrap(o["fold_names"] as? [String])
        XCTAssertEqual(names.count, 2)
        for name in names {
            let bundle = folder.appendingPathComponent("semi/\(name)/scnn.cellphase")
            let ev = try run(["evaluate", "--model", bundle.path, "--data", "crops", "--json"], in: folder)
            XCTAssertEqual(ev.status, 0, "fold \(name)'s bundle loads: \(ev.err)")
        }
        let html = try String(contentsOf: folder.appendingPathComponent("semi/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("FixMatch") && html.contains("unlabelled"), "the report names the method and the pool")
        let runs = try run(["runs", "list", "--kind", "semi", "--json"], in: folder)
        let listed = try XCTUnwrap(try object(runs.out)["runs"] as? [[String: Any]], runs.out)
        XCTAssertEqual(listed.count, 2, runs.out)
        XCTAssertEqual(Set(listed.compactMap { $0["status"] as? String }), ["finished"])

        let base = try run(["semi", "train", "--out", "base", "--baseline"] + common, in: folder)
        XCTAssertEqual(base.status, 0, base.err)
        let b = try object(base.out)
        XCTAssertEqual(b["mode"] as? String, "baseline")
        XCTAssertEqual(b["unlabelled"] as? [Int], [0, 0])
        XCTAssertFalse(base.err.contains("confident"))
        let baseRuns = try run(["runs", "list", "--kind", "semi-baseline", "--json"], in: folder)
        XCTAssertEqual((try object(baseRuns.out)["runs"] as? [[String: Any]])?.count, 2, baseRuns.out)

        // Both runs as label-budget curves: a figure and a table with one row per method.
        let semiGroup = try XCTUnwrap(listed.first?["group"] as? String)
        let baseGroup = "semi-baseline:" + folder.appendingPathComponent("base").standardizedFileURL.path
        let curves = try run(["runs", "budget", "--group", semiGroup, "--group", baseGroup + "=labels alone", "--out", "budget.svg",
                              "--reference", "all labels=0.8"], in: folder)
        XCTAssertEqual(curves.status, 0, curves.err)
        XCTAssertTrue(curves.out.contains("| semi scnn | 6 |") && curves.out.contains("| labels alone | 6 |"), curves.out)
        for file in ["budget.svg", "budget.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), file)
        }
        let noGroup = try run(["runs", "budget", "--group", "nothing"], in: folder)
        XCTAssertNotEqual(noGroup.status, 0)
        XCTAssertTrue(noGroup.err.contains("'nothing' has no finished run"), noGroup.err)

        for (args, flag) in [(["--threshold", "1.5"], "--threshold"), (["--ratio", "0"], "--ratio"),
                             (["--unlabelled-weight", "nan"], "--unlabelled-weight"), (["--labels-per-class", "500"], "500"),
                             (["--baseline", "--unlabelled", "3"], "--baseline")] {
            let r = try run(["semi", "train", "--data", "crops", "--model", "scnn", "--size", "32", "--epochs", "1"] + args, in: folder)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.err.contains(flag), "\(args): \(r.err)")
        }
    }
}
