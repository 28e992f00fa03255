import Foundation
import Hummingbird
import Imaging
import Logging
import Microscope
import Models
import NIOCore
import ServiceLifecycle

/// Settings of `cellphase serve`.
public struct ServerOptions: Sendable {
    /// Address to bind; loopback by default. A non-loopback host requires `token`.
    public var host = "127.0.0.1"
    /// TCP port (0: any free port, reported by `start()`).
    public var port = 8765
    /// Bearer token required on every route but `/healthz` (optional on loopback).
    public var token: String?
    /// Largest request body (HTTP 413 beyond).
    public var maxBodyBytes = 64 << 20
    /// Per-request time limit in seconds: 503 when still waiting for the model, 504 when running.
    public var timeoutSeconds = 10.0
    /// Requests that may wait behind the running one (HTTP 503 beyond).
    public var queue = 8
    public init() {}
}

/// Why the server will not start.
public enum ServerError: Error, LocalizedError, Equatable {
    case tokenRequired(host: String)
    case notStarted
    public var errorDescription: String? {
        switch self {
        case .tokenRequired(let h): "binding \(h) (not loopback) requires --token: every request must then carry 'Authorization: Bearer TOKEN'"
        case .notStarted: "the server is not running"
        }
    }
}

/// An error answered to the client as `{"error": message, "status": code}`.
struct APIError: Error {
    var status: HTTPResponse.Status
    var message: String
    init(_ status: HTTPResponse.Status, _ message: String) { self.status = status; self.message = message }
}

/// `cellphase serve`: the whole-field pipeline as an HTTP service on the microscope PC, for
/// Micro-Manager/Pycro-Manager/pymmcore-plus hooks that post each new field and act on the events
/// returned — event-driven microscopy, which the SGAN paper (`004_…txt`) motivates but cannot serve at
/// 109.7 ms per cell (~28 s per 2048×2048 field). Routes:
/// - `POST /v1/fields` — body: a TIFF or PNG, or raw little-endian samples with `width`, `height`,
///   `dtype` (uint8 | uint16) query parameters; optional `stage_x`, `stage_y`, `pixel_size` (µm),
///   `frame`, `name`. Answer: the `FieldResult` JSON (objects, counts, events, timings).
/// - `POST /v1/cells` — a batch of crops: a multi-page TIFF (one crop per page), one PNG, or raw
///   concatenated crops (`width`, `height`, `dtype`; count = body bytes / crop bytes). Answer:
///   `{"classes", "cells": [{"index", "class", "confidence", "probabilities"}], "ms"}`.
/// - `GET /v1/model`, `GET /healthz`, `GET /metrics` (Prometheus text).
/// Bad input gets a 4xx JSON message; the model runs on its own serial thread (`AnalysisWorker`)
/// with a bounded queue (503 when full) and a per-request timeout; shutdown is graceful.
public final class CellphaseServer: @unchecked Sendable {
    public let analyzer: FieldAnalyzer
    public let options: ServerOptions
    public let worker: AnalysisWorker
    public let metrics = ServerMetrics()
    public let info: ClassifierInfo
    let logger: Logger
    private let lock = NSLock()
    private var group: ServiceGroup?
    private var runTask: Task<Void, any Error>?

    public init(analyzer: FieldAnalyzer, options: ServerOptions = ServerOptions(), info: ClassifierInfo? = nil) throws {
        if !Self.isLoopback(options.host) && (options.token ?? "").isEmpty { throw ServerError.tokenRequired(host: options.host) }
        self.analyzer = analyzer
        self.options = options
        self.worker = AnalysisWorker(capacity: options.queue)
        let c = analyzer.classifier
        self.info = info ?? c.summary
        var l = Logger(label: "cellphase.serve")
        l.logLevel = .warning
        self.logger = l
    }

    /// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    // MARK: Running

    /// Runs until SIGINT/SIGTERM, then stops accepting and finishes the requests in flight.
    public func run(onRunning: (@Sendable (Int) -> Void)? = nil) async throws {
        let app = makeApplication { port in onRunning?(port) }
        let g = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        lock.withLock { group = g }
        try await g.run()
    }

