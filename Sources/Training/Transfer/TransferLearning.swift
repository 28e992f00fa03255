import Datasets
import Engine
import Foundation
import Imaging
import Models
import NN

/// Why a transfer could not start.
public enum TransferError: Error, Equatable, CustomStringConvertible {
    case notSGANBundle(bundle: String, architecture: String)
    case incompatibleData(bundle: String, reason: String)

    public var description: String {
        switch self {
        case let .notSGANBundle(b, a):
            return "\(b) is a '\(a)' model bundle; transfer learning needs an SGAN discriminator bundle (architecture 'sgan', written by `cellphase sgan train`)"
        case let .incompatibleData(b, r):
            return "the data does not fit the source bundle \(b): \(r)"
        }
    }
}

/// Transfer learning from a trained SGAN discriminator to a new dataset (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 6.3):
/// the source's convolutional backbone under a fresh `TransferClassifier` head, trained in phases that each reuse
/// `SupervisedTrainer` (class-weighted loss, augmentation, early stopping with warm-up, best epoch restored):
///
/// - `.fineTune(layers: n)` (default, n = 2; section 6.3.2): the head with the backbone frozen at `headLearningRate`
///   (Adam 3e-4, section 6.3.3), then the last `n` convolutions and the head at `fineTuneLearningRate` (5e-5),
///   kept only if they beat the head phase on validation;
/// - `.headOnly`: the first phase alone (the frozen feature extractor of section 6.3.3);
/// - `.full`: every layer from the pretrained weights at `headLearningRate` (the DIC retraining, section 6.3.4).
///
/// The backbone runs without its dropout except in `.full` (`TransferClassifier.backboneDropout`).
///
/// `crossValidate` runs the paper's protocol: stratified k-fold (group-aware when samples have groups), each fold
/// the test set once (20 % for k = 5), 20 % of the rest stratified for validation (16 % of all), the remaining 64 %
/// for training, a fresh head per fold.
public struct TransferLearning {
    /// What is trained.
    public enum Mode: Sendable, Hashable, CustomStringConvertible {
        case headOnly
        case fineTune(layers: Int)
        case full

        /// Parses `head`, `fine-tune` (with `layers`), `full`.
        public init?(name: String, layers: Int = 2) {
            switch name.lowercased() {
            case "head", "head-only", "frozen": self = .headOnly
            case "fine-tune", "finetune", "fine_tune": self = .fineTune(layers: layers)
            case "full", "retrain": self = .full
            default: return nil
            }
        }

        public var description: String {
            switch self {
            case .headOnly: "head (backbone frozen)"
            case let .fineTune(n): "fine-tune (head with backbone frozen, then the last \(n) convolutions)"
            case .full: "full (every layer from the pretrained weights)"
            }
        }
    }

    /// Settings of a transfer.
    public struct Options: Sendable {
        public var mode: Mode = .fineTune(layers: 2)
        public var headWidths = TransferClassifier.defaultHead
        /// Epoch budget of the head phase (and of `.full`).
        public var epochs = 60
        /// Epoch budget of the fine-tuning phase.
        public var fineTuneEpochs = 40
        public var headLearningRate: Float = 3e-4
        public var fineTuneLearningRate: Float = 5e-5
        public var batchSize = 32
        public var augmentation: AugmentationSettings? = .paper
        public var balanceClasses = true
        public var monitor: SupervisedTrainer.Monitor = .balancedAccuracy
        /// Applies to each phase; nil trains every planned epoch.
        public var earlyStopping: SupervisedTrainer.EarlyStopping? = .init(patience: 10, warmup: 5)
        public var schedule: SupervisedTrainer.Schedule = .plateau
        /// Share of each fold's non-test images held out for validation (0.2: the paper's 64/16/20).
        public var validationFraction = 0.2
        public var seed: UInt64 = 0
        public init() {}

        /// Trainer settings of one phase.
        func trainer(epochs: Int, learningRate: Float, seed: UInt64) -> SupervisedTrainer.Options {
            var o = SupervisedTrainer.Options()
            o.epochs = epochs; o.batchSize = batchSize; o.learningRate = learningRate
            o.augmentation = augmentation; o.balanceClasses = balanceClasses; o.monitor = monitor
            o.earlyStopping = earlyStopping; o.schedule = schedule; o.seed = seed
            return o
        }
    }

    /// A loaded source: an "sgan" discriminator bundle.
    public struct Source {
        public var model: Module
        public var info: BundleInfo
        public var url: URL
        /// The source's layer widths (its `classes` are the source task's).
        public var config: SGANConfig { SGANConfig(info.model) }

        /// Loads `url` and checks it is an SGAN discriminator bundle.
        public init(bundle url: URL) throws {
            let (model, info) = try ModelBundle.load(from: url)
            guard info.model.architecture == "sgan" else {
                throw TransferError.notSGANBundle(bundle: url.path, architecture: info.model.architecture)
            }
            self.init(model: model, info: info, url: url)
        }

