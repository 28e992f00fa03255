import Dispatch
import Foundation
import HTTPTypes

/// Where one request's time went on the server — receiving the body, decoding it, waiting for the
/// model, analysing, encoding the answer — sent back as a standard `Server-Timing` header
/// (`body;dur=3.1, decode;dur=2.0, queue;dur=0.0, model;dur=140.2, encode;dur=1.1`, in ms), so a
/// client can tell the network and HTTP costs from the analysis without server logs.
struct RequestTiming {
    private var last = DispatchTime.now().uptimeNanoseconds
    private(set) var entries: [(name: String, ms: Double)] = []

    /// Closes the step `name` (the time since the previous lap); `waitedMs` of it is reported as `queue`, then
    /// `decodeMs` as `decode` (decoding that ran on the model thread).
    mutating func lap(_ name: String, waitedMs: Double? = nil, decodeMs: Double? = nil) {
        let now = DispatchTime.now().uptimeNanoseconds
        var ms = Double(now - last) / 1e6
        if let w = waitedMs { entries.append(("queue", min(w, ms))); ms -= min(w, ms) }
        if let d = decodeMs { entries.append(("decode", min(d, ms))); ms -= min(d, ms) }
        entries.append((name, ms))
        last = now
    }

    /// The `Server-Timing` header value.
    var header: String { entries.map { "\($0.name);dur=\(String(format: "%.1f", $0.ms))" }.joined(separator: ", ") }
}

extension HTTPField.Name {
    static let serverTiming = HTTPField.Name("Server-Timing")!
}

/// When a model-thread job started, set from that thread and read by the request afterwards.
final class StartTime: @unchecked Sendable {
    private let lock = NSLock()
    private var started: UInt64?

    func mark() { lock.withLock { started = DispatchTime.now().uptimeNanoseconds } }

    /// Milliseconds from `queued` (an uptime in ns) to the start; 0 if the job never started.
    func millisecondsSince(_ queued: UInt64) -> Double {
        lock.withLock { started.map { Double($0 &- queued) / 1e6 } ?? 0 }
    }
}
