import Foundation
import GRDB
import XCTest

/// The pid of a process that has exited (spawned, waited for, reaped).
func deadPID() throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/true")
    try p.run()
    p.waitUntilExit()
    return p.processIdentifier
}

/// Runs SQL on the registry file through a separate plain GRDB connection (as another process would).
func rawSQL(_ url: URL, _ sql: String) throws {
    var config = Configuration()
    config.busyMode = .timeout(10)
    let queue = try DatabaseQueue(path: url.path, configuration: config)
    try queue.write { try $0.execute(sql: sql) }
    try queue.close()
}

/// Starts `count` copies of this test bundle, each running only `test` (a child entry point) with the extra
/// environment `environment(i)`, waits for all of them, and returns their exit statuses and the error lines of their
/// logs (kept in `folder`). Throws `XCTSkip` where the runner cannot be started again.
func runChildProcesses(_ count: Int, test: String, folder: URL,
                       environment: (Int) -> [String: String]) throws -> (statuses: [Int32], errors: String) {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0])
    guard FileManager.default.isExecutableFile(atPath: runner.path), runner.pathExtension == "xctest" else {
        throw XCTSkip("the test runner cannot be started again here (\(runner.path))")
    }
    let logs = (0..<count).map { folder.appendingPathComponent("child\($0).log") }
    let children = try (0..<count).map { i -> Process in
        _ = FileManager.default.createFile(atPath: logs[i].path, contents: nil)
        let p = Process()
        p.executableURL = runner
        p.arguments = [test]
        p.environment = ProcessInfo.processInfo.environment.merging(environment(i)) { _, new in new }
        p.standardOutput = try FileHandle(forWritingTo: logs[i])
        p.standardError = p.standardOutput
        try p.run()
        return p
    }
    for p in children { p.waitUntilExit() }
    let errors = logs.map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }
        .map { $0.split(separator: "\n").filter { $0.contains("error") }.joined(separator: "\n") }
    return (children.map(\.terminationStatus), errors.joined(separator: "\n"))
}
