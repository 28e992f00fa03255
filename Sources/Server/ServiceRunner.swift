import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs one HTTP application as a service group — in the foreground until SIGINT/SIGTERM, or in the background
/// (tests, benchmarks) with its bound port returned — and stops it gracefully. Shared by `cellphase serve`
/// (`CellphaseServer`) and `cellphase label` (`LabelServer`).
final class ServiceRunner: @unchecked Sendable {
    let logger: Logger
    private let lock = NSLock()
    private var group: ServiceGroup?
    private var runTask: Task<Void, any Error>?

    init(logger: Logger) { self.logger = logger }

    /// Runs until SIGINT/SIGTERM, then stops accepting and finishes the requests in flight.
    func run<App: ApplicationProtocol>(_ app: App) async throws {
        let g = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        lock.withLock { group = g }
        try await g.run()
    }

    /// Starts `make`'s application in the background and returns the port it bound.
    func start<App: ApplicationProtocol>(_ make: (@escaping @Sendable (Int) -> Void) -> App) async throws -> Int {
        let portBox = PortBox()
        let g = ServiceGroup(configuration: .init(services: [make { port in portBox.set(port) }], logger: logger))
        lock.withLock { group = g }
        let task = Task { try await g.run() }
        lock.withLock { runTask = task }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let p = portBox.get() { return p }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        task.cancel()
        throw ServerError.notStarted
    }

    /// Graceful shutdown: stops accepting connections, lets requests in flight finish, returns when stopped.
    func shutdown() async throws {
        let (g, t) = lock.withLock { (group, runTask) }
        guard let g else { throw ServerError.notStarted }
        await g.triggerGracefulShutdown()
        if let t { try await t.value }
    }

    final class PortBox: @unchecked Sendable {
        private let lock = NSLock()
        private var port: Int?
        func set(_ p: Int) { lock.lock(); port = p; lock.unlock() }
        func get() -> Int? { lock.lock(); defer { lock.unlock() }; return port }
    }
}
