import Datasets
import Engine
import Foundation
import Imaging
@testable import Microscope
@testable import Models
import NN
@testable import Segmentation
@testable import Server
import TestSupport
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Support

/// A classifier that takes `delay` seconds per call (timeouts, queueing, shutdown mid-request).
final class SlowClassifier: CellClassifier, @unchecked Sendable {
    let classes = ["interphase", "metaphase"]
    let inputSide = 64
    let delay: Double
    init(delay: Double) { self.delay = delay }
    func probabilities(for crops: [Image]) throws -> [[Float]] {
        Thread.sleep(forTimeInterval: delay)
        return crops.map { _ in [0.25, 0.75] }
    }
}

func tinyClassifier() -> Classifier {
    var rng = RandomSource(seed: 5)
    var c = SGANConfig.classic(classes: 2)
    c.discriminatorFilters = [8, 8, 8, 8]
    return Classifier(model: SGANDiscriminator(c, rng: &rng), classes: ["interphase", "metaphase"], preprocessing: .gan,
                      architecture: "sgan", name: "tiny", trained: false)
}

/// A 512×512 16-bit field of 16 synthetic nuclei.
let testField: SyntheticField = {
    let gen = SyntheticNuclei(side: 64, format: .uint16, seed: 11)
    let crops = [CellPhase.interphase, .metaphase].flatMap { p in (0..<10).map { SourceCrop(image: gen.image(p, index: $0), className: p.rawValue) } }
    var o = SyntheticFieldOptions()
    o.width = 512; o.height = 512; o.count = 16; o.touchingPairs = 0; o.seed = 3
    return try! SyntheticField.generate(sources: crops, options: o)
}()

struct HTTPAnswer {
    var status: Int
    var data: Data
    var headers: [String: String] = [:]
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
}

