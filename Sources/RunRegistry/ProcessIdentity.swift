import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who is running a run: host name, process id and (on Linux) the process's start time, so that a recycled pid is
/// not mistaken for the process that began the run. Serves `RunRegistry.reapStale()`, which finds the runs of an
/// interrupted budget grid (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 5) whose process is gone.
struct ProcessIdentity: Sendable, Equatable {
    var host: String
    var pid: Int32
    /// Clock ticks since boot at which the process started (`/proc/PID/stat`, field 22); nil where unknown.
    var start: Int64?

    static let current = ProcessIdentity(host: hostName(), pid: getpid(), start: startTime(of: getpid()))

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The start time of process `pid` (Linux), or nil.
    static func startTime(of pid: Int32) -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3, starttime field 22 → index 19 of the rest.
        let rest = text[text.index(after: close)...].split(separator: " ")
        guard rest.count > 19 else { return nil }
        return Int64(rest[19])
    }

    /// Whether process `pid` on this host is still the one that started at `start` (when known).
    static func isAlive(pid: Int32, start: Int64?) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0 && errno != EPERM { return false }
        if let start, let now = startTime(of: pid), now != start { return false }
        return true
    }
}