        public init(model: Module, info: BundleInfo, url: URL) {
            self.model = model; self.info = info; self.url = url
        }

        /// Throws unless `data` was prepared with this source's preprocessing.
        public func check(_ data: PreparedDataset) throws {
            guard data.settings == info.preprocessing else {
                throw TransferError.incompatibleData(bundle: url.path, reason: "prepared with \(data.settings.key), the bundle expects \(info.preprocessing.key)")
            }
            guard data.channels == info.model.channels else {
                throw TransferError.incompatibleData(bundle: url.path, reason: "\(data.channels) channels, the bundle expects \(info.model.channels)")
            }
        }
    }

    /// What one transfer (one fold) did.
    public struct Result: Sendable {
        /// Every epoch of every phase, numbered on (the fine-tuning phase continues the head phase's count).
        public var history: [EpochRecord]
        /// Epochs of the head phase (or of `.full`); the rest of `history` is fine-tuning.
        public var headEpochs: Int
        /// 1-based epoch in `history` whose weights were kept.
        public var bestEpoch: Int?
        /// Whether the fine-tuned weights were kept: false when fine-tuning did not beat the head phase's best
        /// validation figure (the head phase's weights are restored then), or when there was no fine-tuning.
        public var fineTuneKept: Bool
        /// Whether early stopping ended a phase before its budget.
        public var stoppedEarly: Bool
        public var seconds: Double
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// A transfer classifier for `classes` new classes: the source's backbone weights (copied by name), a fresh head
    /// He-initialised from `seed`.
    public static func makeModel(from source: Source, classes: Int, headWidths: [Int] = TransferClassifier.defaultHead,
                                 seed: UInt64) throws -> TransferClassifier {
        var config = source.config
        config.classes = classes
        let modelConfig = TransferClassifier.modelConfig(config, headWidths: headWidths)
        guard let model = try ModelRegistry.make(modelConfig, seed: seed) as? TransferClassifier else {
            throw ModelError.invalidConfig("sgan-transfer did not build a TransferClassifier")
        }
        let sourceWeights = Dictionary(source.model.namedParameters().map { ($0.name, $0.parameter.value) },
                                       uniquingKeysWith: { a, _ in a })
        for (name, p) in model.namedParameters() where name.hasPrefix("backbone.") {
            guard let w = sourceWeights[name], w.shape == p.value.shape else {
                throw TransferError.incompatibleData(bundle: source.url.path, reason: "backbone weight \(name) missing or of another shape")
            }
            p.value = w
        }
        return model
    }

    /// Trains `model` (backbone from the source) on `train` rows, validating on `validation`, per `options.mode`.
    /// Leaves every parameter unfrozen afterwards.
    @discardableResult
    public func fit(_ model: TransferClassifier, data: PreparedDataset, train: [Int], validation: [Int],
                    progress: (EpochRecord) -> Void = { _ in }) throws -> Result {
        let start = Date()
        model.backboneDropout = options.mode == .full
        defer { model.unfreeze(); model.backboneDropout = true }
        var history: [EpochRecord] = []
        var bestEpoch: Int?
        var stoppedEarly = false
        func run(epochs: Int, learningRate: Float, seed: UInt64) throws {
            let offset = history.count
            let r = try SupervisedTrainer(options: options.trainer(epochs: epochs, learningRate: learningRate, seed: seed))
                .fit(model, data: data, train: train, validation: validation) { e in
                    var e = e
                    e.epoch += offset
                    progress(e)
                }
            history += r.history.map { var e = $0; e.epoch += offset; return e }
            bestEpoch = r.bestEpoch.map { $0 + offset }
            stoppedEarly = stoppedEarly || r.stoppedEarly
        }
        switch options.mode {
        case .full:
            model.unfreeze()
            try run(epochs: options.epochs, learningRate: options.headLearningRate, seed: options.seed)
            return Result(history: history, headEpochs: history.count, bestEpoch: bestEpoch, fineTuneKept: false,
                          stoppedEarly: stoppedEarly, seconds: Date().timeIntervalSince(start))
        case .headOnly, .fineTune:
            model.backbone.freeze()
            try run(epochs: options.epochs, learningRate: options.headLearningRate, seed: options.seed)
        }
        let headEpochs = history.count
        var fineTuneKept = false
        if case let .fineTune(layers) = options.mode, layers > 0, options.fineTuneEpochs > 0 {
            // The head phase's best weights stay unless fine-tuning beats them on validation.
            let headBest = (score: validationScore(model, data: data, train: train, validation: validation),
                            state: model.parameters.map(\.value), epoch: bestEpoch)
            for (_, conv) in model.convolutions.suffix(layers) { conv.unfreeze() }
            try run(epochs: options.fineTuneEpochs, learningRate: options.fineTuneLearningRate, seed: options.seed &+ 1)
            fineTuneKept = true
            // A tie does not beat: with batch norm recalibrated before validation, even wrecked convolutions can
            // still separate a small validation set perfectly.
            if let before = headBest.score, let after = validationScore(model, data: data, train: train, validation: validation),
               after <= before {
                for (p, v) in Swift.zip(model.parameters, headBest.state) { p.value = v }
                bestEpoch = headBest.epoch
                fineTuneKept = false
            }
        }
        return Result(history: history, headEpochs: headEpochs, bestEpoch: bestEpoch, fineTuneKept: fineTuneKept,
                      stoppedEarly: stoppedEarly, seconds: Date().timeIntervalSince(start))
    }

