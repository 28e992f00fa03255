import Foundation
import Imaging
import TestSupport
import XCTest
@testable import Microscope
@testable import Server
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `POST /v1/cells` with several crop files in one multipart/form-data body, over real HTTP.
final class MultipartCellsTests: XCTestCase {
    func start() async throws -> (CellphaseServer, URL) { try await startServer() }

    func fileBytes(_ write: (URL) throws -> Void, ext: String) throws -> Data {
        let url = try temporaryFolder(self).appendingPathComponent("part.\(ext)")
        try write(url)
        return try Data(contentsOf: url)
    }

    /// A multipart body as browsers and `requests` build it.
    func multipart(_ parts: [(name: String, filename: String, type: String, data: Data)], boundary: String) -> Data {
        var body = Data("preamble to ignore\r\n".utf8)
        for p in parts {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(p.name)\"; filename=\"\(p.filename)\"\r\nContent-Type: \(p.type)\r\n\r\n".utf8)
            body += p.data + Data("\r\n".utf8)
        }
        return body + Data("--\(boundary)--\r\n".utf8)
    }

    func post(_ base: URL, _ path: String, body: Data, contentType: String) async throws -> (Int, [String: Any]) {
        var req = URLRequest(url: URL(string: base.absoluteString + path)!)
        req.httpMethod = "POST"; req.httpBody = body; req.timeoutInterval = 30
        req.setValue(contentType, forHTTPHeaderField: "Content-Type")
        let (data, resp) = try await URLSession.shared.data(for: req)
        return ((resp as! HTTPURLResponse).statusCode, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    func probabilities(_ answer: [String: Any]) -> [[Double]] {
        ((answer["cells"] as? [[String: Any]]) ?? []).map { ($0["probabilities"] as? [Double]) ?? [] }
    }

    func testSeveralCropFilesInOneMultipartBody() async throws {
        let (server, base) = try await start()
        let crops = (0..<4).map { fieldCrop($0) }
        // Part 1: a two-page TIFF; part 2: a PNG; part 3: a one-page TIFF — four crops in all.
        let stack = try fileBytes({ try TIFFWriter.write(pages: [crops[0], crops[1]], to: $0) }, ext: "tif")
        let png = try fileBytes({ try ImageFile.write(crops[2], to: $0) }, ext: "png")
        let single = try fileBytes({ try ImageFile.write(crops[3], to: $0) }, ext: "tif")
        let boundary = "----cellphase\(UUID().uuidString)"
        let body = multipart([("crops", "stack.tif", "image/tiff", stack), ("crops", "c2.png", "image/png", png),
                              ("crops", "c3.tif", "image/tiff", single)], boundary: boundary)
        let (status, answer) = try await post(base, "/v1/cells?count=4", body: body, contentType: "multipart/form-data; boundary=\(boundary)")
        XCTAssertEqual(status, 200, "\(answer)")
        // Same crops, same order, as raw concatenated samples: same probabilities.
        var raw = Data()
        for c in crops { raw += BenchField.rawUInt16(c) }
        let (rawStatus, rawAnswer) = try await post(base, "/v1/cells?width=64&height=64&dtype=uint16", body: raw,
                                                    contentType: "application/octet-stream")
        XCTAssertEqual(rawStatus, 200)
        XCTAssertEqual(probabilities(answer).count, 4)
        for (a, b) in zip(probabilities(answer), probabilities(rawAnswer)) {
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        }
        XCTAssertEqual((answer["cells"] as? [[String: Any]])?.map { $0["index"] as? Int }, [0, 1, 2, 3])

        // A real multipart client: curl -F, one file per part.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") {
            let dir = try temporaryFolder(self)
            try stack.write(to: dir.appendingPathComponent("stack.tif")); try png.write(to: dir.appendingPathComponent("c2.png"))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            p.arguments = ["-s", "-F", "a=@\(dir.path)/stack.tif", "-F", "b=@\(dir.path)/c2.png", base.absoluteString + "/v1/cells"]
            let out = Pipe(); p.standardOutput = out
            try p.run(); p.waitUntilExit()
            let curlAnswer = try JSONSerialization.jsonObject(with: out.fileHandleForReading.readDataToEndOfFile()) as? [String: Any] ?? [:]
            XCTAssertEqual(probabilities(curlAnswer).count, 3, "\(curlAnswer)")
            for (a, b) in zip(probabilities(curlAnswer), probabilities(rawAnswer)) {
                for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5) }
            }
        }

        // Bad multipart bodies: 4xx naming the problem, and the service stays up.
        let ct = "multipart/form-data; boundary=\(boundary)"
        let truncated = body.prefix(body.count - 40)
        let notImage = multipart([("crops", "notes.txt", "text/plain", Data("hello".utf8))], boundary: boundary)
        let emptyPart = multipart([("crops", "empty.tif", "image/tiff", Data())], boundary: boundary)
        for (data, type, want, says) in [(truncated, ct, 400, "not closed"), (notImage, ct, 415, "notes.txt"),
                                         (emptyPart, ct, 400, "empty.tif"), (body, "multipart/form-data", 400, "boundary"),
                                         (body, ct, 400, "count=9")] {
            let path = says == "count=9" ? "/v1/cells?count=9" : "/v1/cells"
            let (s, a) = try await post(base, path, body: Data(data), contentType: type)
            XCTAssertEqual(s, want, "\(says): \(a)")
            XCTAssertTrue((a["error"] as? String)?.contains(says) ?? false, "\(says): \(a)")
        }
        let (healthy, _) = try await post(base, "/v1/cells?width=64&height=64&dtype=uint16", body: raw, contentType: "application/octet-stream")
        XCTAssertEqual(healthy, 200)
        try await server.shutdown()
    }

    /// The parser on hand-written bodies: a quoted boundary, a part without headers, line breaks and
    /// boundary-like bytes inside a part's content, an unquoted filename.
    func testMultipartParsing() throws {
        let body = Data(("--xyz\r\nContent-Disposition: form-data; name=a; filename=one.tif\r\n\r\n"
            + "line 1\r\n--xy not the boundary\r\n\r\n--xyz\r\n\r\nno headers\r\n--xyz--\r\nepilogue").utf8)
        let parts = try MultipartBody.parse(body, contentType: "multipart/form-data; charset=utf-8; boundary=\"xyz\"")
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts[0].name, "a"); XCTAssertEqual(parts[0].filename, "one.tif")
        XCTAssertEqual(String(decoding: parts[0].body, as: UTF8.self), "line 1\r\n--xy not the boundary\r\n")
        XCTAssertNil(parts[1].name)
        XCTAssertEqual(String(decoding: parts[1].body, as: UTF8.self), "no headers")
        XCTAssertThrowsError(try MultipartBody.parse(body, contentType: "multipart/form-data; boundary=other"))
    }

    /// Every field answer says where its time went on the server.
    func testFieldAnswerCarriesServerTiming() async throws {
        let (server, base) = try await start()
        let img = testField.image
        var req = URLRequest(url: URL(string: base.absoluteString + "/v1/fields?width=\(img.width)&height=\(img.height)&dtype=uint16")!)
        req.httpMethod = "POST"; req.httpBody = BenchField.rawUInt16(img)
        let (_, resp) = try await URLSession.shared.data(for: req)
        let timing = (resp as! HTTPURLResponse).value(forHTTPHeaderField: "Server-Timing") ?? ""
        for step in ["body;dur=", "decode;dur=", "queue;dur=", "model;dur=", "encode;dur="] {
            XCTAssertTrue(timing.contains(step), timing)
        }
        try await server.shutdown()
    }

    /// A part header name holding a byte ≥ 0x80 trapped inside multipart-kit (index out of range in its 128-entry
    /// table), killing the server: found by the multipart fuzz target, now a 400; a UTF-8 preamble and UTF-8 file
    /// names in header values stay accepted.
    func testNonASCIIHeaderNamesAreRefusedNotACrash() async throws {
        let (server, base) = try await start()
        let png = try fileBytes({ try PNGCodec.write(Image(width: 8, height: 8, channels: 1, format: .uint8), to: $0) }, ext: "png")
        var bad = Data("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-".utf8)
        bad += Data([0xC3, 0xA9]) + Data(": 1\r\n\r\n".utf8) + png + Data("\r\n--XyZ--\r\n".utf8)
        let (status, json) = try await post(base, "/v1/cells", body: bad, contentType: "multipart/form-data; boundary=XyZ")
        XCTAssertEqual(status, 400, "\(json)")
        XCTAssertTrue((json["error"] as? String ?? "").contains("non-ASCII"), "\(json)")
        var fine = Data("préambule\r\n".utf8)
        fine += Data("--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"noyau-é.png\"\r\n\r\n".utf8) + png
        fine += Data("\r\n--XyZ--\r\n".utf8)
        let (ok, answer) = try await post(base, "/v1/cells", body: fine, contentType: "multipart/form-data; boundary=XyZ")
        XCTAssertEqual(ok, 200, "\(answer)")
        XCTAssertEqual((answer["cells"] as? [Any])?.count, 1)
        let health = try await call(base, "/healthz")
        XCTAssertEqual(health.status, 200)
        try await server.shutdown()
    }
}
