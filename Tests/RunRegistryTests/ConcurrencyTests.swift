import Foundation
import RunRegistry
import XCTest

/// Grid shards are separate processes writing one registry file: two instances (two connection pools) writing at
/// the same time must lose nothing.
final class ConcurrencyTests: XCTestCase {
    func testTwoRegistriesWritingConcurrentlyLoseNothing() throws {
        let url = try temporaryFolder(self).appendingPathComponent("shared.sqlite")
        let shards = [try RunRegistry(url: url), try RunRegistry(url: url)]
        let runsPerShard = 25, epochsPerRun = 8
        let errors = ErrorList()
        DispatchQueue.concurrentPerform(iterations: shards.count * 2) { worker in
            let shard = worker % shards.count
            let registry = shards[shard]
            do {
                for r in 0..<runsPerShard {
                    let id = try registry.begin(kind: "sgan", key: "w\(worker)-r\(r)", group: "g", configJSON: #"{"worker":\#(worker)}"#, seed: UInt64(r))
                    for e in 1...epochsPerRun {
                        try registry.appendEpoch(run: id, epoch: e, values: ["g": Double(e), "worker": Double(worker)])
                    }
                    try registry.addCheckpoint(run: id, epoch: epochsPerRun, validationAccuracy: 0.8, path: "w\(worker)/r\(r)")
                    try registry.finish(run: id, accuracy: Double(r) / 100)
                }
            } catch {
                errors.append("\(error)")
            }
        }
        XCTAssertEqual(errors.all, [])
        let reader = try RunRegistry(url: url, create: false)
        let runs = try reader.runs(kind: "sgan", group: "g")
        XCTAssertEqual(runs.count, shards.count * 2 * runsPerShard)
        XCTAssertEqual(Set(runs.map(\.id)).count, runs.count, "ids are unique")
        XCTAssertTrue(runs.allSatisfy { $0.status == .finished })
        XCTAssertEqual(try reader.finishedKeys(kind: "sgan", group: "g").count, runs.count)
        for run in runs {
            let epochs = try reader.epochs(run: run.id)
            XCTAssertEqual(epochs.map(\.epoch), Array(1...epochsPerRun), "run \(run.key)")
            XCTAssertEqual(Set(epochs.compactMap { $0.values["worker"] }).count, 1, "run \(run.key): one worker's curves")
            XCTAssertEqual(try reader.checkpoints(run: run.id).count, 1)
        }
    }
}

final class ErrorList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ s: String) { lock.withLock { items.append(s) } }
    var all: [String] { lock.withLock { items } }
}
