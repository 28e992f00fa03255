import Foundation
import Hummingbird
import Labelling
import Models
import NIOCore

/// The label page's routes: `GET /` (the page), `GET /api/state` (crops, guesses, labels, progress),
/// `GET /api/crops/{index}` (PNG), `POST /api/labels` (`{"index": i, "label": "M"}`), `POST /api/undo`,
/// `POST /api/retrain` (a short training on the labels so far, then fresh guesses; 409 while one runs).
/// Errors are `{"error", "status"}` JSON like `cellphase serve`'s.
extension LabelServer {
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: LabelPage.html)))
        }
        router.get("/healthz") { _, _ in CellphaseServer.json(["status": "ok"]) }
        router.get("/api/state") { [self] _, _ in Self.answer { try CellphaseServer.jsonResponse(self.state()) } }
        router.get("/api/crops/:index") { [self] _, context in
            Self.answer {
                guard let i = context.parameters.get("index", as: Int.self), let png = try session.png(i) else {
                    throw APIError(.notFound, "no such crop (the session has \(session.count))")
                }
                var headers = HTTPFields()
                headers[.contentType] = "image/png"
                headers[.cacheControl] = "max-age=3600"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: png)))
            }
        }
        router.post("/api/labels") { [self] request, _ in
            let body = try await Self.body(request)
            return Self.answer {
                let given = try Self.decode(LabelBody.self, from: body)
                try session.label(given.index, as: given.label)
                return try CellphaseServer.jsonResponse(self.state())
            }
        }
        router.post("/api/undo") { [self] _, _ in
            Self.answer {
                _ = try session.undo()
                return try CellphaseServer.jsonResponse(self.state())
            }
        }
        router.post("/api/retrain") { [self] _, _ in
            do {
                try await retrain()
                return try CellphaseServer.jsonResponse(self.state())
            } catch {
                return Self.failure(error)
            }
        }
        return router
    }

    /// The session's state plus whether the page may retrain.
    struct PageState: Encodable {
        var session: LabelSession.State
        var canRetrain: Bool
        var retraining: Bool
        enum CodingKeys: String, CodingKey { case session, canRetrain = "can_retrain", retraining }
    }

    func state() -> PageState { PageState(session: session.state(), canRetrain: retrainer != nil, retraining: isRetraining) }

    struct LabelBody: Decodable { var index: Int; var label: String }

    /// Retrains off the event loop (a training takes seconds to minutes), then refreshes every guess.
    func retrain() async throws {
        guard let retrainer else { throw APIError(.badRequest, "this session has no model to retrain (start it with --model or --retrain-model)") }
        guard beginRetraining() else { throw APIError(.conflict, "a retraining is already running") }
        defer { endRetraining() }
        let manifest = session.manifestURL
        let session = self.session
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    let classifier: Classifier
                    do { classifier = try retrainer(manifest) }
                    catch { throw APIError(.badRequest, "retraining failed: " + ((error as? LocalizedError)?.errorDescription ?? "\(error)")) }
                    try session.guess(with: classifier)
                    session.noteRetrained()
                    c.resume()
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
    }

    static func body(_ request: Request) async throws -> ByteBuffer {
        do { return try await request.body.collect(upTo: maxBodyBytes) }
        catch { throw APIError(.contentTooLarge, "body over \(maxBodyBytes) bytes") }
    }

    static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(buffer: body)) }
        catch { throw APIError(.badRequest, "body is not the JSON expected: \(error.localizedDescription)") }
    }

    /// Runs a route, mapping its failure to a JSON error.
    static func answer(_ body: () throws -> Response) -> Response {
        do { return try body() } catch { return failure(error) }
    }

    static func failure(_ error: any Error) -> Response {
        switch error {
        case let e as APIError: return CellphaseServer.errorResponse(e.status, e.message)
        case let e as LabellingError: return CellphaseServer.errorResponse(.badRequest, e.localizedDescription)
        default: return CellphaseServer.errorResponse(.internalServerError, (error as? LocalizedError)?.errorDescription ?? "\(error)")
        }
    }
}
