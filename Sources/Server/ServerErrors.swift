import Foundation
import Hummingbird

/// Why the server will not start, or cannot be stopped because it is not running.
public enum ServerError: Error, LocalizedError, Equatable {
    case tokenRequired(host: String)
    /// The label page binds loopback only (it has no authentication).
    case loopbackOnly(host: String, port: Int)
    case badOption(String)
    case notStarted
    public var errorDescription: String? {
        switch self {
        case .tokenRequired(let h): "binding \(h) (not loopback) requires --token: every request must then carry 'Authorization: Bearer TOKEN'"
        case .loopbackOnly(let h, let p):
            "the label page listens on loopback only (it has no authentication), not \(h): keep --host 127.0.0.1 and, to label "
                + "from another machine, tunnel to it (ssh -L \(p == 0 ? 8766 : p):127.0.0.1:\(p == 0 ? 8766 : p) THIS_HOST)"
        case .badOption(let m): m
        case .notStarted: "the server is not running"
        }
    }
}

/// An error answered to the client as `{"error": message, "status": code}` (by `GuardMiddleware`).
public struct APIError: Error, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public init(_ status: HTTPResponse.Status, _ message: String) { self.status = status; self.message = message }
    public var description: String { "\(status.code) \(message)" }

    /// More crops than one request may carry (413).
    static func tooManyCrops(_ n: Int, limit: Int) -> APIError {
        APIError(.contentTooLarge, "the body holds \(n) crops; at most \(limit) per request (--max-crops)")
    }
}

/// The connection closed before the request's body arrived (the client hung up, or `ConnectionDeadlines` cut it off):
/// nobody is left to answer, and it is not a server error — counted under status 499 ("client closed request").
struct ClientGone: Error {
    var reason: String
    static let status = 499
}
