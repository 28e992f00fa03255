import Datasets
import Foundation
import Support

/// One crop's label as a labeller gave it: who, when, and what the model had guessed (to find where people and
/// model disagree, and to turn confirmed predictions into training labels).
public struct LabelRecord: Sendable, Hashable, Codable {
    public var path: String
    public var label: String
    public var labeller: String
    /// ISO 8601, UTC.
    public var time: String
    public var predicted: String?
    public var confidence: Double?

    public init(path: String, label: String, labeller: String, time: String = LabelRecord.now(),
                predicted: String? = nil, confidence: Double? = nil) {
        self.path = path; self.label = label; self.labeller = labeller; self.time = time
        self.predicted = predicted; self.confidence = confidence
    }

    /// The current time as the manifest writes it.
    public static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }
}

/// The labels of a labelling session (`cellphase label`, `cellphase labels merge`): a CSV manifest
/// `path,label,labeller,time,predicted,confidence` with one row per crop, read by every command that takes a
/// manifest (`--data labels.csv`). It starts the loop of the SGAN paper (*Semi supervised GAN for smart microscopy,
/// fast and data efficient cell cycle classification*, section 3.1.2: few labels chosen from an analysed pool).
public struct LabelManifest: Sendable, Hashable {
    public static let header = ["path", "label", "labeller", "time", "predicted", "confidence"]

    /// One record per path, in the order the crops were first labelled.
    public private(set) var records: [LabelRecord] = []

    public init(records: [LabelRecord] = []) {
        for r in records { set(r) }
    }

    public var count: Int { records.count }

    public func record(for path: String) -> LabelRecord? { records.first { $0.path == path } }

    /// Sets a crop's label (replacing an earlier one); returns the record it replaced.
    @discardableResult
    public mutating func set(_ record: LabelRecord) -> LabelRecord? {
        if let i = records.firstIndex(where: { $0.path == record.path }) {
            let old = records[i]
            records[i] = record
            return old
        }
        records.append(record)
        return nil
    }

    /// Removes a crop's label; returns it.
    @discardableResult
    public mutating func remove(path: String) -> LabelRecord? {
        guard let i = records.firstIndex(where: { $0.path == path }) else { return nil }
        return records.remove(at: i)
    }

    /// Labels per class, in first-seen order of the classes.
    public var classCounts: [(label: String, count: Int)] {
        var order: [String] = [], counts: [String: Int] = [:]
        for r in records {
            if counts[r.label] == nil { order.append(r.label) }
            counts[r.label, default: 0] += 1
        }
        return order.map { ($0, counts[$0]!) }
    }

    // MARK: Files

    /// Reads a manifest; a missing file is an empty manifest (a session that has not started). A row with an empty
    /// path or label, or a bad confidence, is an error naming the file and the row: labels are never dropped silently.
    public static func read(_ url: URL) throws -> LabelManifest {
        guard FileManager.default.fileExists(atPath: url.path) else { return LabelManifest() }
        let table = try CSVTable(url: url)
        let name = url.path
        let path = try table.column("path", manifest: name), label = try table.column("label", manifest: name)
        let optional = { (c: String) in table.header.firstIndex(of: c) }
        let labeller = optional("labeller"), time = optional("time"), predicted = optional("predicted"), confidence = optional("confidence")
        var m = LabelManifest()
        for (i, row) in table.rows.enumerated() {
            func field(_ c: Int?) -> String? {
                guard let c, c < row.count else { return nil }
                let v = row[c].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            guard let p = field(path), let l = field(label) else {
                throw LabellingError.invalid("\(name): row \(i + 1) has no path or no label")
            }
            var c: Double?
            if let s = field(confidence) {
                guard let v = Double(s), v.isFinite, (0...1).contains(v) else {
                    throw LabellingError.invalid("\(name): row \(i + 1): confidence '\(s)' is not a number in 0…1")
                }
                c = v
            }
            m.set(LabelRecord(path: p, label: l, labeller: field(labeller) ?? "", time: field(time) ?? "",
                              predicted: field(predicted), confidence: c))
        }
        return m
    }

    /// The manifest as CSV text.
    public var csv: String {
        var lines = [CSVTable.line(Self.header)]
        for r in records {
            lines.append(CSVTable.line([r.path, r.label, r.labeller, r.time, r.predicted ?? "",
                                        r.confidence.map { String(format: "%.4f", $0) } ?? ""]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the whole manifest atomically: a reader (or a crash) sees the old file or the new one, never half.
    public func write(to url: URL) throws {
        try AtomicFile.write(csv, to: url)
    }

    // MARK: Merging

    /// A crop two labellers labelled differently.
    public struct Disagreement: Sendable, Hashable {
        public var path: String
        public var first: LabelRecord
        public var second: LabelRecord
    }

    /// What `merge` does with a crop the two manifests label differently.
    public enum ConflictPolicy: String, Sendable, CaseIterable {
        /// Leave it out of the merged manifest (neither label is trusted).
        case drop
        /// Keep the first manifest's label.
        case first
        /// Keep the label given last (by `time`).
        case latest
    }

    /// Merges a second labeller's manifest into this one: crops labelled alike or by only one labeller are kept
    /// (the first manifest's record when both agree), conflicts are reported and resolved by `policy`.
    public func merged(with other: LabelManifest, policy: ConflictPolicy = .drop) -> (manifest: LabelManifest, disagreements: [Disagreement]) {
        var out = self
        var disagreements: [Disagreement] = []
        for b in other.records {
            guard let a = record(for: b.path) else { out.set(b); continue }
            guard a.label != b.label else { continue }
            disagreements.append(Disagreement(path: b.path, first: a, second: b))
            switch policy {
            case .drop: out.remove(path: b.path)
            case .first: break
            case .latest: if b.time > a.time { out.set(b) }
            }
        }
        return (out, disagreements)
    }
}
