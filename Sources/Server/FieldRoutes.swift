import Hummingbird
import Microscope

/// `POST /v1/fields`: one whole microscope field — a TIFF or PNG, or raw little-endian samples with
/// `width`, `height`, `dtype` — segmented and classified on the model thread; optional `stage_x`,
/// `stage_y`, `pixel_size` (µm), `frame`, `name`. Answer: the `FieldResult` JSON (objects, counts,
/// events, timings) with a `Server-Timing` header.
extension CellphaseServer {
    func addFieldRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/fields") { [self] request, _ in try await postField(request) }
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
}
