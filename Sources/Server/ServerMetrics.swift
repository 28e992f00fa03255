import Foundation
import Prometheus

/// Request counts by route and status, a latency histogram per route, requests in flight and the
/// model queue, in the Prometheus text exposition format (swift-prometheus), served by `GET /metrics`.
/// Lets a facility check that every field of an event-driven run was answered in time (the SGAN paper,
/// *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*,
/// section 6.1, puts a whole field at ~28 s on a CPU: too late to steer the acquisition).
public final class ServerMetrics: @unchecked Sendable {
    /// Upper bounds of the latency buckets, seconds.
    public static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10]

    /// The collectors behind `/metrics`.
    let registry: PrometheusCollectorRegistry
    private let requests = metric("cellphase_http_requests_total", "HTTP requests answered, by route and status.")
    private let duration = metric("cellphase_http_request_duration_seconds", "Time from request to response, by route.")
    private let inFlight: Prometheus.Gauge
    private let queueWaiting: Prometheus.Gauge
    private let modelBusy: Prometheus.Gauge
    private let uptime: Prometheus.Gauge
    private let started = Date()
    /// Requests by route and status, for `count(route:status:)` (a Prometheus counter cannot be read back).
    private let lock = NSLock()
    private var counts: [String: [Int: Int]] = [:]

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        inFlight = registry.makeGauge(descriptor: metric("cellphase_http_requests_in_flight", "Requests being handled."))
        queueWaiting = registry.makeGauge(descriptor: metric("cellphase_model_queue_waiting", "Requests waiting for the model thread."))
        modelBusy = registry.makeGauge(descriptor: metric("cellphase_model_busy", "Requests running on the model thread."))
        uptime = registry.makeGauge(descriptor: metric("cellphase_uptime_seconds", "Seconds since the server started."))
    }

    public func begin() { inFlight.increment() }

    public func end(route: String, status: Int, seconds: Double) {
        inFlight.decrement()
        registry.makeCounter(descriptor: requests, labels: [("route", route), ("status", String(status))]).increment()
        registry.makeValueHistogram(descriptor: duration, labels: [("route", route)], buckets: Self.buckets).record(seconds)
        lock.lock(); defer { lock.unlock() }
        counts[route, default: [:]][status, default: 0] += 1
    }

    /// Total requests answered with `status` on `route` (tests, bench).
    public func count(route: String, status: Int) -> Int { lock.lock(); defer { lock.unlock() }; return counts[route]?[status] ?? 0 }

    /// The exposition text; `queued`/`busy` come from the worker.
    public func render(queued: Int, busy: Int) -> String {
        lock.lock(); defer { lock.unlock() }
        queueWaiting.set(to: Double(queued))
        modelBusy.set(to: Double(busy))
        uptime.set(to: Date().timeIntervalSince(started))
        return registry.emitToString()
    }
}

/// A metric by its full name (so a search for a series name finds it here) and its `# HELP` text.
private func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
}