func call(_ base: URL, _ path: String, method: String = "GET", body: Data? = nil, token: String? = nil) async throws -> HTTPAnswer {
    var req = URLRequest(url: URL(string: base.absoluteString + path)!)
    req.httpMethod = method
    req.httpBody = body
    req.timeoutInterval = 30
    if let token { req.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    let (data, resp) = try await URLSession.shared.data(for: req)
    let http = resp as! HTTPURLResponse
    var headers: [String: String] = [:]
    for (k, v) in http.allHeaderFields { headers["\(k)"] = "\(v)" }
    return HTTPAnswer(status: http.statusCode, data: data, headers: headers)
}

/// A real server on a free loopback port (options edited by `configure`), and its base URL.
func startServer(_ classifier: any CellClassifier = tinyClassifier(), configure: (inout ServerOptions) -> Void = { _ in },
                 rules: [EventRule] = []) async throws -> (CellphaseServer, URL) {
    var o = ServerOptions()
    o.port = 0
    configure(&o)
    let server = try CellphaseServer(analyzer: FieldAnalyzer(classifier: classifier, rules: rules), options: o)
    let port = try await server.start()
    return (server, URL(string: "http://127.0.0.1:\(port)")!)
}

final class ServerTests: XCTestCase {
    func start(_ classifier: any CellClassifier = tinyClassifier(), configure: (inout ServerOptions) -> Void = { _ in },
               rules: [EventRule] = []) async throws -> (CellphaseServer, URL) {
        try await startServer(classifier, configure: configure, rules: rules)
    }

    func rawField(_ img: Image = testField.image) -> (Data, String) {
        (BenchField.rawUInt16(img), "width=\(img.width)&height=\(img.height)&dtype=uint16")
    }

    func tiffBytes(_ img: Image) throws -> Data {
        let url = try temporaryFolder(self).appendingPathComponent("image.tif")
        try ImageFile.write(img, to: url)
        return try Data(contentsOf: url)
    }

    func testRoutesGoodAndBadInput() async throws {
        let rule = EventRule(name: "any", classes: ["interphase", "metaphase"], maxEvents: 2)
        let (server, base) = try await start(rules: [rule])
        let health = try await call(base, "/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.json["status"] as? String, "ok")
        let model = try await call(base, "/v1/model")
        XCTAssertEqual(model.status, 200)
        XCTAssertEqual((model.json["model"] as? [String: Any])?["classes"] as? [String], ["interphase", "metaphase"])
        XCTAssertEqual((model.json["model"] as? [String: Any])?["input_size"] as? Int, 64)

        // A good field, raw and as TIFF, with stage coordinates.
        let (raw, q) = rawField()
        let good = try await call(base, "/v1/fields?\(q)&stage_x=100&stage_y=50&pixel_size=0.5&frame=3", method: "POST", body: raw)
        XCTAssertEqual(good.status, 200, String(decoding: good.data, as: UTF8.self))
        let r = try JSONDecoder().decode(FieldResult.self, from: good.data)
        XCTAssertGreaterThanOrEqual(r.objects.count, 14)
        XCTAssertEqual(r.events.count, 2)
        XCTAssertNotNil(r.events[0].xPos)
        XCTAssertEqual(r.events[0].index["t"], 3)
        let tiff = try await call(base, "/v1/fields", method: "POST", body: try tiffBytes(testField.image))
        XCTAssertEqual(tiff.status, 200)
        XCTAssertEqual(try JSONDecoder().decode(FieldResult.self, from: tiff.data).objects, r.objects)

        // No nuclei: 200 with zero objects.
        let flat = Image(width: 256, height: 256, format: .uint16, fill: 1200)
        let (flatRaw, fq) = rawField(flat)
        let empty = try await call(base, "/v1/fields?\(fq)", method: "POST", body: flatRaw)
        XCTAssertEqual(empty.status, 200)
        XCTAssertEqual((empty.json["objects"] as? [Any])?.count, 0)

        // Bad input: 4xx with a JSON message, and the service stays up.
        let bad: [(String, Data, Int)] = [
            ("/v1/fields", Data("II*\0this is not a tiff at all".utf8), 400),          // corrupt TIFF
            ("/v1/fields", try tiffBytes(testField.image).prefix(3000), 400),        // truncated TIFF
            ("/v1/fields", Data("hello".utf8), 415),                                 // not an image
            ("/v1/fields", Data(), 400),                                             // empty body
            ("/v1/fields?\(q.replacingOccurrences(of: "uint16", with: "float64"))", raw, 400), // wrong dtype
            ("/v1/fields?width=100&height=100&dtype=uint16", raw, 400),               // wrong size
            ("/v1/fields?width=abc&height=100", raw, 400),                            // not a number
            ("/v1/fields?\(q)&stage_x=1", raw, 400),                                  // incomplete stage
        ]
        for (path, body, status) in bad {
            let a = try await call(base, path, method: "POST", body: body)
            XCTAssertEqual(a.status, status, "\(path): \(String(decoding: a.data, as: UTF8.self))")
            XCTAssertNotNil(a.json["error"] as? String, path)
        }
        let missing = try await call(base, "/v2/nothing")
        XCTAssertEqual(missing.status, 404)

        // Crops: raw concatenated and PNG.
        let crops = (0..<3).map { fieldCrop($0) }
        var concatenated = Data()
        for c in crops { concatenated += BenchField.rawUInt16(c) }
        let cells = try await call(base, "/v1/cells?width=64&height=64&dtype=uint16", method: "POST", body: concatenated)
        XCTAssertEqual(cells.status, 200)
        XCTAssertEqual((cells.json["cells"] as? [Any])?.count, 3)
        let uneven = try await call(base, "/v1/cells?width=64&height=64&dtype=uint16", method: "POST", body: concatenated.prefix(100))
        XCTAssertEqual(uneven.status, 400)

        do { let status = try await call(base, "/healthz").status; XCTAssertEqual(status, 200) }
        let metrics = String(decoding: try await call(base, "/metrics").data, as: UTF8.self)
        XCTAssertTrue(metrics.contains(#"cellphase_http_requests_total{route="/v1/fields",status="200"} 3"#), metrics)
        XCTAssertTrue(metrics.contains(#"cellphase_http_requests_total{route="/v1/fields",status="400"}"#))
        XCTAssertTrue(metrics.contains(#"cellphase_http_request_duration_seconds_bucket{route="/v1/fields",le="+Inf"}"#))
        XCTAssertTrue(metrics.contains("cellphase_http_requests_in_flight 1"))
        try await server.shutdown()
    }

    func testCellBatchAsPNG() async throws {
        let (server, base) = try await start()
        let url = try temporaryFolder(self).appendingPathComponent("crop.png")
        try ImageFile.write(fieldCrop(0), to: url)
        let a = try await call(base, "/v1/cells", method: "POST", body: try Data(contentsOf: url))
        XCTAssertEqual(a.status, 200, String(decoding: a.data, as: UTF8.self))
        XCTAssertEqual((a.json["cells"] as? [Any])?.count, 1)
        try await server.shutdown()
    }

    func testOversizedBodyIs413() async throws {
        let (server, base) = try await start { $0.maxBodyBytes = 1 << 20 }
        let big = Image(width: 1024, height: 1024, format: .uint16, fill: 100)
        let (raw, q) = rawField(big)   // 2 MiB
        let a = try await call(base, "/v1/fields?\(q)", method: "POST", body: raw)
        XCTAssertEqual(a.status, 413)
        XCTAssertNotNil(a.json["error"])
        do { let status = try await call(base, "/healthz").status; XCTAssertEqual(status, 200) }
        try await server.shutdown()
    }

    /// curl-style upload: the head carries `Expect: 100-continue` and the client waits for the
    /// interim `100 Continue` before sending the body (curl waits 1 s without it).
    func testExpectContinueIsAnsweredBeforeTheBody() async throws {
        let (server, base) = try await start()
        let (raw, q) = rawField()
        let connection = try LoopbackHTTPConnection(host: "127.0.0.1", port: base.port!, receiveTimeout: 10)
        try connection.send(Data("POST /v1/fields?\(q) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(raw.count)\r\nExpect: 100-continue\r\n\r\n".utf8))
        let interim = try connection.readHead()
        XCTAssertTrue(interim.hasPrefix("HTTP/1.1 100"), interim)
        try connection.send(raw)
        let final = try connection.readHead()
        XCTAssertTrue(final.hasPrefix("HTTP/1.1 200"), final)
        // Announced over the limit: no 100, a 413 straight away.
        let (small, smallBase) = try await start { $0.maxBodyBytes = 1 << 20 }
        let refusedConnection = try LoopbackHTTPConnection(host: "127.0.0.1", port: smallBase.port!, receiveTimeout: 10)
        try refusedConnection.send(Data("POST /v1/fields?\(q) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(4 << 20)\r\nExpect: 100-continue\r\n\r\n".utf8))
        let refused = try refusedConnection.readHead()
        XCTAssertTrue(refused.hasPrefix("HTTP/1.1 413"), refused)
        try await small.shutdown()
        try await server.shutdown()
    }

    func testTokenEnforcement() async throws {
        XCTAssertThrowsError(try CellphaseServer(analyzer: FieldAnalyzer(classifier: tinyClassifier()), options: {
            var o = ServerOptions(); o.host = "0.0.0.0"; return o
        }())) { XCTAssertEqual($0 as? ServerError, .tokenRequired(host: "0.0.0.0")) }
        let (server, base) = try await start { $0.token = "s3cret" }
        do { let status = try await call(base, "/healthz").status; XCTAssertEqual(status, 200) }
        let denied = try await call(base, "/v1/model")
        XCTAssertEqual(denied.status, 401)
        XCTAssertNotNil(denied.json["error"])
        do { let status = try await call(base, "/v1/model", token: "wrong").status; XCTAssertEqual(status, 401) }
        do { let status = try await call(base, "/v1/model", token: "s3cret").status; XCTAssertEqual(status, 200) }
        let (raw, q) = rawField()
        do { let status = try await call(base, "/v1/fields?\(q)", method: "POST", body: raw).status; XCTAssertEqual(status, 401) }
        do { let status = try await call(base, "/v1/fields?\(q)", method: "POST", body: raw, token: "s3cret").status; XCTAssertEqual(status, 200) }
        try await server.shutdown()
    }

    /// Eight requests at once against a queue of 2: each is answered 200 or 503 (never an error or a
    /// hang), at least one succeeds and at most 1 running + 2 waiting are admitted at a time; with a
    /// queue of 8 all eight succeed.
    func testConcurrentRequestsAndQueueLimit() async throws {
        let (raw, q) = rawField()
        for (queue, expectAll) in [(2, false), (8, true)] {
            let (server, base) = try await start(SlowClassifier(delay: 0.3)) { $0.queue = queue; $0.timeoutSeconds = 30 }
            let statuses = try await withThrowingTaskGroup(of: HTTPAnswer.self) { group in
                for _ in 0..<8 { group.addTask { try await call(base, "/v1/fields?\(q)", method: "POST", body: raw) } }
                var out: [HTTPAnswer] = []
                for try await a in group { out.append(a) }
                return out
            }
            let ok = statuses.filter { $0.status == 200 }.count, busy = statuses.filter { $0.status == 503 }
            XCTAssertEqual(ok + busy.count, 8, "queue \(queue): \(statuses.map(\.status))")
            if expectAll { XCTAssertEqual(ok, 8) } else {
                XCTAssertGreaterThanOrEqual(ok, 1)
                XCTAssertGreaterThan(busy.count, 0, "8 simultaneous requests cannot all fit 1 running + 2 waiting")
                for b in busy { XCTAssertTrue((b.json["error"] as? String)?.contains("busy") == true) }
            }
            do { let status = try await call(base, "/healthz").status; XCTAssertEqual(status, 200) }
            try await server.shutdown()
        }
    }

    func testTimeoutIs504WhileRunning() async throws {
        let (server, base) = try await start(SlowClassifier(delay: 1.0)) { $0.timeoutSeconds = 0.3 }
        let (raw, q) = rawField()
        let a = try await call(base, "/v1/fields?\(q)", method: "POST", body: raw)
        XCTAssertEqual(a.status, 504)
        XCTAssertNotNil(a.json["error"])
        try await server.shutdown()
    }

    /// Shutdown while a request is being analysed: the request still gets its answer, then the
    /// server stops accepting connections.
    func testShutdownFinishesInFlightRequest() async throws {
        let (server, base) = try await start(SlowClassifier(delay: 1.0))
        let (raw, q) = rawField()
        let inflight = Task { try await call(base, "/v1/fields?\(q)", method: "POST", body: raw) }
        try await Task.sleep(nanoseconds: 300_000_000)
        let t0 = Date()
        try await server.shutdown()
        let a = try await inflight.value
        XCTAssertEqual(a.status, 200)
        XCTAssertGreaterThanOrEqual((a.json["objects"] as? [Any])?.count ?? 0, 14)
        XCTAssertGreaterThan(Date().timeIntervalSince(t0), 0.4, "shutdown waited for the request")
        do {
            let late = try await call(base, "/healthz")
            XCTFail("server still answering after shutdown: \(late.status)")
        } catch {}
    }
}

/// A 64×64 crop around a placed nucleus.
func fieldCrop(_ i: Int) -> Image {
    let n = testField.nuclei[i]
    return CropExtractor.cut(testField.image, x0: Int(n.centroidX) - 32, y0: Int(n.centroidY) - 32, side: 64, padding: .replicate)
}
