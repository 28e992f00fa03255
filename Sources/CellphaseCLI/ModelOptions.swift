import ArgumentParser
import Datasets
import Foundation
import Imaging
import Models
import Training

/// Progress and notes go to stderr, so stdout holds only results (one JSON object with `--json`).
enum Console {
    static func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    /// One line per epoch: loss, accuracy, validation figures, learning rate, time.
    static func epochLine(_ e: EpochRecord, of total: Int, prefix: String = "") -> String {
        var s = String(format: "%@epoch %3d/%d  loss %.4f  acc %5.1f %%", prefix, e.epoch, total, e.trainLoss, 100 * e.trainAccuracy)
        if let vl = e.valLoss, let va = e.valAccuracy { s += String(format: "  val_loss %.4f  val_acc %5.1f %%", vl, 100 * va) }
        s += String(format: "  lr %.1e  %.1f s", e.learningRate, e.seconds)
        return s
    }

    /// Pretty JSON of an encodable value, sorted keys.
    static func json<T: Encodable>(_ v: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    /// Pretty JSON of a JSON-compatible dictionary, sorted keys.
    static func json(object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
               as: UTF8.self)
    }

    /// An encodable value as a JSON dictionary (to add keys).
    static func dictionary<T: Encodable>(_ v: T) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(v)) as? [String: Any] ?? [:]
    }
}

/// `--data ROOT` and the class mapping, shared by train, evaluate and cv.
struct DataOptions: ParsableArguments {
    @Option(help: "Dataset folder: ROOT/<class>/* or ROOT/<fold>/<class>/* (TIFF or PNG crops), or a CSV manifest.") var data: String
    @Option(help: "Explicit class order, comma-separated.") var classes: String?
    @Option(parsing: .singleValue, help: "Merge classes: name=A,B,C (repeatable), e.g. mitosis=P,PM,M,A,T.") var group: [String] = []
    @Option(help: "Classes to drop, comma-separated (e.g. J).") var drop: String?
    @Option(help: "Unreadable images: skip (report and continue) or stop.") var onError: String = "skip"

    var root: URL { URL(fileURLWithPath: data).standardizedFileURL }
    var hasMapping: Bool { classes != nil || !group.isEmpty || drop != nil }

    func mapping() throws -> ClassMapping { try ClassMapping(classes: classes, groupSpecs: group, drop: drop) }

    func policy() throws -> ErrorPolicy {
        guard let p = ErrorPolicy(rawValue: onError) else { throw ValidationError("--on-error must be skip or stop") }
        return p
    }

    /// Loads and prepares the data (every image decoded once, on all cores).
    /// `extraUnlabelled`: a folder of unlabelled crops appended after the labelled rows (label -1).
    /// `preprocess`: the user's `--resize` / `--intensity` applied to `settings` (a dataset intensity range is fitted
    /// here, on every listed image, labels unused).
    func prepare(settings: PreprocessSettings, preprocess: PreprocessOptions? = nil, mapping: ClassMapping? = nil,
                 extraUnlabelled: URL? = nil) throws -> PreparedDataset {
        var ds = try load(mapping: try mapping ?? self.mapping())
        var settings = try preprocess?.settings(settings) ?? settings
        if let extraUnlabelled {
            let pool = try FolderLayout.unlabelledPool(extraUnlabelled.standardizedFileURL)
            ds = Dataset(classes: ds.classes, samples: ds.samples + pool.samples, labels: ds.labels + pool.labels,
                         problems: ds.problems + pool.problems, layout: ds.layout)
            Console.note("unlabelled: \(pool.count) images from \(extraUnlabelled.path)")
        }
        if preprocess?.fitsDatasetRange == true {
            settings = settings.fittingDatasetRange(of: ds)
            if case let .fixed(lo, hi, _) = settings.normalization {
                Console.note("intensity: one range for all crops, raw \(lo)…\(hi) (1st–99.8th percentiles of \(ds.count) crops pooled)")
            }
        }
        let data = try PreparedDataset.prepare(ds, settings: settings, onError: try policy())
        for p in data.problems { Console.note("skipped \(p.file): \(p.message)") }
        let counts = data.dataset.classes.map { "\($0) \(data.dataset.classCounts[$0] ?? 0)" }.joined(separator: ", ")
        Console.note("data: \(data.count) images of \(data.side)×\(data.side) px, \(data.dataset.classes.count) classes (\(counts))"
                     + (data.dataset.folds.isEmpty ? "" : ", folds \(data.dataset.folds.joined(separator: " "))"))
        return data
    }
}

