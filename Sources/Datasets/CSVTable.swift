import Foundation

/// A parsed CSV file (RFC 4180: quoted fields, doubled quotes, CRLF), header row first.
public struct CSVTable: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw DatasetError.notFound(path: url.path) }
        try self.init(text: text, name: url.path)
    }

    public init(text: String, name: String = "manifest") throws {
        var records: [[String]] = [], field = "", record: [String] = [], quoted = false, afterQuote = false
        var it = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? { if let p = pending { pending = nil; return p }; return it.next() }
        while let ch = next() {
            if quoted {
                if ch == "\"" {
                    if let n = it.next() { if n == "\"" { field.unicodeScalars.append(n) } else { quoted = false; afterQuote = true; pending = n } }
                    else { quoted = false }
                } else { field.unicodeScalars.append(ch) }
                continue
            }
            switch ch {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": record.append(field); field = ""; afterQuote = false
            case "\r": continue
            case "\n": record.append(field); records.append(record); record = []; field = ""; afterQuote = false
            default: field.unicodeScalars.append(ch)
            }
        }
        if quoted { throw DatasetError.badRow(manifest: name, row: records.count, message: "unterminated quoted field") }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        records.removeAll { $0.count == 1 && $0[0].trimmingCharacters(in: .whitespaces).isEmpty }
        guard let header = records.first else { throw DatasetError.badRow(manifest: name, row: 0, message: "empty manifest") }
        self.header = header.map { $0.trimmingCharacters(in: .whitespaces) }
        self.rows = Array(records.dropFirst())
    }

    /// Column index by name.
    public func column(_ name: String, manifest: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw DatasetError.missingColumn(manifest: manifest, column: name, available: header)
        }
        return i
    }

    /// One CSV line of `fields` (RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled).
    public static func line(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(",") || f.contains("\"") || f.contains("\n") || f.contains("\r")
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",")
    }
}
