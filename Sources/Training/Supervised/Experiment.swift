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

    /// Builds the model (He init from `seed`, or `initWeights` by name) and trains it. With `options.members` > 1 it
    /// trains that many models on the same split, member `m` seeded `memberSeed(seed, member: m)` (member 1 is the
    /// single model of the same seed), and returns their `Ensemble`; the result is member 1's curves and best epoch
    /// with every member's seconds (`trainedConfig` names what was built).
    public static func train(_ config: ModelConfig, data: PreparedDataset, train: [Int], validation: [Int],
                             unlabelled: [Int] = [], options: SupervisedTrainer.Options, initWeights: URL? = nil,
                             progress: (EpochRecord) -> Void = { _ in }) throws -> (model: Module, result: SupervisedTrainer.Result) {
        let count = max(1, options.members)
        var models: [Module] = [], first: SupervisedTrainer.Result?, seconds = 0.0
        for m in 0..<count {
            var o = options
            o.seed = memberSeed(options.seed, member: m)
            o.member = count > 1 ? m + 1 : nil
            let model = try ModelRegistry.make(config, seed: o.seed)
            if let initWeights { try ModelRegistry.loadPretrained(initWeights, into: model, config: config) }
            let result = try SupervisedTrainer(options: o).fit(model, data: data, train: train, validation: validation,
                                                               unlabelled: unlabelled, progress: progress)
            models.append(model)
            first = first ?? result
            seconds += result.seconds
        }
        var result = first!
        result.seconds = seconds
        return (count > 1 ? Ensemble(members: models) : models[0], result)
    }

    /// The configuration of what `train` builds for `config` with `options`: the `Ensemble` of its members when
    /// `options.members` > 1.
    public static func trainedConfig(_ config: ModelConfig, options: SupervisedTrainer.Options) -> ModelConfig {
        options.members > 1 ? Ensemble.config(member: config, count: options.members) : config
    }

    /// The training seed of ensemble member `m` (0-based) of a run seeded `seed` (member 0 keeps `seed`; spaced by 100
    /// so up to `Ensemble.memberCounts` members stay clear of the next fold's seeds, `foldSeed`).
    public static func memberSeed(_ seed: UInt64, member m: Int) -> UInt64 { seed &+ UInt64(m) &* 100 }

    /// What a bundle records about a trained model (`ModelBundle.save`): the configuration it was built with, the
    /// data's classes and preprocessing, how it was trained, its test figures and calibration.
    public static func bundleInfo(_ config: ModelConfig, data: PreparedDataset, options: SupervisedTrainer.Options,
                                  result: SupervisedTrainer.Result, provenance: DataProvenance?, counts: (train: Int, validation: Int, test: Int),
                                  test: EvaluationReport?, calibration: Calibration?, initWeights: URL?) -> BundleInfo {
        let training = TrainingSummary(
            epochsRun: result.history.count, bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly,
            seconds: result.seconds, batchSize: options.batchSize, learningRate: Double(options.learningRate),
            schedule: options.schedule.name, monitor: options.monitor.rawValue, trainImages: counts.train,
            validationImages: counts.validation, testImages: counts.test, initWeights: initWeights?.path)
        return BundleInfo(model: config, classes: data.dataset.classes, preprocessing: data.settings,
                          augmentation: options.augmentation, data: provenance, seed: options.seed, training: training,
                          testMetrics: test, cropFraming: CropFraming.measure(data), calibration: calibration)
    }

    /// Metrics of `model` on `rows` (probabilities kept for ROC curves).
    public static func evaluate(_ model: Module, data: PreparedDataset, rows: [Int], classes: [String]? = nil) throws
        -> (report: EvaluationReport, probabilities: [[Float]]) {
        let rowsP = probabilityRows(model, data: data, rows: rows)
        let report = try EvaluationReport(truth: rows.map { data.labels[$0] }, probabilities: rowsP,
                                          classes: classes ?? data.dataset.classes)
        return (report, rowsP)
    }

    /// The class probabilities of `model` (training graph, no test-time augmentation) for `rows` of `data`, one array
    /// per row.
    public static func probabilityRows(_ model: Module, data: PreparedDataset, rows: [Int]) -> [[Float]] {
        SupervisedTrainer.predict(model, data: data, rows: rows).rowArrays()
    }

    /// The embedding (`EmbeddingModel`, inference mode) of `model` for `rows` of `data`, one array per row; nil when
    /// the model gives none.
    public static func embeddingRows(_ model: Module, data: PreparedDataset, rows: [Int], batchSize: Int = 64) -> [[Float]]? {
        guard let m = model as? EmbeddingModel else { return nil }
        return BatchIterator(data, rows: rows, batchSize: batchSize, shuffle: false, seed: 0).flatMap {
            m.embedding(Variable(Tensor(shape: $0.shape, values: $0.data))).value.rowArrays()
        }
    }

    /// `model` as the one inference path runs it (`Classifier`: the oneDNN stacks of `Module.infer`, test-time
    /// augmentation, temperature), with `data`'s preprocessing and classes.
    public static func classifier(_ model: Module, config: ModelConfig, data: PreparedDataset,
                                  calibration: Calibration?) -> Classifier {
        Classifier(model: model, info: BundleInfo(model: config, classes: data.dataset.classes, preprocessing: data.settings,
                                                  augmentation: nil, data: nil, seed: 0, calibration: calibration))
    }

    /// `classifier`'s probabilities for the already-preprocessed `rows` of `data`.
    public static func probabilities(_ classifier: Classifier, data: PreparedDataset, rows: [Int]) throws -> [[Float]] {
        let size = data.sampleSize
        return try classifier.probabilities(samples: rows.map { Array(data.data[$0 * size ..< ($0 + 1) * size]) })
    }

    /// One fold of a cross-validation.
    public struct FoldResult: Sendable {
        public var name: String
        /// Plain inference: one view, raw soft-max (what every earlier figure measured).
        public var report: EvaluationReport
        public var history: [EpochRecord]
        public var bestEpoch: Int?
        public var seconds: Double
        public var trainCount: Int, validationCount: Int, testCount: Int
        /// Unlabelled crops the fold trained on (`ConsistencyTraining`; 0 for supervised training).
        public var unlabelledCount = 0
        /// The inference levers on the same model (`InferenceLevers`), when measured: the temperature fit on the
        /// fold's validation split, test-time augmentation over the 8 symmetries (calibrated when there is a
        /// temperature; the arg-max does not depend on it), and the test ECE of each.
        public var calibration: Calibration? = nil
        public var ttaReport: EvaluationReport? = nil
        public var calibratedECE: Double? = nil
        public var ttaECE: Double? = nil
        /// Test truth and raw single-view probabilities (the pooled reliability diagram).
        public var testLabels: [Int] = []
        public var testProbabilities: [[Float]] = []
        /// Each member's own test figures when the fold trained an `Ensemble` (`report` is the ensemble's); member 1
        /// is the single model of the same seed, so the two pair up.
        public var memberReports: [EvaluationReport] = []
    }

    /// Trains one fold's model (test rows untouched) and measures it on `test`: plain, calibrated on `validation`, and
    /// with test-time augmentation when `inferenceLevers`.
    static func foldResult(name: String, config: ModelConfig, data: PreparedDataset, train: [Int], validation: [Int],
                           unlabelled: [Int], test: [Int], options: SupervisedTrainer.Options, initWeights: URL?,
                           inferenceLevers: Bool, keepModel: FoldModelSink?, progress: (EpochRecord) -> Void) throws -> FoldResult {
        let t0 = Date()
        let (model, result) = try self.train(config, data: data, train: train, validation: validation, unlabelled: unlabelled,
                                             options: options, initWeights: initWeights, progress: progress)
        let (report, plain) = try evaluate(model, data: data, rows: test)
        var fold = FoldResult(name: name, report: report, history: result.history, bestEpoch: result.bestEpoch, seconds: 0,
                              trainCount: train.count, validationCount: validation.count, testCount: test.count)
        fold.unlabelledCount = options.consistency == nil ? 0 : unlabelled.count
        if let ensemble = model as? Ensemble {
            fold.memberReports = try ensemble.members.map { try evaluate($0, data: data, rows: test).report }
        }
        try measureLevers(model, config: trainedConfig(config, options: options), data: data, validation: validation,
                          test: test, plain: plain, inferenceLevers: inferenceLevers, into: &fold)
        fold.seconds = Date().timeIntervalSince(t0)
        try keepModel?(model, trainedConfig(config, options: options), result, fold)
        return fold
    }

    /// Receives each fold's trained model, its configuration, its training result and its test figures (to write a
    /// bundle per fold, as `semi train` does).
    public typealias FoldModelSink = (Module, ModelConfig, SupervisedTrainer.Result, FoldResult) throws -> Void

    /// Keeps a fold's test truth and plain probabilities (`plain`, from `evaluate`) and, with `inferenceLevers`,
    /// measures the temperature fit on `validation` and test-time augmentation through `Classifier` on the same model
    /// (shared by `cv` and `transfer`).
    public static func measureLevers(_ model: Module, config: ModelConfig, data: PreparedDataset, validation: [Int], test: [Int],
                                     plain: [[Float]], inferenceLevers: Bool, into fold: inout FoldResult) throws {
        let truth = test.map { data.labels[$0] }
        fold.testLabels = truth
        fold.testProbabilities = plain
        guard inferenceLevers else { return }
        if !validation.isEmpty {
            let (_, v) = try evaluate(model, data: data, rows: validation)
            fold.calibration = Calibration.fit(probabilities: v, labels: validation.map { data.labels[$0] })
        }
        let c = classifier(model, config: config, data: data, calibration: fold.calibration)
        if let t = fold.calibration?.temperature {
            fold.calibratedECE = Calibration.expectedCalibrationError(plain.map { Calibration.scaled($0, temperature: t) },
                                                                      labels: truth)
        }
        c.tta = true
        let tta = try probabilities(c, data: data, rows: test)
        fold.ttaReport = try EvaluationReport(truth: truth, probabilities: tta, classes: data.dataset.classes)
        fold.ttaECE = Calibration.expectedCalibrationError(tta, labels: truth)
    }

    /// The test folds to use: the dataset's own folds when it has them (and `k` is nil or equals their number),
    /// otherwise stratified k-fold (group-aware when samples have groups).
    public static func folds(for data: PreparedDataset, k: Int?, seed: UInt64) -> [(name: String, rows: [Int])] {
        folds(for: data.dataset, k: k, seed: seed)
    }

    /// The test folds of the labelled rows of `data` (rows of crops without labels, from an unlabelled folder, are in
    /// none), as rows of `data`.
    public static func folds(labelledOf data: PreparedDataset, k: Int?, seed: UInt64) -> [(name: String, rows: [Int])] {
        let labelled = data.labels.indices.filter { data.labels[$0] >= 0 }
        return folds(for: data.dataset.subset(labelled), k: k, seed: seed).map { (name: $0.name, rows: $0.rows.map { labelled[$0] }) }
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

    /// The training seed of fold `i` of a cross-validation seeded `seed`.
    public static func foldSeed(_ seed: UInt64, fold i: Int) -> UInt64 { seed &+ UInt64(i) &* 1000 }

    /// Runs one fold's training: given the fold index and the training itself (which takes an extra per-epoch sink),
    /// returns its result — the run registry wraps each fold this way (`CrossValidationRun.recording`).
    public typealias FoldWrapper = (_ fold: Int, _ train: (_ epoch: (EpochRecord) throws -> Void) throws -> FoldResult) throws -> FoldResult

    /// Cross-validates: each fold is the test set once; the others, minus a stratified `validationFraction`
    /// for early stopping and the best-epoch checkpoint, train a fresh model (or `options.members` of them, averaged).
    /// With `inferenceLevers` each fold also measures calibration and test-time augmentation on its model (paired:
    /// same weights, same test crops; `InferenceLevers`).
    ///
    /// With a label `budget`, each fold trains instead on the budget drawn from its training folds (`Budget.forFold`:
    /// N labels per class, 20 % of them validating, the pool — or the `extraUnlabelled` rows — unlabelled, used when
    /// `options.consistency` is set), as `semi train` does; `keepModel` receives each fold's model. `testFolds` names
    /// the folds to test (nil: all); the others are skipped, and each tested fold keeps the seeds it has in a full run.
    public static func crossValidate(architecture: String, data: PreparedDataset, folds: [(name: String, rows: [Int])],
                                     options: SupervisedTrainer.Options, validationFraction: Double = 0.15,
                                     budget: SGANExperiment.BudgetSpec? = nil, extraUnlabelled: [Int] = [],
                                     testFolds: Set<String>? = nil,
                                     initWeights: URL? = nil, inferenceLevers: Bool = true, keepModel: FoldModelSink? = nil,
                                     eachFold: FoldWrapper = { _, train in try train { _ in } },
                                     progress: (_ fold: Int, _ epoch: EpochRecord) -> Void = { _, _ in },
                                     foldDone: (FoldResult) -> Void = { _ in }) throws
        -> (summary: CrossValidationSummary, folds: [FoldResult]) {
        let config = try config(architecture: architecture, data: data)
        var results: [FoldResult] = []
        for (i, split) in Splitter.crossValidation(folds.map(\.rows)).enumerated()
            where testFolds?.contains(folds[i].name) ?? true {
            var o = options
            o.seed = foldSeed(options.seed, fold: i)
            let inner: FoldBudget
            if let budget {
                inner = try Budget.forFold(labels: data.labels, classNames: data.dataset.classes, trainRows: split.train,
                                           extraUnlabelled: extraUnlabelled, perClass: budget.labelsPerClass,
                                           unlabelled: budget.unlabelled, stratifiedPool: budget.stratifiedPool, seed: o.seed)
            } else {
                let s = Splitter.stratified(labels: data.labels, groups: nil, indices: split.train,
                                            train: 1 - validationFraction, validation: validationFraction, test: 0,
                                            seed: options.seed &+ UInt64(i))
                inner = FoldBudget(labelled: s.train, validation: s.validation, unlabelled: extraUnlabelled)
            }
            o.log = options.log.map { TrainingLog(url: $0.url.deletingPathExtension()
                .appendingPathExtension("fold\(i + 1).jsonl"), format: $0.format) }
            if let url = o.log?.url { try? FileManager.default.removeItem(at: url) }  // a fresh log per run
            let fold = try withoutActuallyEscaping(progress) { progress in try eachFold(i) { sink in
                var failure: (any Error)?
                let r = try foldResult(name: folds[i].name, config: config, data: data, train: inner.labelled,
                                       validation: inner.validation, unlabelled: inner.unlabelled, test: split.test, options: o,
                                       initWeights: initWeights, inferenceLevers: inferenceLevers, keepModel: keepModel) { e in
                    if failure == nil { do { try sink(e) } catch { failure = error } }
                    progress(i, e)
                }
                if let failure { throw failure }
                return r
            } }
            results.append(fold)
            foldDone(fold)
        }
        return (try CrossValidationSummary(folds: results.map(\.report)), results)
    }
}
