import Foundation
import Imaging
import Models
@testable import Microscope
@testable import Server
import TestSupport
import XCTest

/// Requests a hostile but fair client can send: each gets a clean 4xx naming the problem, and the server still
/// answers `/healthz` afterwards (each of these used to trap: overflow, a giant allocation, `Int(.nan)`).
final class HostileInputTests: XCTestCase {
    func start(_ configure: (inout ServerOptions) -> Void = { _ in }) async throws -> (CellphaseServer, URL) {
        try await startServer(configure: configure)
    }

    func testRawSizesThatOverflowAreRefused() async throws {
        let (server, base) = try await start()
        let cases = ["/v1/fields?width=4611686018427387904&height=4&dtype=uint16",
                     "/v1/cells?width=3037000500&height=3037000500&dtype=uint8",
                     "/v1/fields?width=-5&height=4&dtype=uint16",
                     "/v1/cells?width=9223372036854775807&height=1&dtype=uint16"]
        for (path, status) in zip(cases, [413, 413, 400, 413]) {
            let a = try await call(base, path, method: "POST", body: Data(count: 8))
            XCTAssertEqual(a.status, status, "\(path): \(String(decoding: a.data, as: UTF8.self))")
            XCTAssertFalse((a.json["error"] as? String ?? "").isEmpty, path)
        }
        let health = try await call(base, "/healthz")
        XCTAssertEqual(health.status, 200)
        try await server.shutdown()
    }

    func testCropCountIsBounded() async throws {
        let (server, base) = try await start { $0.maxCrops = 10 }
        let over = try await call(base, "/v1/cells?width=1&height=1&dtype=uint8", method: "POST", body: Data(count: 11))
        XCTAssertEqual(over.status, 413, String(decoding: over.data, as: UTF8.self))
        XCTAssertTrue((over.json["error"] as? String ?? "").contains("at most 10"), String(decoding: over.data, as: UTF8.self))
        let fine = try await call(base, "/v1/cells?width=1&height=1&dtype=uint8", method: "POST", body: Data(count: 10))
        XCTAssertEqual(fine.status, 200, String(decoding: fine.data, as: UTF8.self))
        XCTAssertEqual((fine.json["cells"] as? [Any])?.count, 10)
        let model = try await call(base, "/v1/model")
        XCTAssertEqual((model.json["limits"] as? [String: Any])?["max_crops"] as? Int, 10)
        XCTAssertEqual((model.json["limits"] as? [String: Any])?["max_pixels"] as? Int, 8192 * 8192)
        let health = try await call(base, "/healthz")
        XCTAssertEqual(health.status, 200)
        try await server.shutdown()
    }

    func testNonFiniteSamplesAreRefusedByName() async throws {
        var img = Image(width: 32, height: 32, channels: 1, format: .float32)
        for i in img.pixels.indices { img.pixels[i] = Float(i % 97) }
        img.pixels[100] = .infinity
        let url = try temporaryFolder(self).appendingPathComponent("inf.tif")
        try ImageFile.write(img, to: url)
        let (server, base) = try await start()
        let a = try await call(base, "/v1/fields", method: "POST", body: try Data(contentsOf: url))
        XCTAssertEqual(a.status, 400, String(decoding: a.data, as: UTF8.self))
        XCTAssertTrue((a.json["error"] as? String ?? "").contains("not a finite number"), String(decoding: a.data, as: UTF8.self))
        let health = try await call(base, "/healthz")
        XCTAssertEqual(health.status, 200)
        try await server.shutdown()
    }

