import Foundation
import RunRegistry
import TestSupport
import XCTest

/// `cellphase runs list|show|compare --json` on a registry written through the API, run as a user would (the built
/// `cellphase` next to the test bundle; skipped when it is not there).
final class CommandLineTests: XCTestCase {
    func cellphase() throws -> URL {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("cellphase")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("the cellphase executable is not built next to the tests")
    }

    /// Runs the command; returns exit status, stdout, stderr.
    func run(_ arguments: [String], in folder: URL) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = try cellphase()
        p.arguments = arguments
        p.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env["CELLPHASE_REGISTRY"] = nil
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func object(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testListShowCompareJSON() throws {
        let folder = try temporaryFolder(self)
        _ = try cellphase()
        let registry = try RunRegistry(url: folder.appendingPathComponent("cellphase-runs.sqlite"))
        let a = try registry.begin(kind: "sgan", key: "l80-u600-fold1", group: "g", configJSON: #"{"labels":80,"unlabelled":600,"latent":500}"#, seed: 1)
        for e in 1...5 { try registry.appendEpoch(run: a, epoch: e, values: ["g": Double(e), "val_accuracy": e == 2 ? .nan : 0.1 * Double(e)]) }
        try registry.addCheckpoint(run: a, epoch: 5, validationAccuracy: 0.5, path: "a/e5")
        try registry.finish(run: a, accuracy: 0.93, metricsJSON: #"{"per_class":{"M":{"f1":0.9},"I":{"f1":0.95}}}"#)
        let b = try registry.begin(kind: "sgan", key: "l20-u600-fold1", group: "g", configJSON: #"{"labels":20,"unlabelled":600,"latent":500}"#, seed: 1)
        try registry.finish(run: b, accuracy: 0.81, metricsJSON: #"{"per_class":{"M":{"f1":0.7}}}"#)
        let c = try registry.begin(kind: "baseline", key: "l20-fold1", configJSON: "{}", seed: 2)
        try registry.fail(run: c, message: "diverged")

        let list = try run(["runs", "list", "--json"], in: folder)   // the default file in the current directory
        XCTAssertEqual(list.status, 0, list.err)
        let runs = try XCTUnwrap(try object(list.out)["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["key"] as? String }, ["l80-u600-fold1", "l20-u600-fold1", "l20-fold1"])
        XCTAssertEqual(runs.map { $0["status"] as? String }, ["finished", "finished", "failed"])

        let filtered = try run(["runs", "list", "--status", "finished", "--kind", "sgan", "--group", "g", "--json"], in: folder)
        XCTAssertEqual(try XCTUnwrap(try object(filtered.out)["runs"] as? [Any]).count, 2)

        let show = try object(try run(["runs", "show", "\(a)", "--json"], in: folder).out)
        XCTAssertEqual(show["accuracy"] as? Double, 0.93)
        XCTAssertEqual((show["config"] as? [String: Any])?["labels"] as? Int, 80)
        let epochs = try XCTUnwrap(show["epochs"] as? [[String: Any]])
        XCTAssertEqual(epochs.count, 5)
        XCTAssertEqual((epochs[1]["values"] as? [String: Any])?["val_accuracy"] as? String, "nan")
        XCTAssertEqual((show["checkpoints"] as? [[String: Any]])?.first?["path"] as? String, "a/e5")

        let compare = try object(try run(["runs", "compare", "\(a)", "\(b)", "--json"], in: folder).out)
        XCTAssertEqual((compare["config_differences"] as? [String: Any])?.keys.sorted(), ["labels"])
        let f1 = try XCTUnwrap(compare["per_class_f1"] as? [String: [Any]])
        XCTAssertEqual(f1["M"]?.compactMap { $0 as? Double }, [0.9, 0.7])
        XCTAssertTrue(f1["I"]?.last is NSNull)

        let text = try run(["runs", "show", "\(a)"], in: folder)
        XCTAssertTrue(text.out.contains("curves (5 epochs)"), text.out)
        let failed = try run(["runs", "show", "\(c)"], in: folder).out
        XCTAssertTrue(failed.contains("failed — diverged") && failed.contains("configuration: none") && failed.contains("curves (0 epochs)"), failed)
        let table = try run(["runs", "compare", "\(a)", "\(b)", "\(c)"], in: folder)
        XCTAssertEqual(table.status, 0, table.err)
        XCTAssertTrue(table.out.contains("configuration differences"), table.out)
    }

    func testMissingAndForeignRegistriesAreClearErrors() throws {
        let folder = try temporaryFolder(self)
        _ = try cellphase()
        let missing = try run(["runs", "list"], in: folder)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("cellphase-runs.sqlite: no run registry here"), missing.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cellphase-runs.sqlite").path))

        let other = folder.appendingPathComponent("notes.txt")
        try Data("not a database\n".utf8).write(to: other)
        let foreign = try run(["runs", "show", "1", "--registry", other.path], in: folder)
        XCTAssertNotEqual(foreign.status, 0)
        XCTAssertTrue(foreign.err.contains("notes.txt: not a cellphase run registry"), foreign.err)
        XCTAssertEqual(try Data(contentsOf: other), Data("not a database\n".utf8))
    }
}

extension CommandLineTests {
    func testMergeShardRegistries() throws {
        let folder = try temporaryFolder(self)
        _ = try cellphase()
        for s in 0..<2 {
            let shard = try RunRegistry(url: folder.appendingPathComponent("shard\(s).sqlite"))
            try shard.finish(run: try shard.begin(kind: "sgan", key: "cell\(s)", group: "g", configJSON: "{}", seed: 1), accuracy: 0.9)
        }
        let merge = try run(["runs", "merge", "shard0.sqlite", "shard1.sqlite", "--registry", "all.sqlite", "--json"], in: folder)
        XCTAssertEqual(merge.status, 0, merge.err)
        let merged = try XCTUnwrap(try object(merge.out)["merged"] as? [[String: Any]])
        XCTAssertEqual(merged.map { $0["copied"] as? Int }, [1, 1])
        let all = try RunRegistry(url: folder.appendingPathComponent("all.sqlite"), create: false)
        XCTAssertEqual(try all.finishedKeys(kind: "sgan", group: "g"), ["cell0", "cell1"])
    }
}
