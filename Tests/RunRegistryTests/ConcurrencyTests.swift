import Foundation
import RunRegistry
import TestSupport
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

/// The same with real processes, as grid shards are: this test bundle runs itself twice more, each child writing
/// through its own registry (`testWriterProcess`, which does nothing unless started that way).
final class MultiProcessTests: XCTestCase {
    static let pathVariable = "CELLPHASE_TEST_REGISTRY_WRITER"
    static let runsPerProcess = 40, epochsPerRun = 5

    func testWriterProcess() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.pathVariable] else {
            throw XCTSkip("the entry point of a child writer process (started by testTwoProcessesWritingConcurrentlyLoseNothing)")
        }
        let registry = try RunRegistry(url: URL(fileURLWithPath: path))
        for r in 0..<Self.runsPerProcess {
            let id = try registry.begin(kind: "sgan", key: "p\(getpid())-r\(r)", group: "mp", configJSON: "{}", seed: UInt64(r))
            for e in 1...Self.epochsPerRun { try registry.appendEpoch(run: id, epoch: e, values: ["g": Double(e)]) }
            try registry.finish(run: id, accuracy: 0.5)
        }
    }

    func testTwoProcessesWritingConcurrentlyLoseNothing() throws {
        let url = try temporaryFolder(self).appendingPathComponent("shared.sqlite")
        let children = try runChildProcesses(2, test: "RunRegistryTests.MultiProcessTests/testWriterProcess",
                                             folder: url.deletingLastPathComponent()) { _ in [Self.pathVariable: url.path] }
        XCTAssertEqual(children.statuses, [0, 0], children.errors)
        let registry = try RunRegistry(url: url, create: false)
        let runs = try registry.runs(group: "mp")
        XCTAssertEqual(runs.count, 2 * Self.runsPerProcess)
        XCTAssertEqual(Set(runs.map(\.pid)).count, 2, "two writers")
        XCTAssertTrue(runs.allSatisfy { $0.status == .finished })
        for run in runs { XCTAssertEqual(try registry.epochs(run: run.id).count, Self.epochsPerRun) }
    }
}

/// Grid shards started together all create the same new registry at the same instant. Four processes open a fresh
/// file at the same wall-clock moment, round after round; every one of them must get a working registry (the race:
/// a file that appears between a failed open and an existence check was reported as unreadable).
final class CreationRaceTests: XCTestCase {
    static let folderVariable = "CELLPHASE_TEST_REGISTRY_CREATOR"
    static let startVariable = "CELLPHASE_TEST_REGISTRY_CREATOR_START"
    static let indexVariable = "CELLPHASE_TEST_REGISTRY_CREATOR_INDEX"
    static let rounds = 90, processes = 3, slot = 0.05

    func testCreatorProcess() throws {
        let env = ProcessInfo.processInfo.environment
        guard let folder = env[Self.folderVariable], let start = env[Self.startVariable].flatMap(Double.init) else {
            throw XCTSkip("the entry point of a child creator process (started by testManyProcessesCreateOneRegistryAtOnce)")
        }
        let index = Double(env[Self.indexVariable].flatMap(Int.init) ?? 0)
        for round in 0..<Self.rounds {
            // Each round staggers the processes by a different few microseconds (0–232 µs apart), sweeping the
            // moment one of them creates the file across the others' first look at it.
            let due = start + Double(round) * Self.slot + index * Double(round % 30) * 8e-6
            while Date().timeIntervalSince1970 < due - 0.002 { usleep(500) }
            while Date().timeIntervalSince1970 < due {}
            let registry = try RunRegistry(url: URL(fileURLWithPath: folder).appendingPathComponent("r\(round).sqlite"))
            let id = try registry.begin(kind: "race", key: "p\(getpid())", configJSON: "{}", seed: UInt64(round))
            try registry.finish(run: id, accuracy: 1)
        }
    }

    func testManyProcessesCreateOneRegistryAtOnce() throws {
        let folder = try temporaryFolder(self)
        let start = Date().timeIntervalSince1970 + 2   // time for every child to start before the first round
        let children = try runChildProcesses(Self.processes, test: "RunRegistryTests.CreationRaceTests/testCreatorProcess",
                                             folder: folder) { i in
            [Self.folderVariable: folder.path, Self.startVariable: String(start), Self.indexVariable: String(i)]
        }
        XCTAssertEqual(children.statuses, Array(repeating: 0, count: Self.processes), children.errors)
        for round in 0..<Self.rounds {
            let registry = try RunRegistry(url: folder.appendingPathComponent("r\(round).sqlite"), create: false)
            let runs = try registry.runs(kind: "race")
            XCTAssertEqual(runs.count, Self.processes, "round \(round): one run per process")
            XCTAssertTrue(runs.allSatisfy { $0.status == .finished }, "round \(round)")
        }
    }
}