    /// Starts in the background (tests, `bench field`) and returns the bound port.
    public func start() async throws -> Int {
        let portBox = PortBox()
        let app = makeApplication { port in portBox.set(port) }
        let g = ServiceGroup(configuration: .init(services: [app], logger: logger))
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
    public func shutdown() async throws {
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

    func makeApplication(onRunning: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let limit = options.maxBodyBytes
        return Application(router: makeRouter(),
                    server: .http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler(maxBodyBytes: limit)])),
                    configuration: .init(address: .hostname(options.host, port: options.port), serverName: "cellphase"),
                    onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
                    logger: logger)
    }

    // MARK: Routes

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: GuardMiddleware(server: self))
        router.get("/healthz") { _, _ in
            Self.json(["status": "ok"])
        }
        router.get("/v1/model") { [self] _, _ in
            try Self.jsonResponse(ModelAnswer(model: info, limits: .init(maxBodyMB: Double(options.maxBodyBytes) / 1_048_576,
                                                              timeoutS: options.timeoutSeconds, queue: options.queue)))
        }
        router.get("/metrics") { [self] _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            let text = metrics.render(queued: worker.queued, busy: worker.busy)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.post("/v1/fields") { [self] request, _ in try await postField(request) }
        router.post("/v1/cells") { [self] request, _ in try await postCells(request) }
        return router
    }

    struct ModelAnswer: Encodable {
        var model: ClassifierInfo
        var limits: Limits
        struct Limits: Encodable {
            var maxBodyMB: Double, timeoutS: Double, queue: Int
            enum CodingKeys: String, CodingKey { case maxBodyMB = "max_body_mb", timeoutS = "timeout_s", queue }
        }
    }

    func postField(_ request: Request) async throws -> Response {
        var timing = RequestTiming()
        let q = Query(request)
        let stage = try q.stage()
        let frame = try q.int("frame")
        let name = q["name"]
        let body = try await body(request)
        timing.lap("body")
        let image = try decodeImage(body, q, contentType: nil, pages: false)[0]
        timing.lap("decode")
        let analyzer = self.analyzer
        let (result, waited) = try await onModel { try analyzer.analyze(image, stage: stage, frame: frame, name: name).result }
        timing.lap("model", waitedMs: waited)
        var response = try Self.jsonResponse(result)
        timing.lap("encode")
        response.headers[.serverTiming] = timing.header
        return response
    }

    struct CellsAnswer: Encodable {
        var classes: [String]
        var cells: [Cell]
        var ms: Double
        struct Cell: Encodable {
            var index: Int, className: String, confidence: Float, probabilities: [Float]
            enum CodingKeys: String, CodingKey { case index, confidence, probabilities, className = "class" }
        }
    }

    func postCells(_ request: Request) async throws -> Response {
        let q = Query(request)
        let body = try await body(request)
        let crops = try decodeImage(body, q, contentType: request.headers[.contentType], pages: true)
        let analyzer = self.analyzer
        let t0 = Date()
        let (answer, _) = try await onModel { () -> CellsAnswer in
            let r = try analyzer.classify(crops: crops)
            return CellsAnswer(classes: analyzer.classifier.classes,
                               cells: r.enumerated().map { .init(index: $0, className: $1.className, confidence: $1.confidence, probabilities: $1.probabilities) },
                               ms: 0)
        }
        var a = answer
        a.ms = Date().timeIntervalSince(t0) * 1000
        return try Self.jsonResponse(a)
    }

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

    /// The request body, at most `maxBodyBytes` (413 beyond, checked on Content-Length first). The
    /// buffer is sized from Content-Length up front, so an 8 MiB field is received into one
    /// allocation instead of a buffer that doubles (and copies) its way up.
    func body(_ request: Request) async throws -> ByteBuffer {
        let limit = options.maxBodyBytes
        let announced = request.headers[.contentLength].flatMap { Int($0) }
        if let cl = announced, cl > limit {
            throw APIError(.contentTooLarge, "body of \(cl) bytes is over the limit of \(limit) bytes (--max-body-mb)")
        }
        var buffer = ByteBufferAllocator().buffer(capacity: min(announced ?? 0, limit))
        for try await chunk in request.body {
            guard buffer.readableBytes + chunk.readableBytes <= limit else {
                throw APIError(.contentTooLarge, "body is over the limit of \(limit) bytes (--max-body-mb)")
            }
            buffer.writeImmutableBuffer(chunk)
        }
        return buffer
    }

    /// A field or crops from the body: raw when `width`/`height`/`dtype` are given (decoded straight
    /// from the receive buffer), parts of a `multipart/form-data` body (crops only), else TIFF/PNG by signature.
    func decodeImage(_ body: ByteBuffer, _ q: Query, contentType: String?, pages: Bool) throws -> [Image] {
        guard body.readableBytes > 0 else { throw APIError(.badRequest, "empty body: send a TIFF, a PNG or raw samples with width, height and dtype") }
        if pages, let contentType, contentType.lowercased().hasPrefix("multipart/form-data") {
            return try decodeMultipart(body, contentType: contentType, q)
        }
        do {
            if q["width"] != nil || q["height"] != nil || q["dtype"] != nil {
                guard let w = try q.int("width"), let h = try q.int("height"), w > 0, h > 0 else {
                    throw APIError(.badRequest, "raw samples need positive integer 'width' and 'height' query parameters")
                }
                let format: PixelFormat
                switch q["dtype"] ?? "uint16" {
                case "uint16", "u16", "<u2": format = .uint16
                case "uint8", "u8", "|u1": format = .uint8
                case let other: throw APIError(.badRequest, "dtype '\(other)' is not supported: use uint8 or uint16 (little-endian)")
                }
                let crop = w * h * format.bitDepth / 8
                guard w <= ImageFile.maxSamples / h else { throw APIError(.badRequest, "\(w)×\(h) is too large") }
                let size = body.readableBytes
                if !pages {
                    guard size == crop else {
                        throw APIError(.badRequest, "raw \(format.rawValue) \(w)×\(h) needs \(crop) bytes, body has \(size)")
                    }
                    return [try body.withUnsafeReadableBytes { try ImageFile.decodeRaw(bytes: $0, width: w, height: h, format: format, name: "body") }]
                }
                guard size % crop == 0 else {
                    throw APIError(.badRequest, "body of \(size) bytes is not a whole number of \(w)×\(h) \(format.rawValue) crops (\(crop) bytes each)")
                }
                let n = size / crop
                if let count = try q.int("count"), count != n { throw APIError(.badRequest, "count=\(count) but the body holds \(n) crops") }
                return try body.withUnsafeReadableBytes { all in
                    try (0..<n).map { i in
                        try ImageFile.decodeRaw(bytes: UnsafeRawBufferPointer(rebasing: all[(i * crop)..<((i + 1) * crop)]),
                                                width: w, height: h, format: format, name: "body crop \(i)")
                    }
                }
            }
            return try decodeFile(Data(body.readableBytesView), name: "body", pages: pages)
        } catch let e as ImagingError {
            throw APIError(.badRequest, e.localizedDescription)
        }
    }

    /// A TIFF or PNG recognised by its signature: every page (`pages`) or the first.
    func decodeFile(_ data: Data, name: String, pages: Bool) throws -> [Image] {
        guard ImageFileFormat.detect(bytes: data) != nil else {
            throw APIError(.unsupportedMediaType, "\(name) is neither TIFF nor PNG; for raw samples give width, height and dtype")
        }
        do {
            return pages ? try ImageFile.decodePages(data, name: name) : [try ImageFile.decode(data, name: name)]
        } catch let e as ImagingError {
            throw APIError(.badRequest, e.localizedDescription)
        }
    }

    /// Crops sent as `multipart/form-data` (several files in one body, as browsers, `curl -F` and
    /// Python `requests(files=…)` send them): every part is a TIFF (all pages) or PNG, in order.
    func decodeMultipart(_ body: ByteBuffer, contentType: String, _ q: Query) throws -> [Image] {
        let parts: [MultipartBody.Part]
        do { parts = try MultipartBody.parse(Data(body.readableBytesView), contentType: contentType) } catch let e as MultipartBody.ParseError {
            throw APIError(.badRequest, e.description)
        }
        guard !parts.isEmpty else { throw APIError(.badRequest, "multipart body holds no parts: send one crop file per part") }
        var crops: [Image] = []
        for (i, part) in parts.enumerated() {
            let name = part.filename ?? part.name ?? "part \(i + 1)"
            guard !part.body.isEmpty else { throw APIError(.badRequest, "\(name) is empty") }
            crops += try decodeFile(part.body, name: name, pages: true)
        }
        if let count = try q.int("count"), count != crops.count { throw APIError(.badRequest, "count=\(count) but the parts hold \(crops.count) crops") }
        return crops
    }

    /// Query parameters.
    struct Query {
        let values: [String: String]
        init(_ r: Request) {
            var v: [String: String] = [:]
            for (k, x) in r.uri.queryParameters { v[String(k)] = String(x).removingPercentEncoding ?? String(x) }
            values = v
        }
        subscript(_ k: String) -> String? { values[k] }
        func int(_ k: String) throws -> Int? {
            guard let s = values[k] else { return nil }
            guard let v = Int(s) else { throw APIError(.badRequest, "'\(k)' must be an integer, got '\(s)'") }
            return v
        }
        func double(_ k: String) throws -> Double? {
            guard let s = values[k] else { return nil }
            guard let v = Double(s), v.isFinite else { throw APIError(.badRequest, "'\(k)' must be a number, got '\(s)'") }
            return v
        }
        func stage() throws -> StagePosition? {
            let x = try double("stage_x"), y = try double("stage_y"), p = try double("pixel_size")
            if x == nil && y == nil && p == nil { return nil }
            guard let x, let y, let p, p > 0 else {
                throw APIError(.badRequest, "stage coordinates need stage_x, stage_y and a positive pixel_size (µm)")
            }
            return StagePosition(x: x, y: y, pixelSize: p, z: try double("stage_z"))
        }
    }

    // MARK: JSON

    static func json(_ dict: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        (try? jsonResponse(dict, status: status)) ?? Response(status: .internalServerError)
    }

    static func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try FieldOutputs.jsonData(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct ErrorBody: Encodable { var error: String; var status: Int }

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String) -> Response {
        (try? jsonResponse(ErrorBody(error: message, status: status.code), status: status)) ?? Response(status: status)
    }
}

/// Token check, JSON errors for every failure, and metrics, around every route.
struct GuardMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let server: CellphaseServer

    static let routes: Set<String> = ["/healthz", "/metrics", "/v1/model", "/v1/fields", "/v1/cells"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let route = Self.routes.contains(path) ? path : "other"
        let t0 = DispatchTime.now().uptimeNanoseconds
        server.metrics.begin()
        var response: Response
        do {
            if let token = server.options.token, !token.isEmpty, path != "/healthz" {
                guard request.headers[.authorization] == "Bearer \(token)" else {
                    throw APIError(.unauthorized, "missing or wrong bearer token (Authorization: Bearer TOKEN)")
                }
            }
            response = try await next(request, context)
        } catch let e as APIError {
            response = CellphaseServer.errorResponse(e.status, e.message)
        } catch let e as HTTPError {
            response = CellphaseServer.errorResponse(e.status, e.body ?? e.status.reasonPhrase)
        } catch is NIOTooManyBytesError {
            response = CellphaseServer.errorResponse(.contentTooLarge, "body over the limit")
        } catch {
            response = CellphaseServer.errorResponse(.internalServerError, "\(error)")
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        server.metrics.end(route: route, status: response.status.code, seconds: seconds)
        return response
    }
}
