import Datasets
import Foundation
import Imaging

/// The cellphase version written into bundles.
public enum CellphaseVersion {
    public static let current = "0.5.0"
}

/// Where a model's training data came from.
public struct DataProvenance: Sendable, Codable, Hashable {
    /// The data root as given (absolute path).
    public var root: String
    public var layout: String
    public var images: Int
    public var classCounts: [String: Int]
    /// SHA-256 over the preprocessing settings and every file's content (`TensorCache.key`); nil if not computed.
    public var fingerprint: String?
    /// Class order, groups and drops applied to the folder's classes.
    public var mapping: ClassMapping?

    enum CodingKeys: String, CodingKey {
        case root, layout, images, classCounts = "class_counts", fingerprint, mapping
    }

    public init(root: String, layout: String, images: Int, classCounts: [String: Int], fingerprint: String?, mapping: ClassMapping?) {
        self.root = root; self.layout = layout; self.images = images; self.classCounts = classCounts
        self.fingerprint = fingerprint; self.mapping = mapping
    }

    /// Provenance of a prepared dataset (the fingerprint hashes every file once).
    public static func of(_ data: PreparedDataset, root: URL, mapping: ClassMapping?, fingerprint: Bool = true) -> DataProvenance {
        DataProvenance(root: root.standardizedFileURL.path, layout: data.dataset.layout, images: data.count,
                       classCounts: data.dataset.classCounts,
                       fingerprint: fingerprint ? try? TensorCache.key(for: data.dataset, settings: data.settings) : nil,
                       mapping: mapping)
    }
}

/// How a bundled model was trained.
public struct TrainingSummary: Sendable, Codable, Hashable {
    public var epochsRun: Int
    public var bestEpoch: Int?
    public var stoppedEarly: Bool
    public var seconds: Double
    public var batchSize: Int
    public var learningRate: Double
    public var schedule: String
    public var monitor: String
    public var trainImages: Int
    public var validationImages: Int
    public var testImages: Int
    /// The `--init` weights file, if any.
    public var initWeights: String?

    enum CodingKeys: String, CodingKey {
        case epochsRun = "epochs_run", bestEpoch = "best_epoch", stoppedEarly = "stopped_early", seconds
        case batchSize = "batch_size", learningRate = "learning_rate", schedule, monitor
        case trainImages = "train_images", validationImages = "validation_images", testImages = "test_images"
        case initWeights = "init_weights"
    }

    public init(epochsRun: Int, bestEpoch: Int?, stoppedEarly: Bool, seconds: Double, batchSize: Int, learningRate: Double,
                schedule: String, monitor: String, trainImages: Int, validationImages: Int, testImages: Int, initWeights: String?) {
        self.epochsRun = epochsRun; self.bestEpoch = bestEpoch; self.stoppedEarly = stoppedEarly; self.seconds = seconds
        self.batchSize = batchSize; self.learningRate = learningRate; self.schedule = schedule; self.monitor = monitor
        self.trainImages = trainImages; self.validationImages = validationImages; self.testImages = testImages
        self.initWeights = initWeights
    }
}

/// The contents of `bundle.json`: everything needed to rebuild, feed and judge a trained model.
public struct BundleInfo: Sendable, Codable, Hashable {
    /// Layout version of the bundle; loaders refuse versions newer than `BundleInfo.formatVersion`.
    public var format: Int
    public var cellphaseVersion: String
    public var created: String
    /// Architecture name, input side, channels, class count and options. The input side is stored once, as
    /// `preprocessing.side`; `bundle.json`'s "model" object holds the rest (`stored`).
    public var model: ModelConfig {
        get {
            ModelConfig(architecture: stored.architecture, inputSide: stored.inputSide ?? preprocessing.side,
                        channels: stored.channels, classes: stored.classes, options: stored.options)
        }
        set {
            stored = StoredModel(architecture: newValue.architecture, inputSide: nil, channels: newValue.channels,
                                 classes: newValue.classes, options: newValue.options)
            preprocessing.side = newValue.inputSide
        }
    }
    /// "model" as written: bundles before 0.5 also held `input_side` (kept so that `ModelBundle.info` refuses one
    /// whose two copies disagree).
    var stored: StoredModel
    /// Class names, index = output unit.
    public var classes: [String]
    /// Decode → combine channels → normalise → square resize, exactly as in training.
    public var preprocessing: PreprocessSettings
    /// Augmentation used in training (nil: none).
    public var augmentation: AugmentationSettings?
    public var data: DataProvenance?
    public var seed: UInt64
    public var training: TrainingSummary?
    /// Metrics on the held-out test rows, if any.
    public var testMetrics: EvaluationReport?
    public var parameterCount: Int
    /// SHA-256 of `model.safetensors`, checked on load.
    public var weightsSHA256: String
    /// How the training crops framed their nucleus (nil in bundles written before it was recorded).
    public var cropFraming: CropFraming?
    /// The temperature fit on the validation split (nil: none fit; probabilities are the model's own).
    public var calibration: Calibration?

