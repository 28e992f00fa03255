import Datasets
import Engine
import Foundation
import Imaging
import Models
import NN

/// The pieces `cellphase train`, `evaluate` and `cv` share: build a named model for a prepared dataset, train
/// it, evaluate it on held-out rows, and cross-validate over stratified k folds or the dataset's own folds.
public enum Experiment {
    /// Preprocessing for the supervised models: `side` px, per-image 1st–99.8th percentile normalisation to [0, 1]
    /// (the first paper's "[0, 1]" of section 2.3.1, robust to hot pixels), keep-aspect resize.
    public static func preprocessing(side: Int) -> PreprocessSettings {
        PreprocessSettings(side: side, normalization: .robustUnit)
    }

    /// The model configuration for `architecture` on `data`.
    public static func config(architecture: String, data: PreparedDataset) throws -> ModelConfig {
        let e = try ModelRegistry.entry(architecture)
        return ModelConfig(architecture: e.name, inputSide: data.side, channels: data.channels, classes: data.dataset.classes.count)
    }

    /// Builds the model (He init from `seed`, or `initWeights` by name) and trains it.
    public static func train(_ config: ModelConfig, data: PreparedDataset, train: [Int], validation: [Int],
                             options: SupervisedTrainer.Options, initWeights: URL? = nil,
                             progress: (EpochRecord) -> Void = { _ in }) throws -> (model: Module, result: SupervisedTrainer.Result) {
        let model = try ModelRegistry.make(config, seed: options.seed)
        if let initWeights { try ModelRegistry.loadPretrained(initWeights, into: model, config: config) }
        let result = try SupervisedTrainer(options: options).fit(model, data: data, train: train, validation: validation,
                                                                 progress: progress)
        return (model, result)
    }

    /// Metrics of `model` on `rows` (probabilities kept for ROC curves).
    public static func evaluate(_ model: Module, data: PreparedDataset, rows: [Int], classes: [String]? = nil) throws
        -> (report: EvaluationReport, probabilities: [[Float]]) {
        let probs = SupervisedTrainer.predict(model, data: data, rows: rows)
        let k = probs.shape[1]
        let flat = probs.scalars
        let rowsP = (0..<rows.count).map { Array(flat[$0 * k ..< ($0 + 1) * k]) }
        let report = try EvaluationReport(truth: rows.map { data.labels[$0] }, probabilities: rowsP,
                                          classes: classes ?? data.dataset.classes)
        return (report, rowsP)
    }

    /// One fold of a cross-validation.
    public struct FoldResult: Sendable {
        public var name: String
        public var report: EvaluationReport
        public var history: [EpochRecord]
        public var bestEpoch: Int?
        public var seconds: Double
        public var trainCount: Int, validationCount: Int, testCount: Int
    }

    /// The test folds to use: the dataset's own folds when it has them (and `k` is nil or equals their number),
    /// otherwise stratified k-fold (group-aware when samples have groups).
    public static func folds(for data: PreparedDataset, k: Int?, seed: UInt64) -> [(name: String, rows: [Int])] {
        folds(for: data.dataset, k: k, seed: seed)
    }

    /// The test folds of a dataset (see the `PreparedDataset` form).
    public static func folds(for dataset: Dataset, k: Int?, seed: UInt64) -> [(name: String, rows: [Int])] {
        let own = Splitter.authorsFolds(dataset)
        if own.count >= 2, k == nil || k == own.count { return own.map { ($0.name, $0.indices) } }
        let kk = k ?? 5
        let groups = dataset.groups
        return Splitter.kFold(labels: dataset.labels, groups: groups.contains { $0 != nil } ? groups : nil, k: kk, seed: seed)
            .enumerated().map { ("fold\($0.offset + 1)", $0.element) }
    }

    /// Cross-validates: each fold is the test set once; the others, minus a stratified `validationFraction`
    /// for early stopping and the best-epoch checkpoint, train a fresh model.
    public static func crossValidate(architecture: String, data: PreparedDataset, folds: [(name: String, rows: [Int])],
                                     options: SupervisedTrainer.Options, validationFraction: Double = 0.15,
                                     initWeights: URL? = nil,
                                     progress: (_ fold: Int, _ epoch: EpochRecord) -> Void = { _, _ in },
                                     foldDone: (FoldResult) -> Void = { _ in }) throws
        -> (summary: CrossValidationSummary, folds: [FoldResult]) {
        let config = try config(architecture: architecture, data: data)
        var results: [FoldResult] = []
        for (i, split) in Splitter.crossValidation(folds.map(\.rows)).enumerated() {
            let t0 = Date()
            let inner = Splitter.stratified(labels: data.labels, groups: nil, indices: split.train,
                                            train: 1 - validationFraction, validation: validationFraction, test: 0,
                                            seed: options.seed &+ UInt64(i))
            var o = options
            o.seed = options.seed &+ UInt64(i) &* 1000
            o.log = options.log.map { TrainingLog(url: $0.url.deletingPathExtension()
                .appendingPathExtension("fold\(i + 1).jsonl"), format: $0.format) }
            if let url = o.log?.url { try? FileManager.default.removeItem(at: url) }  // a fresh log per run
            let (model, result) = try train(config, data: data, train: inner.train, validation: inner.validation,
                                            options: o, initWeights: initWeights) { progress(i, $0) }
            let (report, _) = try evaluate(model, data: data, rows: split.test)
            let fold = FoldResult(name: folds[i].name, report: report, history: result.history, bestEpoch: result.bestEpoch,
                                  seconds: Date().timeIntervalSince(t0), trainCount: inner.train.count,
                                  validationCount: inner.validation.count, testCount: split.test.count)
            results.append(fold)
            foldDone(fold)
        }
        return (try CrossValidationSummary(folds: results.map(\.report)), results)
    }
}
