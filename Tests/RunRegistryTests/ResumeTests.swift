import Foundation
import RunRegistry
import TestSupport
import XCTest

/// What a resumed grid needs: the finished cells, and the runs whose process is gone marked interrupted.
final class ResumeTests: XCTestCase {
    func testFinishedKeysAreWhatAResumedGridSkips() throws {
        let registry = try RunRegistry(url: try temporaryFolder(self).appendingPathComponent("r.sqlite"))
        let cells = ["l20-u100-fold1", "l20-u100-fold2", "l40-u100-fold1", "l40-u100-fold2"]
        var ids: [String: Int64] = [:]
        for cell in cells { ids[cell] = try registry.begin(kind: "sgan", key: cell, group: "g1", configJSON: "{}", seed: 1) }
        try registry.finish(run: ids["l20-u100-fold1"]!, accuracy: 0.8)
        try registry.finish(run: ids["l40-u100-fold2"]!, accuracy: 0.9)
        try registry.markInterrupted(run: ids["l20-u100-fold2"]!)
        try registry.fail(run: ids["l40-u100-fold1"]!, message: "diverged")
        // Same keys in another group and another kind do not count.
        try registry.finish(run: try registry.begin(kind: "sgan", key: "l40-u100-fold1", group: "g2", configJSON: "{}", seed: 1), accuracy: 0.7)
        try registry.finish(run: try registry.begin(kind: "baseline", key: "l20-u100-fold2", group: "g1", configJSON: "{}", seed: 1), accuracy: 0.6)

        XCTAssertEqual(try registry.finishedKeys(kind: "sgan", group: "g1"), ["l20-u100-fold1", "l40-u100-fold2"])
        XCTAssertEqual(try registry.finishedKeys(kind: "sgan", group: "g2"), ["l40-u100-fold1"])
        XCTAssertEqual(try registry.finishedKeys(kind: "sgan", group: nil), ["l20-u100-fold1", "l40-u100-fold2", "l40-u100-fold1"])
        XCTAssertEqual(try registry.runs(kind: "sgan", group: "g1", status: .interrupted).map(\.key), ["l20-u100-fold2"])
        XCTAssertEqual(try registry.runs(status: .failed).map(\.message), ["diverged"])
        XCTAssertEqual(try registry.runs().count, 6)

        // The redone cell finishes; now every cell but the failed one is done.
        let redo = try registry.begin(kind: "sgan", key: "l20-u100-fold2", group: "g1", configJSON: "{}", seed: 1)
        try registry.finish(run: redo, accuracy: 0.85)
        XCTAssertEqual(try registry.finishedKeys(kind: "sgan", group: "g1"), ["l20-u100-fold1", "l20-u100-fold2", "l40-u100-fold2"])
    }

    func testReapStaleMarksRunsOfDeadProcessesAndLeavesLiveOnes() throws {
        let url = try temporaryFolder(self).appendingPathComponent("r.sqlite")
        let registry = try RunRegistry(url: url)
        let live = try registry.begin(kind: "sgan", key: "live", configJSON: "{}", seed: 1)
        let exited = try registry.begin(kind: "sgan", key: "exited", configJSON: "{}", seed: 1)
        let impossible = try registry.begin(kind: "sgan", key: "impossible", configJSON: "{}", seed: 1)
        let elsewhere = try registry.begin(kind: "sgan", key: "elsewhere", configJSON: "{}", seed: 1)
        let done = try registry.begin(kind: "sgan", key: "done", configJSON: "{}", seed: 1)
        try registry.finish(run: done, accuracy: 0.9)

        // Pretend other processes began three of them: one that has exited, one whose pid cannot exist (above any
        // pid_max), one on another host. Written through a plain SQLite connection, as another process would.
        let pid = try deadPID()
        try rawSQL(url, "UPDATE run SET pid = \(pid), process_start = NULL WHERE id = \(exited)")
        try rawSQL(url, "UPDATE run SET pid = \(Int32.max), process_start = NULL WHERE id = \(impossible)")
        try rawSQL(url, "UPDATE run SET pid = \(pid), host = 'another-host.example' WHERE id = \(elsewhere)")

        let reaped = try registry.reapStale()
        XCTAssertEqual(reaped.map(\.id), [exited, impossible])
        XCTAssertTrue(reaped.allSatisfy { $0.status == .interrupted && $0.finishedAt != nil })
        XCTAssertEqual(reaped.first?.message, "process \(pid) on \(reaped.first!.host) is gone")
        XCTAssertEqual(try registry.run(live)?.status, .running)
        XCTAssertEqual(try registry.run(elsewhere)?.status, .running)
        XCTAssertEqual(try registry.run(done)?.status, .finished)
        XCTAssertEqual(try registry.reapStale(), [], "a second pass finds nothing more")
    }

