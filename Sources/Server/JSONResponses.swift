import Hummingbird
import Microscope
import NIOCore

/// JSON answers: every route's result and every error (`{"error": message, "status": code}`) is
/// encoded the same way as the files `cellphase field` writes (`FieldOutputs.jsonData`).
extension CellphaseServer {
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
