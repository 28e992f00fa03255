/// Settings of `cellphase serve`: where it listens, who may call it, and how much work it takes on at once.
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
    /// Most crops one `POST /v1/cells` may carry (HTTP 413 beyond).
    public var maxCrops = 4096
    public init() {}
}

extension ServerOptions {
    /// Refuses settings that would open the server beyond this machine without a token.
    func validate() throws {
        if !CellphaseServer.isLoopback(host) && (token ?? "").isEmpty { throw ServerError.tokenRequired(host: host) }
        guard (0...65535).contains(port) else { throw ServerError.badOption("port \(port) is not a TCP port (0–65535)") }
        guard maxBodyBytes > 0 else { throw ServerError.badOption("the largest body must be positive") }
        guard timeoutSeconds.isFinite, timeoutSeconds > 0 else {
            throw ServerError.badOption("the time limit must be a positive number of seconds, got \(timeoutSeconds)")
        }
        guard queue >= 0, maxCrops >= 1 else { throw ServerError.badOption("--queue must be ≥ 0 and --max-crops ≥ 1") }
    }
}

extension CellphaseServer {
    /// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
