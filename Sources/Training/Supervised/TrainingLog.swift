import Foundation
import Models
import Plot
import Support


/// The per-epoch log file of a training run, as JSON lines (one object per line, the default) or one
/// JSON array. Every `append` rewrites the file atomically (temporary file + rename), so a crash or a
/// concurrent reader never sees half a record. One writer per file.
/// Serves the "JSON log of every epoch" of issue 4 and the recorded curves of the SGAN paper section 5.
public struct TrainingLog: Sendable {
    /// File layout: one JSON object per line (appends stay cheap to read back) or one JSON array.
    public enum Format: String, Sendable, Codable { case jsonLines, jsonArray }

    public let url: URL
    public let format: Format

    public init(url: URL, format: Format = .jsonLines) {
        self.url = url; self.format = format
    }

    /// Appends one record.
    public func append(_ record: EpochRecord) throws {
        try append(contentsOf: [record])
    }

    /// Appends records (existing records are kept).
    public func append(contentsOf records: [EpochRecord]) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let existing: Data = FileManager.default.fileExists(atPath: url.path) ? try readData() : Data()
        var out: Data
        switch format {
        case .jsonLines:
            out = existing
            if let last = out.last, last != UInt8(ascii: "\n") { out.append(UInt8(ascii: "\n")) }
            for r in records { out.append(try e.encode(r)); out.append(UInt8(ascii: "\n")) }
        case .jsonArray:
            let old = existing.isEmpty ? [] : try Self.decode(existing, path: url.path)
            e.outputFormatting = [.sortedKeys, .prettyPrinted]
            out = try e.encode(old + records)
            out.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(out, to: url)
    }

    /// Appends one record of another shape as a JSON line (e.g. an SGAN epoch with its four losses); non-finite
    /// numbers are written as the strings "nan", "inf", "-inf". Needs the JSON-lines format.
    public func append<R: Encodable>(line record: R) throws {
        precondition(format == .jsonLines, "TrainingLog.append(line:) writes JSON lines")
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var out: Data = FileManager.default.fileExists(atPath: url.path) ? try readData() : Data()
        if let last = out.last, last != UInt8(ascii: "\n") { out.append(UInt8(ascii: "\n")) }
        out.append(try e.encode(record)); out.append(UInt8(ascii: "\n"))
        try AtomicFile.write(out, to: url)
    }

    /// All records in the file (either format); an absent file is an empty log.
    public func read() throws -> [EpochRecord] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try Self.decode(readData(), path: url.path)
    }

    private func readData() throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw ReportError.read(path: url.path, reason: "\(error)")
        }
    }

    /// Decodes a JSON array or JSON lines.
    static func decode(_ data: Data, path: String) throws -> [EpochRecord] {
        let d = JSONDecoder()
        let first = data.first { ![UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains($0) }
        do {
            if first == UInt8(ascii: "[") { return try d.decode([EpochRecord].self, from: data) }
            return try data.split(separator: UInt8(ascii: "\n")).filter { !$0.allSatisfy { $0 == 32 || $0 == 13 } }
                .map { try d.decode(EpochRecord.self, from: Data($0)) }
        } catch {
            throw ReportError.read(path: path, reason: "not a training log: \(error)")
        }
    }
}
