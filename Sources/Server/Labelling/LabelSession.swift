import Datasets
import Foundation
import Imaging
import Labelling
import Models

/// The state of one labelling session behind `cellphase label`: the crops shown (in suggestion order), the model's
/// guess on each, and the labels given so far — kept in a `LabelManifest` that is rewritten atomically after every
/// label and undo, so that nothing given is lost if the page or the server stops. The loop the SGAN paper starts from
/// (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 3.1.2):
/// few labels, chosen from the unlabelled pool. Thread-safe (one lock around the state).
public final class LabelSession: @unchecked Sendable {
    /// What the model guessed for a crop.
    public struct Guess: Sendable, Hashable, Codable {
        public var predicted: String
        public var confidence: Double
        public var probabilities: [Double]
        public init(predicted: String, confidence: Double, probabilities: [Double]) {
            self.predicted = predicted; self.confidence = confidence; self.probabilities = probabilities
        }
    }

    public let classes: [String]
    public let labeller: String
    public let manifestURL: URL
    /// Crops that could not be read or rows naming missing files, one line each ("path: reason").
    public let problems: [String]
    let files: [URL]
    let images: [Image]
    private let lock = NSLock()
    private var guesses: [Guess?]
    private var manifest: LabelManifest
    private var undoStack: [(path: String, previous: LabelRecord?)] = []
    private var pngCache: [Int: Data] = [:]
    private var retrainings = 0

    /// A session over `pool` (crops in the order to show them). Labels already in `manifest` are loaded (resuming a
    /// session); `guesses` are keyed by the crop's path.
    public init(pool: CropPool, classes: [String], manifest: URL, labeller: String, guesses: [String: Guess] = [:]) throws {
        guard !classes.isEmpty, Set(classes).count == classes.count else {
            throw LabellingError.invalid("the classes to label must be distinct and at least one: \(classes)")
        }
        guard !labeller.isEmpty, !labeller.contains(where: \.isNewline) else {
            throw LabellingError.invalid("the labeller's name must be one line and not empty")
        }
        self.classes = classes
        self.labeller = labeller
        self.manifestURL = manifest
        self.problems = pool.problems
        self.files = pool.files.map(\.standardizedFileURL)
        self.images = pool.images
        self.manifest = try LabelManifest.read(manifest)
        self.guesses = pool.files.map { guesses[$0.standardizedFileURL.path] }
        if let foreign = self.manifest.records.first(where: { !classes.contains($0.label) }) {
            throw LabellingError.invalid("\(manifest.path): '\(foreign.path)' is labelled '\(foreign.label)', "
                                         + "not one of the classes \(classes.joined(separator: ", "))")
        }
    }

    public var count: Int { files.count }

    // MARK: Labels

    /// Labels crop `index` as `label` (one of `classes`) and writes the manifest; if the write fails the label is
    /// not kept and the error names the file.
    @discardableResult
    public func label(_ index: Int, as label: String) throws -> LabelRecord {
        guard files.indices.contains(index) else { throw LabellingError.invalid("no crop \(index) (the session has \(files.count))") }
        guard classes.contains(label) else {
            throw LabellingError.invalid("'\(label)' is not a class here: \(classes.joined(separator: ", "))")
        }
        return try lock.withLock {
            let g = guesses[index]
            let record = LabelRecord(path: files[index].path, label: label, labeller: labeller,
                                     predicted: g?.predicted, confidence: g?.confidence)
            var next = manifest
            let previous = next.set(record)
            try next.write(to: manifestURL)
            manifest = next
            undoStack.append((record.path, previous))
            return record
        }
    }

    /// Takes back the last label given in this session (restoring what the crop had before); returns the crop's
    /// index, or nil when there is nothing to undo.
    public func undo() throws -> Int? {
        try lock.withLock {
            guard let last = undoStack.last else { return nil }
            var next = manifest
            if let previous = last.previous { next.set(previous) } else { next.remove(path: last.path) }
            try next.write(to: manifestURL)
            manifest = next
            undoStack.removeLast()
            return files.firstIndex { $0.path == last.path }
        }
    }

    /// The labels so far.
    public var labels: LabelManifest { lock.withLock { manifest } }

    // MARK: Guesses

    /// The guesses of a classifier for every crop (after a retraining, or from `--model`).
    public func guess(with classifier: Classifier) throws {
        let probabilities = try classifier.probabilities(images)
        let names = classifier.classes
        let next: [Guess?] = probabilities.map { p in
            let best = Classifier.argmax(p)
            return Guess(predicted: names[best], confidence: Double(p[best]), probabilities: p.map(Double.init))
        }
        lock.withLock { guesses = next }
    }

