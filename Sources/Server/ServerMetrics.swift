import Foundation

/// Request counts by route and status, a latency histogram per route, requests in flight and the
/// model queue, in the Prometheus text exposition format (written by hand: no metrics framework).
/// Lets a facility check that every field of an event-driven run (SGAN paper `004_…txt`) was
/// answered in time.
public final class ServerMetrics: @unchecked Sendable {
    /// Upper bounds of the latency buckets, seconds.
    public static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10]
    private let lock = NSLock()
    private var counts: [String: [Int: Int]] = [:]
    private var histograms: [String: (buckets: [Int], sum: Double, count: Int)] = [:]
    private var inFlight = 0
    private let started = Date()

    public init() {}

    public func begin() { lock.lock(); inFlight += 1; lock.unlock() }

    public func end(route: String, status: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        inFlight -= 1
        counts[route, default: [:]][status, default: 0] += 1
        var h = histograms[route] ?? (Array(repeating: 0, count: Self.buckets.count), 0, 0)
        for (i, b) in Self.buckets.enumerated() where seconds <= b { h.buckets[i] += 1 }
        h.sum += seconds; h.count += 1
        histograms[route] = h
    }

    /// Total requests answered with `status` on `route` (tests, bench).
    public func count(route: String, status: Int) -> Int { lock.lock(); defer { lock.unlock() }; return counts[route]?[status] ?? 0 }

    /// The exposition text; `queued`/`busy` come from the worker.
    public func render(queued: Int, busy: Int) -> String {
        lock.lock(); defer { lock.unlock() }
        var s = "# HELP cellphase_http_requests_total HTTP requests answered, by route and status.\n"
        s += "# TYPE cellphase_http_requests_total counter\n"
        for route in counts.keys.sorted() {
            for status in counts[route]!.keys.sorted() {
                s += "cellphase_http_requests_total{route=\"\(route)\",status=\"\(status)\"} \(counts[route]![status]!)\n"
            }
        }
        s += "# HELP cellphase_http_request_duration_seconds Time from request to response, by route.\n"
        s += "# TYPE cellphase_http_request_duration_seconds histogram\n"
        for route in histograms.keys.sorted() {
            let h = histograms[route]!
            for (i, b) in Self.buckets.enumerated() {
                s += "cellphase_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(b)\"} \(h.buckets[i])\n"
            }
            s += "cellphase_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(h.count)\n"
            s += "cellphase_http_request_duration_seconds_sum{route=\"\(route)\"} \(h.sum)\n"
            s += "cellphase_http_request_duration_seconds_count{route=\"\(route)\"} \(h.count)\n"
        }
        s += "# HELP cellphase_http_requests_in_flight Requests being handled.\n# TYPE cellphase_http_requests_in_flight gauge\n"
        s += "cellphase_http_requests_in_flight \(inFlight)\n"
        s += "# HELP cellphase_model_queue_waiting Requests waiting for the model thread.\n# TYPE cellphase_model_queue_waiting gauge\n"
        s += "cellphase_model_queue_waiting \(queued)\n"
        s += "# HELP cellphase_model_busy Requests running on the model thread.\n# TYPE cellphase_model_busy gauge\n"
        s += "cellphase_model_busy \(busy)\n"
        s += "# HELP cellphase_uptime_seconds Seconds since the server started.\n# TYPE cellphase_uptime_seconds gauge\n"
        s += "cellphase_uptime_seconds \(Date().timeIntervalSince(started))\n"
        return s
    }
}
