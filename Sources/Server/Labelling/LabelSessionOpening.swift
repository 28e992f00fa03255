import Datasets
import Foundation
import Labelling
import Models

extension LabelSession {
    /// Where a session's crops, guesses and classes come from (`cellphase label`'s options).
    public struct Inputs: Sendable {
        /// The crops: a folder (recursive) or a CSV manifest with a `path` (or `file`) column — also a `predict` or
        /// `suggest` output, whose `predicted`/`p_<class>` columns become the guesses to confirm or correct.
        public var data: URL
        /// A `cellphase suggest` CSV: its crops are shown first, in its order, with its guesses.
        public var suggestions: URL?
        /// The class order (the page's keys 1–9); else the model's, the guesses' `p_` columns or the labels so far.
        public var classes: [String]?
        public var manifest: URL
        public var labeller: String

        public init(data: URL, suggestions: URL? = nil, classes: [String]? = nil, manifest: URL, labeller: String) {
            self.data = data; self.suggestions = suggestions; self.classes = classes; self.manifest = manifest; self.labeller = labeller
        }
    }

    /// Opens a session: reads the crops (unreadable ones listed, not fatal), orders suggested crops first, takes the
    /// guesses of `classifier` (or of the CSVs), and resumes the labels already in the manifest.
    public static func open(_ sources: Inputs, classifier: Classifier? = nil) throws -> LabelSession {
        var pool = try CropPool.load(sources.data)
        var guesses: [String: Guess] = [:], guessClasses: [String] = []
        for csv in [sources.data, sources.suggestions].compactMap({ $0 }) where csv.pathExtension.lowercased() == "csv" {
            let g = try LabelSession.guesses(fromCSV: csv)
            guesses.merge(g.guesses) { _, new in new }
            if guessClasses.isEmpty { guessClasses = g.classes }
        }
        if let s = sources.suggestions {
            let table = try CSVTable(url: s)
            let column = try table.column("path", manifest: s.path)
            let base = s.deletingLastPathComponent()
            pool = pool.putting(first: table.rows.compactMap { row in
                guard row.indices.contains(column) else { return nil }
                let p = row[column].trimmingCharacters(in: .whitespaces)
                return p.hasPrefix("/") ? URL(fileURLWithPath: p) : base.appendingPathComponent(p)
            })
        }
        let labelled = try LabelManifest.read(sources.manifest).classCounts.map(\.label)
        guard let classes = sources.classes ?? classifier?.classes ?? (guessClasses.isEmpty ? nil : guessClasses)
                ?? (labelled.isEmpty ? nil : labelled) else {
            throw LabellingError.invalid("name the classes to label with --classes (e.g. --classes I,P,PM,M,A,T), "
                                         + "or give --model, or a predictions CSV with p_<class> columns")
        }
        let session = try LabelSession(pool: pool, classes: classes, manifest: sources.manifest, labeller: sources.labeller,
                                       guesses: guesses)
        if let classifier { try session.guess(with: classifier) }
        return session
    }
}
