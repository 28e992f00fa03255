import Foundation

/// A small closed-loop HTTP load generator (loopback only): `clients` concurrent clients, each a
/// thread with one keep-alive connection, post the same body until `requests` are sent or `seconds` pass.
/// Used by `cellphase bench field` to measure the HTTP path the microscope hook takes.
public enum HTTPLoad {
    /// What one run measured: latencies, answers by status, transport errors and its length.
    public struct Report: Sendable {
        /// Latencies of successful (2xx) requests, seconds, sorted.
        public var latencies: [Double]
        public var statuses: [Int: Int]
        public var transportErrors: Int
        public var seconds: Double
        public var errors: Int { transportErrors + statuses.filter { $0.key < 200 || $0.key >= 300 }.values.reduce(0, +) }
        public func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            return latencies[min(latencies.count - 1, max(0, Int((p / 100 * Double(latencies.count - 1)).rounded())))]
        }
    }

    final class Box: @unchecked Sendable {
        let lock = NSLock()
        var latencies: [Double] = [], statuses: [Int: Int] = [:], transport = 0, sent = 0
    }

    /// Runs the load; stops after `requests` in all (nil: no limit) or `seconds` (nil: no limit).
    /// Each client is its own thread with one keep-alive connection (`LoopbackHTTPConnection`),
    /// reconnecting after a transport error.
    public static func run(url: URL, body: Data, headers: [String: String] = [:], clients: Int,
                           requests: Int?, seconds: Double?, progress: (@Sendable (Int) -> Void)? = nil) async -> Report {
        let host = url.host ?? "127.0.0.1", port = url.port ?? 80
        let path = url.path + (url.query.map { "?" + $0 } ?? "")
        let box = Box()
        let start = Date()
        let deadline = seconds.map { start.addingTimeInterval($0) }
        let done = DispatchGroup()
        for _ in 0..<clients {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                var connection: LoopbackHTTPConnection?
                while true {
                    let (stop, n) = box.lock.withLock { () -> (Bool, Int) in
                        let stop = (requests.map { box.sent >= $0 } ?? false) || (deadline.map { Date() >= $0 } ?? false)
                        if !stop { box.sent += 1 }
                        return (stop, box.sent)
                    }
                    if stop { return }
                    if n % 50 == 0 { progress?(n) }
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    do {
                        if connection == nil { connection = try LoopbackHTTPConnection(host: host, port: port) }
                        let (code, _) = try connection!.post(host: host, path: path, body: body, headers: headers)
                        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                        box.lock.withLock {
                            box.statuses[code, default: 0] += 1
                            if (200..<300).contains(code) { box.latencies.append(dt) }
                        }
                    } catch {
                        connection = nil
                        box.lock.withLock { box.transport += 1 }
                    }
                }
            }
            thread.start()
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in done.notify(queue: .global()) { c.resume() } }
        return box.lock.withLock { Report(latencies: box.latencies.sorted(), statuses: box.statuses, transportErrors: box.transport,
                      seconds: Date().timeIntervalSince(start)) }
    }
}
