import Imaging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// Most samples (pixels × channels) one request's image or crops may decode to, checked from the raw
    /// parameters or image headers before decoding (HTTP 413 beyond): 8192 × 8192 by default, four 4096² fields.
    public var maxPixels = 8192 * 8192
    /// A connection must deliver a request's complete headers within this many seconds of opening or of its last
    /// answer, else it is closed: the header timeout and the idle timeout of kept-alive connections.
    public var headerTimeoutSeconds = 30.0
    /// A request's body must arrive within this many seconds of its headers (HTTP 408, then closed).
    public var bodyTimeoutSeconds = 60.0
    public init() {}
}

extension ServerOptions {
    /// Refuses settings out of range, and any that would open the server beyond this machine without a token.
    public func validate() throws {
        if !CellphaseServer.isLoopback(host) && (token ?? "").isEmpty { throw ServerError.tokenRequired(host: host) }
        guard (0...65535).contains(port) else { throw ServerError.badOption("--port \(port) is not a TCP port (0–65535)") }
        guard maxBodyBytes > 0 else { throw ServerError.badOption("--max-body-mb: the largest body must be positive") }
        guard timeoutSeconds.isFinite, timeoutSeconds > 0 else {
            throw ServerError.badOption("--timeout-s: the time limit must be a positive number of seconds, got \(timeoutSeconds)")
        }
        guard queue >= 0, maxCrops >= 1 else { throw ServerError.badOption("--queue must be ≥ 0 and --max-crops ≥ 1") }
        guard maxPixels >= 1, maxPixels <= ImageFile.maxSamples else {
            throw ServerError.badOption("--max-pixels must be 1…\(ImageFile.maxSamples), got \(maxPixels)")
        }
        for (name, s) in [("--header-timeout-s", headerTimeoutSeconds), ("--body-timeout-s", bodyTimeoutSeconds)] {
            guard s.isFinite, s > 0, s <= 86_400 else { throw ServerError.badOption("\(name) must be a positive number of seconds up to 86400, got \(s)") }
        }
    }
}

extension CellphaseServer {
    /// Whether `host` is a loopback address: every address it resolves to (a numeric address, `localhost`, or any name)
    /// lies in 127.0.0.0/8 or is ::1. Decided on the addresses, not on how the name is spelt: `127.example.com` is
    /// not loopback, `127.1` and `::ffff:127.0.0.1` are.
    public static func isLoopback(_ host: String) -> Bool {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard !name.isEmpty else { return false }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(first) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        var any = false
        while let n = node {
            defer { node = n.pointee.ai_next }
            guard let sa = n.pointee.ai_addr else { return false }
            any = true
            switch Int32(sa.pointee.sa_family) {
            case AF_INET:
                let a = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
                guard a >> 24 == 127 else { return false }
            case AF_INET6:
                let bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                    withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) }
                }
                let loopback6 = bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
                let mapped4 = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
                guard loopback6 || mapped4 else { return false }
            default:
                return false
            }
        }
        return any
    }
}
