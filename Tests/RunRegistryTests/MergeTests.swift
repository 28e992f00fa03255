import Foundation
import RunRegistry
import TestSupport
import XCTest

/// Shards on different machines write their own registries; merging gathers them, once.
final class MergeTests: XCTestCase {
    func testMergingShardRegistriesCopiesEndedRunsOnce() throws {
        let folder = try temporaryFolder(self)
        let shardURLs = [folder.appendingPathComponent("shard1.sqlite"), folder.appendingPathComponent("shard2.sqlite")]
        var sourceIDs: [[Int64]] = []
        for (s, url) in shardURLs.enumerated() {
            let shard = try RunRegistry(url: url)
            var ids: [Int64] = []
            for cell in 0..<3 {
                let id = try shard.begin(kind: "sgan", key: "s\(s)-c\(cell)", group: "grid", configJSON: #"{"cell":\#(cell)}"#, seed: UInt64.max - UInt64(cell))
                for e in 1...4 { try shard.appendEpoch(run: id, epoch: e, values: ["g": Double(10 * s + e)]) }
                try shard.addCheckpoint(run: id, epoch: 4, validationAccuracy: 0.8, path: "s\(s)/c\(cell)")
                try shard.finish(run: id, accuracy: 0.9, metricsJSON: #"{"shard":\#(s)}"#)
                ids.append(id)
            }
            try shard.fail(run: try shard.begin(kind: "sgan", key: "s\(s)-bad", group: "grid", configJSON: "{}", seed: 1), message: "nan loss")
            _ = try shard.begin(kind: "sgan", key: "s\(s)-busy", group: "grid", configJSON: "{}", seed: 1)   // still running
            sourceIDs.append(ids)
        }

        let merged = try RunRegistry(url: folder.appendingPathComponent("all.sqlite"))
        let first = try merged.merge(from: shardURLs[0])
        XCTAssertEqual(first.copied.count, 4)
        XCTAssertEqual(first.stillRunning, 1)
        XCTAssertEqual(first.alreadyPresent, 0)
        XCTAssertEqual(try merged.merge(from: shardURLs[1]).copied.count, 4)
        let again = try merged.merge(from: shardURLs[0])
        XCTAssertEqual(again.copied, [:])
        XCTAssertEqual(again.alreadyPresent, 4)

        XCTAssertEqual(try merged.runs().count, 8)
        XCTAssertEqual(try merged.finishedKeys(kind: "sgan", group: "grid"), ["s0-c0", "s0-c1", "s0-c2", "s1-c0", "s1-c1", "s1-c2"])
        XCTAssertEqual(try merged.runs(status: .failed).map(\.key), ["s0-bad", "s1-bad"])
        let shard2 = try RunRegistry(url: shardURLs[1], create: false)
        for id in sourceIDs[1] {
            let original = try XCTUnwrap(shard2.run(id))
            let copy = try XCTUnwrap(merged.runs().first { $0.uid == original.uid })
            XCTAssertEqual(copy.key, original.key)
            XCTAssertEqual(copy.seed, original.seed)
            XCTAssertEqual(copy.metricsJSON, original.metricsJSON)
            XCTAssertEqual(copy.startedAt.timeIntervalSince1970, original.startedAt.timeIntervalSince1970, accuracy: 0.002)
            XCTAssertEqual(try merged.epochs(run: copy.id).map(\.values), try shard2.epochs(run: id).map(\.values))
            XCTAssertEqual(try merged.checkpoints(run: copy.id).map(\.path), try shard2.checkpoints(run: id).map(\.path))
        }
    }
}
