import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One keep-alive HTTP/1.1 connection over a blocking TCP socket, for load generation on this
/// machine (`HTTPLoad`, loopback only). It writes the request head and the body straight from the
/// caller's bytes and reads the answer by Content-Length or chunked encoding — nothing else, so a
/// benchmark client costs next to no CPU beside the server it measures. (Foundation's URLSession
/// on Linux uploads through libcurl's read callbacks in small chunks: with the client in the same
/// process on 2 cores, it cost more CPU than the server's own HTTP handling.) The server's tests
/// also write requests by hand through it (`send(_:)`, `readHead()`), e.g. `Expect: 100-continue`.
final class LoopbackHTTPConnection {
    enum Failure: Error, CustomStringConvertible {
        case connect(String), io(String), protocolError(String)
        var description: String {
            switch self {
            case .connect(let m): "connect: \(m)"
            case .io(let m): "I/O: \(m)"
            case .protocolError(let m): "HTTP: \(m)"
            }
        }
    }

    private let fd: Int32
    private var pending: [UInt8] = []

    /// Connects to `host` (an IPv4 address such as 127.0.0.1) on `port`. With `receiveTimeout`
    /// (seconds), a read that waits longer for the server throws instead of blocking for ever.
    init(host: String, port: Int, receiveTimeout: Int? = nil) throws {
        #if os(Linux)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure.connect(String(cString: strerror(errno))) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { close(fd); throw Failure.connect("\(host) is not an IPv4 address") }
        let ok = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { let m = String(cString: strerror(errno)); close(fd); throw Failure.connect("\(host):\(port): \(m)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let receiveTimeout, receiveTimeout > 0 {
            var tv = timeval()
            tv.tv_sec = .init(receiveTimeout)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    deinit { close(fd) }

    /// Sends one POST and returns the status code and the answer's body.
    func post(host: String, path: String, body: Data, headers: [String: String] = [:]) throws -> (status: Int, body: [UInt8]) {
        try request("POST", host: host, path: path, body: body, headers: headers)
    }

    /// Sends one request (any method; a body only when given) and returns the status code and the answer's body.
    func request(_ method: String, host: String, path: String, body: Data? = nil, headers: [String: String] = [:]) throws -> (status: Int, body: [UInt8]) {
        let body = body ?? Data()
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Length: \(body.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        try Array(head.utf8).withUnsafeBytes { try send($0) }
        try body.withUnsafeBytes { try send($0) }
        return try readResponse()
    }

    /// Sends `bytes` as they are: a request head or body written by hand.
    func send(_ bytes: Data) throws {
        try bytes.withUnsafeBytes { try send($0) }
    }

    /// The next answer's head as text — status line and headers, without the blank line after them —
    /// interim answers (`100 Continue`) included; the body, if any, is left unread.
    func readHead() throws -> String {
        String(decoding: try take(until: [13, 10, 13, 10]).dropLast(4), as: UTF8.self)
    }

    private func send(_ bytes: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < bytes.count {
            let n = write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 { if errno == EINTR { continue }; throw Failure.io(String(cString: strerror(errno))) }
            off += n
        }
    }

    /// Reads more bytes into `pending`; throws at end of stream.
    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 {
            if errno == EINTR { return }
            if errno == EAGAIN { throw Failure.io("no answer within the receive timeout") }
            throw Failure.io(String(cString: strerror(errno)))
        }
        if n == 0 { throw Failure.io("connection closed by the server") }
        pending += chunk[0..<n]
    }

    /// Bytes up to and including the next CRLF (or CRLFCRLF when `blank`), removed from `pending`.
    private func take(until marker: [UInt8]) throws -> [UInt8] {
        while true {
            if let i = ByteSearch.find(marker, in: pending, from: 0) {
                let out = Array(pending[0..<(i + marker.count)])
                pending.removeFirst(i + marker.count)
                return out
            }
            try fill()
        }
    }

    private func take(count: Int) throws -> [UInt8] {
        while pending.count < count { try fill() }
        let out = Array(pending[0..<count])
        pending.removeFirst(count)
        return out
    }

    private func readResponse() throws -> (status: Int, body: [UInt8]) {
        var head = String(decoding: try take(until: [13, 10, 13, 10]), as: UTF8.self)
        // Interim 1xx answers (100 Continue) precede the real one.
        while head.hasPrefix("HTTP/1.1 1") { head = String(decoding: try take(until: [13, 10, 13, 10]), as: UTF8.self) }
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure.protocolError("bad status line '\(lines[0])'") }
        var length: Int?, chunked = false
        for line in lines.dropFirst() {
            let kv = line.split(separator: ":", maxSplits: 1)
            guard kv.count == 2 else { continue }
            let k = kv[0].lowercased(), v = kv[1].trimmingCharacters(in: .whitespaces)
            if k == "content-length" { length = Int(v) }
            if k == "transfer-encoding" && v.lowercased().contains("chunked") { chunked = true }
        }
        if chunked {
            var body: [UInt8] = []
            while true {
                let sizeLine = String(decoding: try take(until: [13, 10]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else { throw Failure.protocolError("bad chunk size '\(sizeLine)'") }
                if size == 0 { _ = try take(until: [13, 10]); return (status, body) }
                body += try take(count: size)
                _ = try take(count: 2)
            }
        }
        return (status, try take(count: length ?? 0))
    }
}
