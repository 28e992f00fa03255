import Hummingbird
import Microscope
import Models

/// `GET /healthz` (liveness, no token needed) and `GET /v1/model` (the classifier and the server's limits).
extension CellphaseServer {
    func addModelRoutes(to router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            Self.json(["status": "ok"])
        }
        router.get("/v1/model") { [self] _, _ in
            try Self.jsonResponse(ModelAnswer(model: info, limits: .init(maxBodyMB: Double(options.maxBodyBytes) / 1_048_576,
                                                              timeoutS: options.timeoutSeconds, queue: options.queue,
                                                              maxCrops: options.maxCrops, maxPixels: options.maxPixels,
                                                              headerTimeoutS: options.headerTimeoutSeconds,
                                                              bodyTimeoutS: options.bodyTimeoutSeconds)))
        }
    }

    struct ModelAnswer: Encodable {
        var model: ClassifierInfo
        var limits: Limits
        struct Limits: Encodable {
            var maxBodyMB: Double, timeoutS: Double, queue: Int, maxCrops: Int, maxPixels: Int, headerTimeoutS: Double, bodyTimeoutS: Double
            enum CodingKeys: String, CodingKey {
                case maxBodyMB = "max_body_mb", timeoutS = "timeout_s", queue, maxCrops = "max_crops", maxPixels = "max_pixels"
                case headerTimeoutS = "header_timeout_s", bodyTimeoutS = "body_timeout_s"
            }
        }
    }
}
