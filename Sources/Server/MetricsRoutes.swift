import Hummingbird
import NIOCore

/// `GET /metrics`: `ServerMetrics` and the model queue in the Prometheus text format.
extension CellphaseServer {
    func addMetricsRoutes(to router: Router<BasicRequestContext>) {
        router.get("/metrics") { [self] _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            let text = metrics.render(queued: worker.queued, busy: worker.busy)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