/// Training settings shared by train and cv.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Input side in pixels (square; ≥ 32).") var size: Int = 64
    @Option(help: "Maximum epochs (default: the architecture's: 50; lowdepth 150).") var epochs: Int?
    @Option(help: "Mini-batch size.") var batchSize: Int = 32
    @Option(help: "Adam learning rate (default: the architecture's: 1e-3; lowdepth 5e-4).") var lr: Float?
    @Option(help: "Learning-rate schedule: plateau, cosine or constant (default: the architecture's: plateau; lowdepth constant).")
    var schedule: String?
    @Option(help: "Validation figure for early stopping and the best epoch: balanced-accuracy, accuracy or loss.")
    var monitor: String = "balanced-accuracy"
    @Option(help: "Early stopping: epochs without improvement before stopping (0: never stop early; default: the architecture's: 10; lowdepth 40).")
    var patience: Int?
    @Option(help: "Early stopping never fires before this many epochs (BN nets sit at chance at first).") var warmup: Int = 15
    @Option(help: "Share of the training images held out for validation.") var validationFraction: Double = 0.15
    @Flag(help: "Train without on-the-fly augmentation.") var noAugment = false
    @Flag(help: "Do not weight classes by inverse frequency.") var noClassWeights = false
    @Option(help: "Initial weights: a safetensors file with torchvision names (first conv summed over RGB).") var `init`: String?
    @Option(help: "Random seed (same seed, same result).") var seed: UInt64 = 1
    @Option(help: """
        Before each validation, recompute batch-norm statistics over this many training images (unaugmented, \
        dropout off); 0 keeps the running averages.
        """)
    var bnCalibration: Int = 512

    func validate() throws {
        guard bnCalibration >= 0 else { throw ValidationError("--bn-calibration must be ≥ 0") }
        guard size >= 32 else { throw ValidationError("--size must be at least 32 px") }
        guard (epochs ?? 1) >= 1, batchSize >= 2 else { throw ValidationError("--epochs must be ≥ 1 and --batch-size ≥ 2") }
        guard schedule.map({ SupervisedTrainer.Schedule(name: $0) != nil }) ?? true else {
            throw ValidationError("--schedule must be plateau, cosine or constant")
        }
        guard SupervisedTrainer.Monitor(rawValue: monitor) != nil else {
            throw ValidationError("--monitor must be balanced-accuracy, accuracy or loss")
        }
        guard validationFraction > 0, validationFraction < 0.5 else { throw ValidationError("--validation-fraction must be in (0, 0.5)") }
    }

    var initURL: URL? { self.`init`.map { URL(fileURLWithPath: $0) } }

    /// The architecture's recipe with what the user gave on top.
    func recipe(for architecture: String) -> Recipe {
        var r = Recipe.default(for: architecture)
        if let epochs { r.epochs = epochs }
        if let lr { r.learningRate = lr }
        if let schedule, let parsed = SupervisedTrainer.Schedule(name: schedule) { r.schedule = parsed }
        if let patience { r.patience = patience }
        return r
    }

    func trainerOptions(for architecture: String, log: TrainingLog?) -> SupervisedTrainer.Options {
        let r = recipe(for: architecture)
        var o = SupervisedTrainer.Options()
        o.epochs = r.epochs
        o.batchSize = batchSize
        o.learningRate = r.learningRate
        o.schedule = r.schedule
        o.monitor = SupervisedTrainer.Monitor(rawValue: monitor) ?? .balancedAccuracy
        o.earlyStopping = r.patience > 0 ? .init(patience: r.patience, warmup: warmup) : nil
        o.augmentation = noAugment ? nil : .paper
        o.balanceClasses = !noClassWeights
        o.log = log
        o.seed = seed
        o.batchNormCalibrationImages = bnCalibration
        return o
    }

    func settingsRows(for architectures: [String]) -> [(String, String)] {
        let recipes = architectures.map { ($0, recipe(for: $0)) }
        func each(_ f: (Recipe) -> String) -> String {
            let values = recipes.map { f($0.1) }
            return Set(values).count <= 1 ? values.first ?? "" : zip(recipes, values).map { "\($0.0): \($1)" }.joined(separator: "; ")
        }
        return [("input", "\(size)×\(size) px, 1st–99.8th percentile → [0, 1]"), ("epochs (max)", each { "\($0.epochs)" }),
         ("batch size", "\(batchSize)"), ("optimiser", each { "Adam, learning rate \($0.learningRate)" }), ("schedule", each(\.schedule.name)),
         ("early stopping", each { $0.patience > 0 ? "on \(monitor), patience \($0.patience), warm-up \(warmup) epochs" : "off" }),
         ("class weights", noClassWeights ? "none" : "balanced (when counts differ)"),
         ("augmentation", noAugment ? "none" : "rotation ±30°, flips, shift 10 %, zoom 0.9–1.1, brightness 1.0–1.3"),
         ("batch-norm statistics", bnCalibration > 0 ? "recomputed over \(bnCalibration) training images before each validation" : "running averages"),
         ("initial weights", self.`init` ?? "He initialisation"), ("seed", "\(seed)")]
    }
}
