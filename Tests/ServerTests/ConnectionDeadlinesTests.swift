import Foundation
@testable import Microscope
@testable import Server
import XCTest

/// Slow and vanishing clients: a connection that does not send its headers, or its body, in time is closed; a
/// client that hangs up mid-body is counted as 499, never as a server error; the server keeps answering.
final class ConnectionDeadlinesTests: XCTestCase {
    func start(_ configure: (inout ServerOptions) -> Void = { _ in }) async throws -> (CellphaseServer, Int) {
        let (server, base) = try await startServer(configure: configure)
        return (server, base.port!)
    }

    func assertClosedByServer(_ c: LoopbackHTTPConnection, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try c.readHead(), what, file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains("closed by the server"), "\(what): \(error)", file: file, line: line)
        }
    }

    func testHalfSentHeadersAndIdleConnectionsAreClosed() async throws {
        let (server, port) = try await start { $0.headerTimeoutSeconds = 0.4 }
        let half = try LoopbackHTTPConnection(host: "127.0.0.1", port: port, receiveTimeout: 5)
        try half.send(Data("POST /v1/fields HTTP/1.1\r\nHost: x\r\nContent-Le".utf8))
        let idle = try LoopbackHTTPConnection(host: "127.0.0.1", port: port, receiveTimeout: 5)
        let t0 = Date()
        assertClosedByServer(half, "half-sent headers")
        assertClosedByServer(idle, "idle connection")
        XCTAssertLessThan(Date().timeIntervalSince(t0), 4.5)
        // A kept-alive connection answers its request, then is closed once idle past the deadline.
        let kept = try LoopbackHTTPConnection(host: "127.0.0.1", port: port, receiveTimeout: 5)
        try kept.send(Data("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        XCTAssertTrue(try kept.readHead().hasPrefix("HTTP/1.1 200"))
        assertClosedByServer(kept, "idle after an answer")
        let health = try await call(URL(string: "http://127.0.0.1:\(port)")!, "/healthz")
        XCTAssertEqual(health.status, 200)
        try await server.shutdown()
    }

    func testSlowBodyIsCutOffAndHangUpsAreNotServerErrors() async throws {
        let (server, port) = try await start { $0.bodyTimeoutSeconds = 0.4 }
        let slow = try LoopbackHTTPConnection(host: "127.0.0.1", port: port, receiveTimeout: 5)
        try slow.send(Data("POST /v1/fields?width=64&height=64&dtype=uint8 HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n".utf8))
        try slow.send(Data(count: 100))
        assertClosedByServer(slow, "slow body")
        // A client that sends half its body and hangs up.
        do {
            let gone = try LoopbackHTTPConnection(host: "127.0.0.1", port: port, receiveTimeout: 5)
            try gone.send(Data("POST /v1/cells?width=8&height=8&dtype=uint8 HTTP/1.1\r\nHost: x\r\nContent-Length: 640\r\n\r\n".utf8))
            try gone.send(Data(count: 64))
        }
        let deadline = Date().addingTimeInterval(10)
        while server.metrics.count(route: "/v1/cells", status: 499) + server.metrics.count(route: "/v1/fields", status: 499) < 2
                && Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTAssertEqual(server.metrics.count(route: "/v1/fields", status: 499), 1)
        XCTAssertEqual(server.metrics.count(route: "/v1/cells", status: 499), 1)
        XCTAssertEqual(server.metrics.count(route: "/v1/fields", status: 500) + server.metrics.count(route: "/v1/cells", status: 500), 0)
        let health = try await call(URL(string: "http://127.0.0.1:\(port)")!, "/healthz")
        XCTAssertEqual(health.status, 200)
        try await server.shutdown()
    }

    /// Loopback is decided on the addresses a host resolves to, not on how its name is spelt.
    func testLoopbackIsDecidedByAddress() {
        for host in ["127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"] {
            XCTAssertTrue(CellphaseServer.isLoopback(host), host)
        }
        for host in ["127.example.invalid", "10.0.0.1", "0.0.0.0", "::", "192.168.1.127", "", "1.2.3.4.127"] {
            XCTAssertFalse(CellphaseServer.isLoopback(host), host)
        }
    }
}
