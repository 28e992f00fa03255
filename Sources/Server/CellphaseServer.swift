import Foundation
import Hummingbird
import Logging
import Microscope
import Models
import NIOCore

/// `cellphase serve`: the whole-field pipeline as an HTTP service on the microscope PC, for
/// Micro-Manager/Pycro-Manager/pymmcore-plus hooks that post each new field and act on the events
/// returned — event-driven microscopy: classifying whole fields on the fly while the screening
/// sequence runs, which the SGAN paper (*Semi supervised GAN for smart microscopy, fast and data
/// efficient cell cycle classification*, section 6.1) motivates but cannot serve at
/// 109.7 ms per cell (~28 s per 2048×2048 field). Routes, one file per family:
/// - `POST /v1/fields` (`FieldRoutes.swift`) — body: a TIFF or PNG, or raw little-endian samples with `width`, `height`,
///   `dtype` (uint8 | uint16) query parameters; optional `stage_x`, `stage_y`, `pixel_size` (µm),
///   `frame`, `name`. Answer: the `FieldResult` JSON (objects, counts, events, timings).
/// - `POST /v1/cells` (`CellRoutes.swift`) — a batch of crops: a multi-page TIFF (one crop per page), one PNG, or raw
///   concatenated crops (`width`, `height`, `dtype`; count = body bytes / crop bytes). Answer:
///   `{"classes", "cells": [{"index", "class", "confidence", "probabilities"}], "ms"}`.
/// - `GET /v1/model`, `GET /healthz` (`ModelRoutes.swift`), `GET /metrics` (Prometheus text, `MetricsRoutes.swift`).
/// Bad input gets a 4xx JSON message (`RequestDecoding.swift`, `RawSamples`, `GuardMiddleware`); every size from a
/// request is bounded before work starts (`--max-body-mb`, `--max-pixels`, `--max-crops`); slow clients are cut off
/// (`ConnectionDeadlines`); decoding and the model run on one serial thread (`AnalysisWorker`) with a bounded queue
/// (503 when full) under the per-request timeout; a client that hangs up is not a server error; shutdown is graceful.
/// This file assembles the application (router, middleware, HTTP/1 server) and runs and stops it.
public final class CellphaseServer: @unchecked Sendable {
    public let analyzer: FieldAnalyzer
    public let options: ServerOptions
    public let worker: AnalysisWorker
    public let metrics = ServerMetrics()
    public let info: ClassifierInfo
    let logger: Logger
    let runner: ServiceRunner

    public init(analyzer: FieldAnalyzer, options: ServerOptions = ServerOptions(), info: ClassifierInfo? = nil) throws {
        try options.validate()
        try EventRule.check(analyzer.rules, classes: analyzer.classifier.classes)
        self.analyzer = analyzer
        self.options = options
        self.worker = AnalysisWorker(capacity: options.queue)
        let c = analyzer.classifier
        self.info = info ?? c.summary
        var l = Logger(label: "cellphase.serve")
        l.logLevel = .warning
        self.logger = l
        self.runner = ServiceRunner(logger: l)
    }

    // MARK: Running

    /// Runs until SIGINT/SIGTERM, then stops accepting and finishes the requests in flight.
    public func run(onRunning: (@Sendable (Int) -> Void)? = nil) async throws {
        try await runner.run(makeApplication { port in onRunning?(port) })
    }

    /// Starts in the background (tests, benchmarks) and returns the bound port.
    public func start() async throws -> Int { try await runner.start(makeApplication) }

    /// Graceful shutdown: stops accepting connections, lets requests in flight finish, returns when stopped.
    public func shutdown() async throws { try await runner.shutdown() }

    // MARK: Assembly

    func makeApplication(onRunning: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let o = options
        let handlers = { @Sendable () -> [any RemovableChannelHandler] in
            [ExpectContinueHandler(maxBodyBytes: o.maxBodyBytes),
             ConnectionDeadlines(headerSeconds: o.headerTimeoutSeconds, bodySeconds: o.bodyTimeoutSeconds)]
        }
        return Application(router: makeRouter(),
                    server: .http1(configuration: .init(additionalChannelHandlers: handlers())),
                    configuration: .init(address: .hostname(options.host, port: options.port), serverName: "cellphase"),
                    onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
                    logger: logger)
    }

    /// The guard around every route, then the routes of each family.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: GuardMiddleware(server: self))
        addModelRoutes(to: router)
        addMetricsRoutes(to: router)
        addFieldRoutes(to: router)
        addCellRoutes(to: router)
        return router
    }

    // MARK: The model thread

    /// Runs on the model thread, mapping its failures to HTTP answers; also returns how long the
    /// job waited in the queue (ms).
    func onModel<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> (T, Double) {
        let queued = DispatchTime.now().uptimeNanoseconds
        let started = StartTime()
        do {
            let r = try await worker.run(timeout: options.timeoutSeconds) { () throws -> T in
                started.mark()
                return try body()
            }
            return (r, started.millisecondsSince(queued))
        } catch let e as WorkerError {
            switch e {
            case .queueFull(let c): throw APIError(.serviceUnavailable, "busy: \(c) requests already waiting for the model; retry later")
            case .timedOutWaiting(let s): throw APIError(.serviceUnavailable, "busy: waited \(s) s for the model; retry later")
            case .timedOutRunning(let s): throw APIError(.gatewayTimeout, "analysis took longer than \(s) s")
            case .shuttingDown: throw APIError(.serviceUnavailable, "shutting down")
            }
        } catch let e as FieldError {
            throw APIError(.badRequest, e.localizedDescription)
        }
    }
}
