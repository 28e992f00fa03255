import Foundation
import Imaging
@testable import Microscope
@testable import Server
import TestSupport
import XCTest

/// Requests a hostile but fair client can send: each gets a clean 4xx naming the problem, and the server still
/// answers `/healthz` afterwards (each of these used to trap: overflow, a giant allocation, `Int(.nan)`).
final class HostileInputTests: XCTestCase {
    func start(_ configure: (inout ServerOptions) -> Void = { _ in }) async throws -> (CellphaseServer, URL) {
        var o = ServerOptions()
        o.port = 0
        configure(&o)
        let server = try CellphaseServer(analyzer: FieldAnalyzer(classifier: tinyClassifier()), options: o)
        return (server, URL(string: "http://127.0.0.1:\(try await server.start())")!)
    }

    func testRawSizesThatOverflowAreRefused() async throws {
        let (server, base) = try await start()
        let cases = ["/v1/fields?width=4611686018427387904&height=4&dtype=uint16",
                     "/v1/cells?width=3037000500&height=3037000500&dtype=uint8",
                     "/v1/fields?width=-5&height=4&dtype=uint16",
                     "/v1/cells?width=9223372036854775807&height=1&dtype=uint16"]
        for path in cases {
            let a = try await call(base, path, method: "POST", body: Data(count: 8))
            XCTAssertEqual(a.status, 400, "\(path): \(String(decoding: a.data, as: UTF8.self))")
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
                             ("crops 0", { (o: inout ServerOptions) in o.maxCrops = 0 })] {
            var o = ServerOptions()
            edit(&o)
            XCTAssertThrowsError(try CellphaseServer(analyzer: analyzer, options: o), name) { error in
                XCTAssertFalse("\(error.localizedDescription)".isEmpty, name)
            }
        }
    }
}
