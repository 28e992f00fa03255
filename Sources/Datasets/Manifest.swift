import Foundation

/// Which manifest columns mean what. The default is the plain `path,label[,group][,channel2…]`
/// form; any other CSV (e.g. mdck-h2b-tiny's `labels.csv`: path `file`, label `label`, group from
/// `annotation_session`) is read by naming its columns.
public struct ManifestColumns: Sendable, Hashable, Codable {
    public var path: String
    /// nil: unlabelled manifest.
    public var label: String?
    /// Columns whose values, joined, identify a group (empty: no groups).
    public var group: [String]
    /// Further files of the same sample (extra channels), in order.
    public var channels: [String]
    /// Build groups by linking positions over frames instead (overrides `group`).
    public var track: TrackLinking?

    public init(path: String = "path", label: String? = "label", group: [String] = [], channels: [String] = [],
                track: TrackLinking? = nil) {
        self.path = path; self.label = label; self.group = group; self.channels = channels; self.track = track
    }

    /// mdck-h2b-tiny's `labels.csv`: path `file`, label `label`, groups = tracks linked from frame/y/x.
    public static let mdck = ManifestColumns(path: "file", label: "label", track: TrackLinking())

    /// Columns of a labelling session's manifest (`cellphase label`: `path,label,labeller,time,predicted,confidence`)
    /// that describe a label rather than name a file.
    public static let labelNotes: Set<String> = ["labeller", "time", "predicted", "confidence"]

    /// `path,label[,group][,channel2…]`: uses `group` when the header has it and every column
    /// after the known ones (and a labelling session's notes, `labelNotes`) as extra channels.
    public static func standard(for header: [String]) -> ManifestColumns {
        let known: Set<String> = Set(["path", "label", "group"]).union(labelNotes)
        return ManifestColumns(group: header.contains("group") ? ["group"] : [],
                               channels: header.filter { !known.contains($0) })
    }
}

/// Loads a CSV manifest; relative paths are resolved against `base` (default: the manifest's folder).
public enum Manifest {
    public static func load(_ url: URL, columns: ManifestColumns? = nil, base: URL? = nil,
                            mapping: ClassMapping = .identity, onError: ErrorPolicy = .stop) throws -> Dataset {
        try dataset(CSVTable(url: url), name: url.path, columns: columns, base: base ?? url.deletingLastPathComponent(),
                    mapping: mapping, onError: onError)
    }

    /// The dataset a parsed manifest describes: `name` names it in errors, relative paths are under `base`.
    public static func dataset(_ table: CSVTable, name: String, columns: ManifestColumns? = nil, base: URL,
                               mapping: ClassMapping = .identity, onError: ErrorPolicy = .stop) throws -> Dataset {
        let cols = columns ?? .standard(for: table.header)
        let pathIndex = try table.column(cols.path, manifest: name)
        let labelIndex = try cols.label.map { try table.column($0, manifest: name) }
        let groupIndexes = try cols.group.map { try table.column($0, manifest: name) }
        let channelIndexes = try cols.channels.map { try table.column($0, manifest: name) }
        let trackIndexes = try cols.track.map { t in try [t.frame, t.y, t.x].map { try table.column($0, manifest: name) } } ?? []
        var points: [(frame: Double, y: Double, x: Double)] = []
        let baseURL = base
        var log = ProblemLog(onError)
        var raw: [Sample] = []
        rows: for (i, row) in table.rows.enumerated() {
            let rowNumber = i + 1
            let needed = ([pathIndex] + (labelIndex.map { [$0] } ?? []) + groupIndexes + channelIndexes + trackIndexes).max()!
            guard row.count > needed else {
                try log.report(.badRow(manifest: name, row: rowNumber, message: "has \(row.count) fields, expected \(table.header.count)"))
                continue
            }
            var files: [URL] = []
            for c in [pathIndex] + channelIndexes {
                let p = row[c].trimmingCharacters(in: .whitespaces)
                guard !p.isEmpty else {
                    try log.report(.badRow(manifest: name, row: rowNumber, message: "empty '\(table.header[c])'")); continue rows
                }
                let file = p.hasPrefix("/") ? URL(fileURLWithPath: p) : baseURL.appendingPathComponent(p)
                guard FileManager.default.fileExists(atPath: file.path) else {
                    try log.report(.missingFile(manifest: name, row: rowNumber, file: file.path)); continue rows
                }
                files.append(file)
            }
            var label: String? = nil
            if let li = labelIndex {
                label = row[li].trimmingCharacters(in: .whitespaces)
                if label!.isEmpty { try log.report(.badRow(manifest: name, row: rowNumber, message: "empty label")); continue }
            }
            if !trackIndexes.isEmpty {
                let v = trackIndexes.map { Double(row[$0].trimmingCharacters(in: .whitespaces)) }
                guard let f = v[0], let y = v[1], let x = v[2] else {
                    try log.report(.badRow(manifest: name, row: rowNumber, message: "frame/y/x are not numbers")); continue
                }
                points.append((f, y, x))
            }
            let group = groupIndexes.isEmpty ? nil : groupIndexes.map { row[$0] }.joined(separator: "|")
            raw.append(Sample(files: files, rawLabel: label, group: group, row: rowNumber))
        }
        guard !raw.isEmpty else { throw DatasetError.noImages(folder: name) }
        if let track = cols.track {
            for (i, id) in track.link(points).enumerated() { raw[i].group = "track\(id)" }
        }
        if labelIndex == nil {
            return Dataset(classes: [], samples: raw, labels: raw.map { _ in -1 }, problems: log.problems, layout: "manifest")
        }
        return try FolderLayout.label(raw, mapping: mapping, problems: log.problems, layout: "manifest")
    }
}