    /// Counts a finished retraining (shown on the page).
    func noteRetrained() { lock.withLock { retrainings += 1 } }

    // MARK: What the page shows

    /// Everything the page draws, as JSON.
    public struct State: Encodable, Sendable {
        public struct Crop: Encodable, Sendable {
            public var index: Int
            public var name: String
            public var path: String
            public var label: String?
            public var predicted: String?
            public var confidence: Double?
        }
        public var classes: [String]
        public var labeller: String
        public var manifest: String
        public var crops: [Crop]
        public var labelled: Int
        public var total: Int
        public var perClass: [String: Int]
        public var problems: [String]
        public var canUndo: Bool
        public var retrainings: Int
        enum CodingKeys: String, CodingKey {
            case classes, labeller, manifest, crops, labelled, total, perClass = "per_class", problems, canUndo = "can_undo", retrainings
        }
    }

    public func state() -> State {
        lock.withLock {
            var byPath: [String: String] = [:]
            for r in manifest.records { byPath[r.path] = r.label }
            let crops = files.indices.map { i in
                State.Crop(index: i, name: files[i].lastPathComponent, path: files[i].path, label: byPath[files[i].path],
                           predicted: guesses[i]?.predicted, confidence: guesses[i]?.confidence)
            }
            var perClass = Dictionary(uniqueKeysWithValues: classes.map { ($0, 0) })
            for c in crops { if let l = c.label { perClass[l, default: 0] += 1 } }
            return State(classes: classes, labeller: labeller, manifest: manifestURL.path, crops: crops,
                         labelled: crops.filter { $0.label != nil }.count, total: crops.count, perClass: perClass,
                         problems: problems, canUndo: !undoStack.isEmpty, retrainings: retrainings)
        }
    }

    /// Crop `index` as an 8-bit PNG stretched to its own range (the page scales it and sets the contrast).
    public func png(_ index: Int) throws -> Data? {
        guard images.indices.contains(index) else { return nil }
        if let d = lock.withLock({ pngCache[index] }) { return d }
        let img = images[index]
        let side = min(256, max(16, max(img.width, img.height)))
        let data = try PNGCodec.encode(ContactSheet.render(rows: [[img]], tile: side, gap: 0), name: files[index].path)
        lock.withLock { pngCache[index] = data }
        return data
    }

    // MARK: Guesses from files

    /// Guesses from a CSV that `cellphase suggest` or `cellphase predict` wrote (`path`, `predicted`, `confidence`,
    /// `p_<class>` columns), keyed by absolute path; relative paths are resolved against the CSV's folder. Rows
    /// without a prediction are skipped; a malformed number is an error naming the file and row.
    public static func guesses(fromCSV url: URL) throws -> (guesses: [String: Guess], classes: [String]) {
        let table = try CSVTable(url: url)
        guard let pathColumn = table.header.firstIndex(of: "path"), let predictedColumn = table.header.firstIndex(of: "predicted") else {
            return ([:], [])
        }
        let confidenceColumn = table.header.firstIndex(of: "confidence")
        let pColumns = table.header.enumerated().filter { $0.element.hasPrefix("p_") }
        let classes = pColumns.map { String($0.element.dropFirst(2)) }
        let base = url.deletingLastPathComponent()
        var out: [String: Guess] = [:]
        for (i, row) in table.rows.enumerated() where row.count == table.header.count {
            let predicted = row[predictedColumn].trimmingCharacters(in: .whitespaces)
            guard !predicted.isEmpty else { continue }
            func number(_ c: Int) throws -> Double {
                guard let v = Double(row[c].trimmingCharacters(in: .whitespaces)), v.isFinite, (0...1).contains(v) else {
                    throw LabellingError.invalid("\(url.path): row \(i + 1): '\(table.header[c])' is '\(row[c])', not a number in 0…1")
                }
                return v
            }
            let probabilities = try pColumns.map { try number($0.offset) }
            let confidence = try confidenceColumn.map { try number($0) } ?? probabilities.max() ?? 0
            let p = row[pathColumn].trimmingCharacters(in: .whitespaces)
            let file = p.hasPrefix("/") ? URL(fileURLWithPath: p) : base.appendingPathComponent(p)
            out[file.standardizedFileURL.path] = Guess(predicted: predicted, confidence: confidence, probabilities: probabilities)
        }
        return (out, classes)
    }
}