    func testOptionsOutOfRangeAreRefusedAtStart() {
        let analyzer = FieldAnalyzer(classifier: tinyClassifier())
        for (name, edit) in [("port 70000", { (o: inout ServerOptions) in o.port = 70_000 }),
                             ("timeout NaN", { (o: inout ServerOptions) in o.timeoutSeconds = .nan }),
                             ("timeout 0", { (o: inout ServerOptions) in o.timeoutSeconds = 0 }),
                             ("body 0", { (o: inout ServerOptions) in o.maxBodyBytes = 0 }),
                             ("crops 0", { (o: inout ServerOptions) in o.maxCrops = 0 }),
                             ("pixels 0", { (o: inout ServerOptions) in o.maxPixels = 0 }),
                             ("pixels over the decoders' cap", { (o: inout ServerOptions) in o.maxPixels = ImageFile.maxSamples + 1 }),
                             ("header timeout NaN", { (o: inout ServerOptions) in o.headerTimeoutSeconds = .nan }),
                             ("body timeout -1", { (o: inout ServerOptions) in o.bodyTimeoutSeconds = -1 }),
                             ("open host without a token", { (o: inout ServerOptions) in o.host = "127.example.invalid" })] {
            var o = ServerOptions()
            edit(&o)
            XCTAssertThrowsError(try CellphaseServer(analyzer: analyzer, options: o), name) { error in
                XCTAssertFalse("\(error.localizedDescription)".isEmpty, name)
            }
        }
    }

    /// A 4 MB deflate TIFF that decodes to 16384×16384 (the decompression bomb) and a stack whose pages all
    /// point at the same data are refused from their headers against --max-pixels, before any decoding.
    func testImagesOverThePixelLimitAreRefusedFromTheirHeaders() async throws {
        let (server, base) = try await start { $0.maxPixels = 1 << 20 }
        let bomb = hostileTIFF(width: 16384, height: 16384, compressed: Data(count: 4096), pages: 1)
        let a = try await call(base, "/v1/fields", method: "POST", body: bomb)
        XCTAssertEqual(a.status, 413, String(decoding: a.data, as: UTF8.self))
        XCTAssertTrue((a.json["error"] as? String ?? "").contains("--max-pixels"), String(decoding: a.data, as: UTF8.self))
        // 300 pages of 128×128 (4.9 Mi samples in all) sharing one strip: over the 1 Mi budget of the request.
        let stack = hostileTIFF(width: 128, height: 128, compressed: Data(count: 128 * 128), pages: 300, deflate: false)
        let b = try await call(base, "/v1/cells", method: "POST", body: stack)
        XCTAssertEqual(b.status, 413, String(decoding: b.data, as: UTF8.self))
        let raw = try await call(base, "/v1/fields?width=2048&height=1024&dtype=uint8", method: "POST", body: Data(count: 2048 * 1024))
        XCTAssertEqual(raw.status, 413, String(decoding: raw.data, as: UTF8.self))
        let fine = try await call(base, "/v1/fields?width=512&height=512&dtype=uint8", method: "POST", body: Data(count: 512 * 512))
        XCTAssertEqual(fine.status, 200, String(decoding: fine.data, as: UTF8.self))
        let health = try await call(base, "/healthz")
        XCTAssertEqual(health.status, 200)
        try await server.shutdown()
    }

    /// Decoding runs on the model thread under the request's time limit: a field that takes longer to decode than
    /// --timeout-s is a 504, and the time shows as `decode` in Server-Timing for one that fits.
    func testDecodingRunsUnderTheRequestTimeLimit() async throws {
        var field = Image(width: 4096, height: 4096, channels: 1, format: .uint16)
        for i in field.pixels.indices { field.pixels[i] = Float((i &* 2_654_435_761) % 65_536) }
        let url = try temporaryFolder(self).appendingPathComponent("noise.tif")
        try ImageFile.write(field, to: url, compression: .deflate)
        let body = try Data(contentsOf: url)
        let (server, base) = try await start { $0.timeoutSeconds = 0.05 }
        let a = try await call(base, "/v1/fields", method: "POST", body: body)
        XCTAssertEqual(a.status, 504, String(decoding: a.data, as: UTF8.self))
        XCTAssertTrue((a.json["error"] as? String ?? "").contains("longer than"), String(decoding: a.data, as: UTF8.self))
        try await server.shutdown()
        let (server2, base2) = try await start()
        let small = try await call(base2, "/v1/fields?width=256&height=256&dtype=uint8", method: "POST", body: Data(count: 256 * 256))
        XCTAssertEqual(small.status, 200)
        XCTAssertTrue((small.headers["Server-Timing"] ?? "").contains("decode;dur="), "\(small.headers)")
        try await server2.shutdown()
    }