    func testAPidReusedByAnotherProcessCountsAsGone() throws {
        let url = try temporaryFolder(self).appendingPathComponent("r.sqlite")
        let registry = try RunRegistry(url: url)
        let id = try registry.begin(kind: "sgan", key: "k", configJSON: "{}", seed: 1)
        guard FileManager.default.fileExists(atPath: "/proc/self/stat") else { throw XCTSkip("no /proc here") }
        // Our own pid, but a different start time: the process that began the run is not this one.
        try rawSQL(url, "UPDATE run SET process_start = process_start - 1 WHERE id = \(id)")
        XCTAssertEqual(try registry.reapStale().map(\.id), [id])
    }

    func testInterruptHandlerMarksActiveRunsInterrupted() throws {
        let registry = try RunRegistry(url: try temporaryFolder(self).appendingPathComponent("r.sqlite"))
        let finished = try registry.begin(kind: "sgan", key: "a", configJSON: "{}", seed: 1)
        try registry.finish(run: finished, accuracy: 0.9)
        let current = try registry.begin(kind: "sgan", key: "b", configJSON: "{}", seed: 1)
        // SIGUSR1 stands in for SIGINT/SIGTERM so the test process keeps running.
        let handler = registry.installInterruptHandler(signals: [SIGUSR1], exitProcess: false)
        defer { handler.remove() }
        kill(getpid(), SIGUSR1)
        let deadline = Date().addingTimeInterval(10)
        while try registry.run(current)?.status == .running, Date() < deadline { usleep(20_000) }
        XCTAssertEqual(try registry.run(current)?.status, .interrupted)
        XCTAssertEqual(try registry.run(current)?.message, "interrupted by signal \(SIGUSR1)")
        XCTAssertEqual(try registry.run(finished)?.status, .finished)
        XCTAssertEqual(registry.activeRuns, [])
    }
}

/// A real SIGTERM to a process with the interrupt handler installed, as a job scheduler sends it to a grid shard:
/// the test bundle starts itself again (`testChildThatWaitsForSIGTERM`, which does nothing unless started that way).
final class SignalProcessTests: XCTestCase {
    static let pathVariable = "CELLPHASE_TEST_REGISTRY_SIGTERM"

    func testChildThatWaitsForSIGTERM() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.pathVariable] else {
            throw XCTSkip("the entry point of a child process (started by testSIGTERMMarksTheRunInterruptedAndExits)")
        }
        let registry = try RunRegistry(url: URL(fileURLWithPath: path))
        let handler = registry.installInterruptHandler()
        _ = try registry.begin(kind: "sgan", key: "child", configJSON: "{}", seed: 1)
        Thread.sleep(forTimeInterval: 60)
        handler.remove()
        XCTFail("no SIGTERM arrived")
    }

    func testSIGTERMMarksTheRunInterruptedAndExits() throws {
        let url = try temporaryFolder(self).appendingPathComponent("r.sqlite")
        let runner = URL(fileURLWithPath: CommandLine.arguments[0])
        guard FileManager.default.isExecutableFile(atPath: runner.path), runner.pathExtension == "xctest" else {
            throw XCTSkip("the test runner cannot be started again here (\(runner.path))")
        }
        let child = Process()
        child.executableURL = runner
        child.arguments = ["RunRegistryTests.SignalProcessTests/testChildThatWaitsForSIGTERM"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.pathVariable: url.path]) { _, new in new }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        let deadline = Date().addingTimeInterval(30)
        var began = false
        while !began, Date() < deadline, child.isRunning {
            began = FileManager.default.fileExists(atPath: url.path)
                && (try? RunRegistry(url: url, create: false).runs(status: .running).count) == 1
            if !began { usleep(50_000) }
        }
        XCTAssertTrue(began, "the child began its run")
        child.terminate()   // SIGTERM
        child.waitUntilExit()
        XCTAssertEqual(child.terminationReason, .exit)
        XCTAssertEqual(child.terminationStatus, 128 + SIGTERM)
        let run = try XCTUnwrap(RunRegistry(url: url, create: false).runs().first)
        XCTAssertEqual(run.status, .interrupted)
        XCTAssertEqual(run.message, "interrupted by SIGTERM")
    }
}