    public static let formatVersion = 1

    enum CodingKeys: String, CodingKey {
        case format, cellphaseVersion = "cellphase_version", created, stored = "model", classes, preprocessing, augmentation
        case data, seed, training, testMetrics = "test_metrics", parameterCount = "parameter_count"
        case weightsSHA256 = "weights_sha256", cropFraming = "crop_framing", calibration
    }

    public init(model: ModelConfig, classes: [String], preprocessing: PreprocessSettings,
                augmentation: AugmentationSettings?, data: DataProvenance?, seed: UInt64,
                training: TrainingSummary? = nil, testMetrics: EvaluationReport? = nil, cropFraming: CropFraming? = nil,
                calibration: Calibration? = nil) {
        self.format = Self.formatVersion
        self.cellphaseVersion = CellphaseVersion.current
        self.created = ISO8601DateFormatter().string(from: Date())
        // A side that disagrees with the preprocessing is kept, so that loading refuses the bundle.
        self.stored = StoredModel(architecture: model.architecture, inputSide: model.inputSide == preprocessing.side ? nil : model.inputSide,
                                  channels: model.channels, classes: model.classes, options: model.options)
        self.classes = classes; self.preprocessing = preprocessing
        self.augmentation = augmentation; self.data = data; self.seed = seed
        self.training = training; self.testMetrics = testMetrics
        self.parameterCount = 0; self.weightsSHA256 = ""
        self.cropFraming = cropFraming
        self.calibration = calibration
    }

    /// `bundle.json`'s "model" object: the `ModelConfig` without the input side (that is `preprocessing.side`).
    struct StoredModel: Codable, Sendable, Hashable {
        var architecture: String
        var inputSide: Int?
        var channels: Int
        var classes: Int
        var options: [String: String]
        enum CodingKeys: String, CodingKey { case architecture, inputSide = "input_side", channels, classes, options }
    }

    // Decoding `EvaluationReport` back (its synthesised init would need `CodingKeys` it keeps private): decode
    // leniently, keeping the raw metrics optional.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(Int.self, forKey: .format)
        cellphaseVersion = try c.decode(String.self, forKey: .cellphaseVersion)
        created = try c.decodeIfPresent(String.self, forKey: .created) ?? ""
        stored = try c.decode(StoredModel.self, forKey: .stored)
        classes = try c.decode([String].self, forKey: .classes)
        preprocessing = try c.decode(PreprocessSettings.self, forKey: .preprocessing)
        augmentation = try c.decodeIfPresent(AugmentationSettings.self, forKey: .augmentation)
        data = try c.decodeIfPresent(DataProvenance.self, forKey: .data)
        seed = try c.decode(UInt64.self, forKey: .seed)
        training = try c.decodeIfPresent(TrainingSummary.self, forKey: .training)
        testMetrics = try? c.decodeIfPresent(EvaluationReport.self, forKey: .testMetrics)
        parameterCount = try c.decode(Int.self, forKey: .parameterCount)
        weightsSHA256 = try c.decode(String.self, forKey: .weightsSHA256)
        cropFraming = try c.decodeIfPresent(CropFraming.self, forKey: .cropFraming)
        calibration = try c.decodeIfPresent(Calibration.self, forKey: .calibration)
    }
}
