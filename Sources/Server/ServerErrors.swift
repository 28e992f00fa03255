import Foundation
import Hummingbird

/// Why the server will not start, or cannot be stopped because it is not running.
public enum ServerError: Error, LocalizedError, Equatable {
    case tokenRequired(host: String)
    case badOption(String)
    case notStarted
    public var errorDescription: String? {
        switch self {
        case .tokenRequired(let h): "binding \(h) (not loopback) requires --token: every request must then carry 'Authorization: Bearer TOKEN'"
        case .badOption(let m): m
        case .notStarted: "the server is not running"
        }
    }
}

/// An error answered to the client as `{"error": message, "status": code}` (by `GuardMiddleware`).
struct APIError: Error {
    var status: HTTPResponse.Status
    var message: String
    init(_ status: HTTPResponse.Status, _ message: String) { self.status = status; self.message = message }
}
