import Datasets
import Engine
import Foundation
import Imaging
import Models
import NN

/// One complete supervised run, as `cellphase train` and `cellphase example` do it: stratified
/// train/validation/test split, training with early stopping and the best-epoch checkpoint, test metrics, and
/// three artefacts in `out`: the model bundle `<architecture>.cellphase/`, the epoch log `training.jsonl`, and the
/// self-contained HTML report `report.html` (curves, metrics, confusion matrix, ROC).
public struct TrainingRun {
    public var architecture: String
    public var options: SupervisedTrainer.Options
    public var validationFraction = 0.15
    public var testFraction = 0.15
    public var initWeights: URL?
    /// Extra "Model and settings" rows for the report.
    public var settingsRows: [(String, String)] = []
    public var title: String?

    public init(architecture: String, options: SupervisedTrainer.Options) {
        self.architecture = architecture; self.options = options
    }

    /// What the run produced.
    public struct Outcome {
        public var model: Module
        public var info: BundleInfo
        public var bundle: URL
        public var report: URL
        public var log: URL
        public var test: EvaluationReport?
        public var result: SupervisedTrainer.Result
        public var split: Split
    }

    /// Trains on `data` and writes the artefacts to `out` (created if needed; an earlier run's files are replaced).
    public func run(data: PreparedDataset, provenance: DataProvenance?, out: URL,
                    progress: (EpochRecord) -> Void = { _ in }) throws -> Outcome {
        let config = try Experiment.config(architecture: architecture, data: data)
        let split = Splitter.stratified(labels: data.labels, train: 1 - validationFraction - testFraction,
                                        validation: validationFraction, test: testFraction, seed: options.seed)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let logURL = out.appendingPathComponent("training.jsonl")
        try? FileManager.default.removeItem(at: logURL)
        var o = options
        o.log = TrainingLog(url: logURL)
        let (model, result) = try Experiment.train(config, data: data, train: split.train, validation: split.validation,
                                                   options: o, initWeights: initWeights, progress: progress)
        let built = Experiment.trainedConfig(config, options: options)
        // Temperature scaling on the validation split (the test split stays untouched until it is evaluated).
        var calibration: Calibration?
        if !split.validation.isEmpty {
            let (_, validationProbabilities) = try Experiment.evaluate(model, data: data, rows: split.validation)
            calibration = Calibration.fit(probabilities: validationProbabilities, labels: split.validation.map { data.labels[$0] })
        }
        var test: EvaluationReport?, probabilities: [[Float]] = []
        if !split.test.isEmpty { (test, probabilities) = try Experiment.evaluate(model, data: data, rows: split.test) }
        let info = Experiment.bundleInfo(built, data: data, options: options, result: result, provenance: provenance,
                                         counts: (split.train.count, split.validation.count, split.test.count), test: test,
                                         calibration: calibration, initWeights: initWeights)
        let bundleURL = out.appendingPathComponent("\(config.architecture).\(ModelBundle.fileExtension)")
        let saved = try ModelBundle.save(model: model, info: info, to: bundleURL)

        var contents = RunReportContents(title: title ?? "cellphase train — \(config.architecture)")
        contents.classCounts = data.dataset.classes.map { ($0, data.dataset.classCounts[$0] ?? 0) }
        contents.dataNote = "\(provenance?.root ?? "data"): \(split.train.count) training, \(split.validation.count) validation, \(split.test.count) test images (stratified, seed \(options.seed))."
        let described = options.members > 1 ? "ensemble of \(options.members) × \(config.architecture)" : config.architecture
        contents.settings = [("model", "\(described), \(model.parameterCount) parameters"),
                             ("bundle", bundleURL.lastPathComponent)] + settingsRows
            + [("epochs run", "\(result.history.count)\(result.stoppedEarly ? " (early stop)" : ""), best epoch \(result.bestEpoch.map(String.init) ?? "–")"),
               ("training time", String(format: "%.1f s", result.seconds))]
        if let calibration {
            var row = String(format: "T = %.2f on %d validation images; ECE %.3f → %.3f", calibration.temperature, calibration.images,
                             calibration.eceBefore, calibration.eceAfter)
            if !probabilities.isEmpty {
                let truth = split.test.map { data.labels[$0] }
                let scaled = probabilities.map { Calibration.scaled($0, temperature: calibration.temperature) }
                row += String(format: " (test: %.3f → %.3f)", Calibration.expectedCalibrationError(probabilities, labels: truth),
                              Calibration.expectedCalibrationError(scaled, labels: truth))
            }
            contents.settings.append(("calibration", row))
            if !probabilities.isEmpty {
                let truth = split.test.map { data.labels[$0] }
                contents.reliability = ReliabilityPlot(series: [
                    .init(name: "soft-max", probabilities: probabilities, labels: truth),
                    .init(name: String(format: "T = %.2f", calibration.temperature),
                          probabilities: probabilities.map { Calibration.scaled($0, temperature: calibration.temperature) }, labels: truth),
                ])
            }
        }
        if let test {
            contents.evaluation = test
            contents.rocCurves = try ROCCurve.oneVsRest(truth: split.test.map { data.labels[$0] }, probabilities: probabilities,
                                                        classCount: data.dataset.classes.count)
        }
        contents.trainingLog = result.history
        let reportURL = out.appendingPathComponent("report.html")
        try contents.write(to: reportURL)
        return Outcome(model: model, info: saved, bundle: bundleURL, report: reportURL, log: logURL, test: test,
                       result: result, split: split)
    }
}