    /// Decoding waits its turn on the model thread: while the model is busy and the queue is full, a request is
    /// refused before its body is decoded (a damaged TIFF gets 503, not the 400 its decoding would give), so
    /// concurrent large bodies are never decoded side by side.
    func testNothingIsDecodedWhileTheModelIsBusy() async throws {
        let (server, base) = try await startServer(DelayedClassifier(tinyClassifier(), seconds: 1.5)) { $0.queue = 0 }
        let field = Data(testField.image.pixels.flatMap { v in withUnsafeBytes(of: UInt16(v).littleEndian) { Array($0) } })
        let w = testField.image.width, h = testField.image.height
        let first = Task { try await call(base, "/v1/fields?width=\(w)&height=\(h)&dtype=uint16", method: "POST", body: field) }
        let deadline = Date().addingTimeInterval(20)
        while server.worker.busy == 0 && Date() < deadline { try await Task.sleep(nanoseconds: 5_000_000) }
        XCTAssertEqual(server.worker.busy, 1)
        var damaged = Data([0x49, 0x49, 42, 0, 8, 0, 0, 0])
        damaged.append(Data(repeating: 0xEE, count: 4096))
        let second = try await call(base, "/v1/fields", method: "POST", body: damaged)
        XCTAssertEqual(second.status, 503, String(decoding: second.data, as: UTF8.self))
        let firstStatus = try await first.value.status
        XCTAssertEqual(firstStatus, 200)
        let third = try await call(base, "/v1/fields", method: "POST", body: damaged)
        XCTAssertEqual(third.status, 400, String(decoding: third.data, as: UTF8.self))
        try await server.shutdown()
    }

    /// Rules that name a class the model does not have could never fire: refused when the server is made.
    func testRulesNamingUnknownClassesAreRefused() throws {
        let classifier = tinyClassifier()
        let rules = [EventRule(name: "mitosis", classes: ["mitosis"])]
        XCTAssertThrowsError(try CellphaseServer(analyzer: FieldAnalyzer(classifier: classifier, rules: rules), options: ServerOptions())) { e in
            XCTAssertTrue(e.localizedDescription.contains("'mitosis'"), e.localizedDescription)
            XCTAssertTrue(e.localizedDescription.contains(classifier.classes[0]), e.localizedDescription)
        }
    }
}

/// A little-endian TIFF whose `pages` directories all point at the same strip of `compressed` bytes.
func hostileTIFF(width: UInt32, height: UInt32, compressed: Data, pages: Int, deflate: Bool = true) -> Data {
    var d = Data([0x49, 0x49, 42, 0])
    func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    u32(8)
    let strip = 8 + UInt32(pages) * (2 + 10 * 12 + 4)
    for p in 0..<pages {
        let entries: [(UInt16, UInt16, UInt32)] = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, deflate ? 8 : 1),
                                                   (262, 3, 1), (273, 4, strip), (277, 3, 1), (278, 4, height),
                                                   (279, 4, UInt32(compressed.count)), (284, 3, 1)]
        u16(UInt16(entries.count))
        for (tag, type, value) in entries {
            u16(tag); u16(type); u32(1)
            if type == 3 { u16(UInt16(value)); u16(0) } else { u32(value) }
        }
        u32(p + 1 < pages ? UInt32(d.count + 4) : 0)
    }
    d.append(compressed)
    return d
}

/// A real classifier that takes `seconds` longer per batch (a slow model, to hold the model thread).
final class DelayedClassifier: CellClassifier {
    let inner: Classifier, seconds: Double
    init(_ inner: Classifier, seconds: Double) { self.inner = inner; self.seconds = seconds }
    var classes: [String] { inner.classes }
    var inputSide: Int { inner.inputSide }
    func probabilities(for crops: [Image]) throws -> [[Float]] {
        Thread.sleep(forTimeInterval: seconds)
        return try inner.probabilities(for: crops)
    }
}
