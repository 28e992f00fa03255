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
