import Foundation
import Hummingbird
import NIOCore

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
        var recorded: Int?
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
        } catch is ClientGone {
            response = CellphaseServer.errorResponse(.badRequest, "the connection closed before the body arrived")
            recorded = ClientGone.status
        } catch is NIOTooManyBytesError {
            response = CellphaseServer.errorResponse(.contentTooLarge, "body over the limit")
        } catch {
            response = CellphaseServer.errorResponse(.internalServerError, "\(error)")
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        server.metrics.end(route: route, status: recorded ?? response.status.code, seconds: seconds)
        return response
    }
}
