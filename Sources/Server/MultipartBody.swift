import Foundation

/// A `multipart/form-data` body (RFC 7578) split into its parts — how browsers, `curl -F` and
/// Python `requests.post(files=…)` send several files in one request, here several crop files to
/// `POST /v1/cells`. Only what that needs: the boundary from the Content-Type, each part's
/// `Content-Disposition` name and filename, and its bytes (no nested multiparts, no transfer encodings).
enum MultipartBody {
    struct Part: Equatable {
        var name: String?
        var filename: String?
        var contentType: String?
        var body: Data
    }

    /// Why a body is not readable multipart/form-data.
    struct ParseError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = "multipart body: " + d }
    }

    /// The boundary parameter of a `multipart/form-data; boundary=…` content type.
    static func boundary(of contentType: String) throws -> String {
        for param in contentType.split(separator: ";").dropFirst() {
            let kv = param.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == "boundary" {
                let b = kv[1].hasPrefix("\"") && kv[1].hasSuffix("\"") && kv[1].count >= 2 ? String(kv[1].dropFirst().dropLast()) : kv[1]
                guard !b.isEmpty, b.count <= 70 else { throw ParseError("boundary must be 1–70 characters, got \(b.count)") }
                return b
            }
        }
        throw ParseError("Content-Type '\(contentType)' has no boundary parameter")
    }

    /// The parts of `data`, in order.
    static func parse(_ data: Data, contentType: String) throws -> [Part] {
        let bytes = [UInt8](data)
        let delimiter = Array("--\(try boundary(of: contentType))".utf8)
        guard var at = ByteSearch.find(delimiter, in: bytes, from: 0) else { throw ParseError("no boundary line found") }
        var parts: [Part] = []
        while true {
            at += delimiter.count
            // "--" after a delimiter closes the body.
            if at + 1 < bytes.count, bytes[at] == UInt8(ascii: "-"), bytes[at + 1] == UInt8(ascii: "-") { return parts }
            // Rest of the boundary line (transport padding), then CRLF.
            guard let lineEnd = ByteSearch.find(crlf, in: bytes, from: at) else { throw ParseError("boundary line is not terminated") }
            let headStart = lineEnd + 2
            guard let headEnd = ByteSearch.find(crlf + crlf, in: bytes, from: headStart - 2) else {
                throw ParseError("part \(parts.count + 1) has no blank line after its headers")
            }
            let head = headEnd > headStart ? String(decoding: bytes[headStart..<headEnd], as: UTF8.self) : ""
            let bodyStart = headEnd + 4
            guard let next = ByteSearch.find(crlf + delimiter, in: bytes, from: bodyStart) else {
                throw ParseError("part \(parts.count + 1) is not closed by the boundary (truncated body?)")
            }
            var part = Part(body: Data(bytes[bodyStart..<next]))
            for line in head.components(separatedBy: "\r\n") {
                let kv = line.split(separator: ":", maxSplits: 1)
                guard kv.count == 2 else { continue }
                let key = kv[0].trimmingCharacters(in: .whitespaces).lowercased(), value = kv[1].trimmingCharacters(in: .whitespaces)
                if key == "content-type" { part.contentType = value }
                if key == "content-disposition" {
                    part.name = parameter("name", in: value)
                    part.filename = parameter("filename", in: value)
                }
            }
            parts.append(part)
            at = next + 2
        }
    }

    static let crlf: [UInt8] = [13, 10]

    /// `key="value"` (or unquoted) in a header value such as `form-data; name="crops"; filename="a.tif"`.
    static func parameter(_ key: String, in value: String) -> String? {
        for p in value.split(separator: ";").dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, kv[0].lowercased() == key else { continue }
            let v = kv[1]
            return v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 ? String(v.dropFirst().dropLast()) : v
        }
        return nil
    }
}
