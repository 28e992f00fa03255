import Dispatch
import Hummingbird
import Microscope

/// `POST /v1/fields`: one whole microscope field — a TIFF or PNG, or raw little-endian samples with
/// `width`, `height`, `dtype` — decoded, segmented and classified on the model thread; optional `stage_x`,
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
        let analyzer = self.analyzer
        // Decoding runs on the model thread too: one decode at a time, under the request's time limit.
        let ((result, decodeMs), waited) = try await onModel { [self] () -> (FieldResult, Double) in
            let t0 = DispatchTime.now().uptimeNanoseconds
            let image = try decodeImage(body, q, contentType: nil, pages: false)[0]
            let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            return (try analyzer.analyze(image, stage: stage, frame: frame, name: name).result, ms)
        }
        timing.lap("model", waitedMs: waited, decodeMs: decodeMs)
        var response = try Self.jsonResponse(result)
        timing.lap("encode")
        response.headers[.serverTiming] = timing.header
        return response
    }
}
