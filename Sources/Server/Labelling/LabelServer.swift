import Foundation
import Hummingbird
import Logging
import Models
import NIOCore

/// `cellphase label`: a page to label crops on, served on loopback by the same HTTP stack as `cellphase serve` — the
/// labelling loop that CellProfiler Analyst, ilastik and LiveCellMiner users work in, for the few labels per class the
/// SGAN paper learns from (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle
/// classification*, section 3.1.2). Routes (`LabelRoutes.swift`): the page (`LabelPage.swift`), its state, the crops as
/// PNG, labels, undo and "retrain now". This file assembles the application and runs and stops it.
public final class LabelServer: @unchecked Sendable {
    /// Trains on the labels of a manifest and returns the new classifier (`LabelRetraining` in the command).
    public typealias Retrainer = @Sendable (_ manifest: URL) throws -> Classifier

    public let session: LabelSession
    public let host: String
    public let port: Int
    let retrainer: Retrainer?
    let logger: Logger
    let runner: ServiceRunner
    private let lock = NSLock()
    private var retraining = false

    /// Largest request body the page sends (a label is a few dozen bytes).
    static let maxBodyBytes = 16_384

    public init(session: LabelSession, host: String = "127.0.0.1", port: Int = 8766, retrainer: Retrainer? = nil) throws {
        guard (0...65_535).contains(port) else { throw APIError(.badRequest, "--port must be 0…65535, not \(port)") }
        // The page has no authentication and writes the labeller's files: it never listens beyond this machine.
        guard CellphaseServer.isLoopback(host) else { throw ServerError.loopbackOnly(host: host, port: port) }
        self.session = session
        self.host = host
        self.port = port
        self.retrainer = retrainer
        var l = Logger(label: "cellphase.label")
        l.logLevel = .warning
        self.logger = l
        self.runner = ServiceRunner(logger: l)
    }

    /// Runs until SIGINT/SIGTERM, then stops accepting and finishes the requests in flight.
    public func run(onRunning: (@Sendable (Int) -> Void)? = nil) async throws {
        try await runner.run(makeApplication { port in onRunning?(port) })
    }

    /// Starts in the background (tests, benchmarks) and returns the bound port.
    public func start() async throws -> Int { try await runner.start(makeApplication) }

    /// Graceful shutdown: stops accepting connections, lets requests in flight finish, returns when stopped.
    public func shutdown() async throws { try await runner.shutdown() }

    func makeApplication(onRunning: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        Application(router: makeRouter(),
                    server: .http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler(maxBodyBytes: Self.maxBodyBytes)])),
                    configuration: .init(address: .hostname(host, port: port), serverName: "cellphase-label"),
                    onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
                    logger: logger)
    }

    /// Claims the one retraining slot; false when a retraining is already running.
    func beginRetraining() -> Bool {
        lock.withLock {
            if retraining { return false }
            retraining = true
            return true
        }
    }

    func endRetraining() { lock.withLock { retraining = false } }

    var isRetraining: Bool { lock.withLock { retraining } }
}