    /// The monitored validation figure (higher is better), nil without validation rows.
    func validationScore(_ model: Module, data: PreparedDataset, train: [Int], validation: [Int]) -> Double? {
        guard !validation.isEmpty else { return nil }
        let weights = options.balanceClasses
            ? SupervisedTrainer.balancedWeights(train.map { data.labels[$0] }, classes: data.dataset.classes.count) : nil
        let v = SupervisedTrainer.validate(model, data: data, rows: validation, classWeights: weights)
        switch options.monitor {
        case .loss: return -v.loss
        case .accuracy: return v.accuracy
        case .balancedAccuracy: return v.balancedAccuracy
        }
    }

    /// One fold of a transfer cross-validation, with its trained model.
    public struct Fold {
        public var result: Experiment.FoldResult
        public var model: TransferClassifier
        public var headEpochs: Int
        /// See `Result.fineTuneKept`.
        public var fineTuneKept: Bool
        public var stoppedEarly: Bool
    }

    /// The paper's protocol over `folds` (test rows of each fold, e.g. from `Experiment.folds`): per fold, a fresh
    /// model from the source, `fit` on the other folds minus a stratified `validationFraction`, evaluation on the
    /// fold. `foldDone` sees each fold as it finishes.
    public func crossValidate(source: Source, data: PreparedDataset, folds: [(name: String, rows: [Int])],
                              progress: (_ fold: Int, _ epoch: EpochRecord) -> Void = { _, _ in },
                              foldDone: (Fold) throws -> Void = { _ in }) throws
        -> (summary: CrossValidationSummary, folds: [Fold]) {
        try source.check(data)
        let groups = data.dataset.groups.contains { $0 != nil } ? data.dataset.groups : nil
        var out: [Fold] = []
        for (i, split) in Splitter.crossValidation(folds.map(\.rows)).enumerated() {
            let t0 = Date()
            let inner = Splitter.stratified(labels: data.labels, groups: groups, indices: split.train,
                                            train: 1 - options.validationFraction, validation: options.validationFraction,
                                            test: 0, seed: options.seed &+ UInt64(i))
            var o = options
            o.seed = options.seed &+ UInt64(i) &* 1000
            let model = try Self.makeModel(from: source, classes: data.dataset.classes.count,
                                           headWidths: options.headWidths, seed: o.seed)
            let r = try TransferLearning(options: o).fit(model, data: data, train: inner.train, validation: inner.validation) {
                progress(i, $0)
            }
            let (report, plain) = try Experiment.evaluate(model, data: data, rows: split.test)
            var result = Experiment.FoldResult(
                name: folds[i].name, report: report, history: r.history, bestEpoch: r.bestEpoch,
                seconds: 0, trainCount: inner.train.count,
                validationCount: inner.validation.count, testCount: split.test.count)
            try Experiment.measureLevers(model, config: model.modelConfig, data: data, validation: inner.validation,
                                         test: split.test, plain: plain, inferenceLevers: true, into: &result)
            result.seconds = Date().timeIntervalSince(t0)
            let fold = Fold(result: result, model: model, headEpochs: r.headEpochs, fineTuneKept: r.fineTuneKept,
                            stoppedEarly: r.stoppedEarly)
            out.append(fold)
            try foldDone(fold)
        }
        return (try CrossValidationSummary(folds: out.map(\.result.report)), out)
    }

    /// `bundle.json` contents for a fold's model: the source's preprocessing, the transfer's settings and the fold's
    /// test metrics.
    public func bundleInfo(for fold: Fold, source: Source, data: PreparedDataset, provenance: DataProvenance?) -> BundleInfo {
        let r = fold.result
        let training = TrainingSummary(
            epochsRun: r.history.count, bestEpoch: r.bestEpoch, stoppedEarly: fold.stoppedEarly, seconds: r.seconds,
            batchSize: options.batchSize, learningRate: Double(options.headLearningRate), schedule: options.schedule.name,
            monitor: options.monitor.rawValue, trainImages: r.trainCount, validationImages: r.validationCount,
            testImages: r.testCount, initWeights: source.url.path)
        return BundleInfo(model: fold.model.modelConfig, classes: data.dataset.classes, preprocessing: data.settings,
                          augmentation: options.augmentation, data: provenance, seed: options.seed,
                          training: training, testMetrics: r.report, cropFraming: CropFraming.measure(data),
                          calibration: r.calibration)
    }
}
