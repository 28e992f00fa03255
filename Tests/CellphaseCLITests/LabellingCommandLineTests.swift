import Foundation
import Imaging
import TestSupport
import XCTest

/// `cellphase pool analyze` and `cellphase suggest` as a user runs them on a folder of crops: files written where
/// asked, the picks a CSV every command can read, bad crops named and skipped.
extension CommandLineTests {
    func testPoolAnalysisAndSuggestionsOnAFolderOfCrops() throws {
        let folder = try temporaryFolder(self)
        let gen = try run(["data", "examples", "--out", "crops", "--per-class", "6", "--side", "40"], in: folder)
        XCTAssertEqual(gen.status, 0, gen.err)
        try Data("garbage".utf8).write(to: folder.appendingPathComponent("crops/broken.png"))
        let pool = try run(["pool", "analyze", "crops", "--k", "4", "--json"], in: folder)
        XCTAssertEqual(pool.status, 0, pool.err)
        XCTAssertTrue(pool.err.contains("broken.png"), pool.err)
        let summary = try object(pool.out)
        XCTAssertEqual(summary["crops"] as? Int, 42)
        XCTAssertEqual((summary["cluster_sizes"] as? [Int])?.reduce(0, +), 42)
        XCTAssertNotNil(summary["silhouette"] as? Double)
        for f in ["pool.csv", "summary.json", "figures/cluster-sizes.svg", "figures/cluster-sizes.png", "figures/projection.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("pool-analysis/\(f)").path), f)
        }
        let csv = try String(contentsOf: folder.appendingPathComponent("pool-analysis/pool.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 43)
        XCTAssertTrue(csv.hasPrefix("path,cluster,pc1,pc2,medoid,objects,area"), csv)

        // Without a model: cluster representatives.
        let reps = try run(["suggest", "--pool", "crops", "--n", "5", "--out", "picks.csv"], in: folder)
        XCTAssertEqual(reps.status, 0, reps.err)
        let picks = try String(contentsOf: folder.appendingPathComponent("picks.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(picks.count, 6)
        XCTAssertEqual(Set(picks.dropFirst().map { $0.split(separator: ",")[1] }).count, 5, "five different crops")
        let sheet = try PNGCodec.read(folder.appendingPathComponent("picks.png"))
        XCTAssertEqual(sheet.width, 5 * 66 + 2)

        // With a model: the least certain first, their probabilities in the CSV.
        let train = try run(["train", "--data", "crops", "--model", "scnn", "--size", "32", "--epochs", "1", "--out", "m", "--json"], in: folder)
        XCTAssertEqual(train.status, 0, train.err)
        let ranked = try run(["suggest", "--model", "m/scnn.cellphase", "--pool", "crops", "--n", "8", "--strategy", "margin"], in: folder)
        XCTAssertEqual(ranked.status, 0, ranked.err)
        let rows = try String(contentsOf: folder.appendingPathComponent("suggestions.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows.count, 9)
        XCTAssertEqual(rows[0].prefix(5), ["rank", "path", "score", "predicted", "confidence"])
        XCTAssertEqual(rows[0].count, 5 + 7, "one probability per class")
        let scores = rows.dropFirst().map { Double($0[2])! }
        XCTAssertEqual(scores, scores.sorted(by: >), "most uncertain first")
        for r in rows.dropFirst() {  // margin = 1 − (p1 − p2) of the row's own probabilities
            let p = r[5...].map { Double($0)! }.sorted(by: >)
            XCTAssertEqual(Double(r[2])!, 1 - (p[0] - p[1]), accuracy: 2e-4)
        }
        let diverse = try run(["suggest", "--model", "m/scnn.cellphase", "--pool", "crops", "--n", "8", "--strategy", "diverse", "--out", "d.csv"], in: folder)
        XCTAssertEqual(diverse.status, 0, diverse.err)
        let spread = try String(contentsOf: folder.appendingPathComponent("d.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(Set(spread.dropFirst().map { $0.split(separator: ",")[1] }).count, 8, "eight different crops")
        // The pool seen through the model: its embedding (scnn: the 128 activations of its hidden dense layer).
        let seen = try run(["pool", "analyze", "crops", "--model", "m/scnn.cellphase", "--k", "3", "--out", "by-model", "--json"], in: folder)
        XCTAssertEqual(seen.status, 0, seen.err)
        XCTAssertEqual((try object(seen.out)["features"] as? [String])?.count, 128)
        let header = try String(contentsOf: folder.appendingPathComponent("by-model/pool.csv"), encoding: .utf8).split(separator: "\n")[0]
        XCTAssertTrue(header.hasPrefix("path,cluster,pc1,pc2,medoid,embedding_1,embedding_2"), String(header))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("by-model/figures/projection.png").path))
        // Refusals: a model strategy without a model, no crops at all.
        let noModel = try run(["suggest", "--pool", "crops", "--strategy", "entropy"], in: folder)
        XCTAssertNotEqual(noModel.status, 0)
        XCTAssertTrue(noModel.err.contains("--model"), noModel.err)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let none = try run(["pool", "analyze", "empty"], in: folder)
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.err.contains("empty"), none.err)
        let badK = try run(["pool", "analyze", "crops", "--k", "0"], in: folder)
        XCTAssertNotEqual(badK.status, 0)
        XCTAssertTrue(badK.err.contains("--k"), badK.err)
    }

    func testLabelsSimulateWritesTheStudyAndRefusesBadOptions() throws {
        let folder = try temporaryFolder(self)
        let gen = try run(["data", "examples", "--out", "crops", "--per-class", "6", "--side", "40"], in: folder)
        XCTAssertEqual(gen.status, 0, gen.err)
        let sim = try run(["labels", "simulate", "--data", "crops", "--folds", "2", "--model", "scnn", "--size", "32",
                           "--initial", "1", "--round", "7", "--final", "2", "--steps", "3", "--strategies", "random,margin",
                           "--out", "study", "--json"], in: folder)
        XCTAssertEqual(sim.status, 0, sim.err)
        XCTAssertTrue(sim.err.contains("budgets 7 14 labels"), sim.err)
        XCTAssertTrue(sim.err.contains("left"), sim.err)
        let result = try object(sim.out)
        XCTAssertEqual(result["budgets"] as? [Int], [7, 14])
        XCTAssertEqual((result["curves"] as? [Any])?.count, 2 * 2)
        for f in ["study.json", "study.csv", "figures/accuracy-vs-labels.svg", "figures/accuracy-vs-labels.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("study/\(f)").path), f)
        }
        let bad = try run(["labels", "simulate", "--data", "crops", "--strategies", "random,sharpest"], in: folder)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("sharpest"), bad.err)
        let order = try run(["labels", "simulate", "--data", "crops", "--initial", "9", "--final", "3"], in: folder)
        XCTAssertNotEqual(order.status, 0)
        XCTAssertTrue(order.err.contains("--final"), order.err)
    }
}
