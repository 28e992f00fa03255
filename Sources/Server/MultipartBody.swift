import Foundation
import MultipartKit
import NIOCore
import NIOHTTP1

/// A `multipart/form-data` body (RFC 7578) split into its parts by multipart-kit's `MultipartParser`:
/// how browsers, `curl -F` and Python `requests.post(files=…)` send several crop files to `POST /v1/cells`.
public enum MultipartBody {
    /// One part: its `Content-Disposition` name and filename, its `Content-Type`, and its bytes.
    public struct Part: Equatable {
        public var name: String?
        public var filename: String?
        public var contentType: String?
        public var body: Data
    }

    /// Why a body is not readable multipart/form-data.
    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = "multipart body: " + d }
    }

    /// The boundary parameter of a `multipart/form-data; boundary=…` content type.
    static func boundary(of contentType: String) throws -> String {
        guard let b = parameter("boundary", in: contentType) else {
            throw ParseError("Content-Type '\(contentType)' has no boundary parameter")
        }
        guard !b.isEmpty, b.count <= 70 else { throw ParseError("boundary must be 1–70 characters, got \(b.count)") }
        return b
    }

    /// The parts of `data`, in order.
    public static func parse(_ data: Data, contentType: String) throws -> [Part] {
        let boundary = try boundary(of: contentType)
        // The first "--boundary", at the start of the body or of a line (after the preamble).
        let delimiter = Data("--\(boundary)".utf8)
        let afterFirst: Data.Index
        if data.starts(with: delimiter) {
            afterFirst = data.startIndex + delimiter.count
        } else if let r = data.range(of: Data("\r\n".utf8) + delimiter) {
            afterFirst = r.upperBound
        } else {
            throw ParseError("no boundary line found")
        }
        // "--boundary--" straight away: a form without parts (multipart-kit would call it a syntax error).
        if data[afterFirst...].starts(with: Data("--".utf8)) { return [] }

        try checkHeaderNames(data, boundary: boundary)
        let parser = MultipartParser(boundary: boundary)
        var parts: [MultipartPart] = []
        var headers = HTTPHeaders()
        var body = ByteBuffer()
        parser.onHeader = { name, value in headers.add(name: name, value: value) }
        parser.onBody = { chunk in body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts.append(MultipartPart(headers: headers, body: body))
            headers = HTTPHeaders()
            body = ByteBuffer()
        }
        do {
            try parser.execute(ByteBuffer(bytes: data))
        } catch {
            throw ParseError("part \(parts.count + 1) has a malformed boundary line or headers")
        }
        // The parser stops quietly where the bytes end: only the close delimiter says the last part is whole.
        guard data.range(of: Data("\r\n--\(boundary)--".utf8), in: afterFirst..<data.endIndex) != nil else {
            throw ParseError("part \(parts.count + 1) is not closed by the boundary (truncated body?)")
        }
        return parts.map { Part($0) }
    }

    /// Refuses a part header whose name holds a byte ≥ 0x80. multipart-kit 4.7.1 looks such a byte up in a 128-entry
    /// table (`isAllowedHeaderFieldNameCharacter`) and traps — one request would take the whole server down (found by
    /// the `multipart` fuzz target; its inputs are in Fuzz/corpus/multipart/crash-*). Every header block — from each
    /// `--boundary` to the next blank line — is scanned line by line up to the first colon: a superset of what the
    /// parser reads as header names (a preamble without the boundary, which the parser skips, may hold any bytes).
    static func checkHeaderNames(_ data: Data, boundary: String) throws {
        // Scanned in place: the body can be tens of MiB.
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            let n = bytes.count
            // Headers may start after any "--boundary": the parser takes the first one anywhere in the preamble (even
            // without a CRLF before it), and each later CRLF--boundary.
            let delimiter = Array("--\(boundary)".utf8)
            var part = 0, i = 0
            while i + delimiter.count <= n {
                guard bytes[i] == 0x2D, bytes[i..<(i + delimiter.count)].elementsEqual(delimiter) else { i += 1; continue }
                part += 1
                var j = i + delimiter.count, inName = true
                while j < n {
                    if bytes[j] == 0x0D && j + 3 < n && bytes[j + 1] == 0x0A && bytes[j + 2] == 0x0D && bytes[j + 3] == 0x0A { break }
                    if bytes[j] == 0x0A { inName = true } else if bytes[j] == 0x3A { inName = false }
                    if inName && bytes[j] >= 0x80 { throw ParseError("part \(part) has a header name with a non-ASCII byte") }
                    j += 1
                }
                i += delimiter.count
            }
        }
    }

    /// `key="value"` (or unquoted) in a header value such as `form-data; name="crops"; filename="a;b.tif"`.
    static func parameter(_ key: String, in value: String) -> String? {
        var fields: [Substring] = [], start = value.startIndex, quoted = false
        for i in value.indices {
            if value[i] == "\"" { quoted.toggle() }
            if value[i] == ";" && !quoted { fields.append(value[start..<i]); start = value.index(after: i) }
        }
        fields.append(value[start...])
        for p in fields.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, kv[0].lowercased() == key else { continue }
            let v = kv[1]
            return v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 ? String(v.dropFirst().dropLast()) : v
        }
        return nil
    }
}

extension MultipartBody.Part {
    /// The name, filename and type from a multipart-kit part's headers (header names in any case).
    init(_ part: MultipartPart) {
        let disposition = part.headers.first(name: "Content-Disposition")
        self.init(name: disposition.flatMap { MultipartBody.parameter("name", in: $0) },
                  filename: disposition.flatMap { MultipartBody.parameter("filename", in: $0) },
                  contentType: part.headers.first(name: "Content-Type")?.trimmingCharacters(in: .whitespaces),
                  body: Data(part.body.readableBytesView))
    }
}
