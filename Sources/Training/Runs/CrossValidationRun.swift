import Datasets
import Foundation
import Models

/// One complete `cellphase cv` run: k-fold cross-validation of one or more architectures on the same folds (the
/// dataset's own folds when it has them — the SGAN paper's authors' position-disjoint folds for roboscope-zeiss),
/// one epoch log per architecture and one HTML report comparing them (*Live Cell Stage Classification Using Deep
/// Learning*, section 2.3: accuracy, PPV, sensitivity, F1, confusion matrix).
public struct CrossValidationRun {
    /// One architecture's cross-validation.
    public struct ModelResult {
        public var name: String
        public var summary: CrossValidationSummary
        public var folds: [Experiment.FoldResult]
        public var seconds: Double
        /// Test-time augmentation and calibration measured on the same fold models.
        public var levers: InferenceLevers?
    }

    public var architectures: [String]
    /// The trainer options of each architecture (its recipe with the user's options on top).
    public var options: (String) -> SupervisedTrainer.Options
    public var validationFraction = 0.15
    public var initWeights: URL?
    /// Extra "Model and settings" rows of the report.
    public var settingsRows: [(String, String)] = []
    /// Records every fold in the run registry (kind `cv`, key `architecture/fold`, group `cv:<out>`), epochs included.
    public var recording: RunRecording?
    /// The data fingerprint stored with each recorded fold.
    public var fingerprint: String?
    /// A label budget per fold (`semi train`): each fold trains on N labels per class drawn from its training folds
    /// and, with `ConsistencyTraining` in the options, on the unlabelled pool they leave (or `extraUnlabelled`); nil
    /// trains on every label of the training folds.
    public var budget: SGANExperiment.BudgetSpec?
    public var extraUnlabelled: [Int] = []
    /// Test only these folds (nil: every fold); each keeps the seed it has in a full run.
    public var testFolds: Set<String>?
    /// The registry's kind of each fold: `cv`, or `semi` / `semi-baseline` for `semi train`.
    public var kind = "cv"
    /// The report's title (default: "cellphase cv — <models>").
    public var title: String?
    /// Writes each fold's model as a bundle, `<out>/<fold>/<architecture>.cellphase`, with this provenance.
    public var bundles: DataProvenance?

    /// What the registry stores as one fold's configuration.
    public struct FoldConfig: Encodable {
        public var architecture: String, fold: String
        public var epochs: Int, batchSize: Int, learningRate: Float, schedule: String, monitor: String
        public var validationFraction: Double, preprocessing: String, augmentation: Bool, seed: UInt64
        /// Models averaged per fold (`Ensemble`; 1 for a single model).
        public var members: Int = 1
        /// `semi train`: the label budget and the consistency settings (nil: all labels / supervised only).
        public var budget: SGANExperiment.BudgetSpec?
        public var consistency: ConsistencyTraining?
        enum CodingKeys: String, CodingKey {
            case architecture, fold, epochs, schedule, monitor, preprocessing, augmentation, seed, members, budget, consistency
            case batchSize = "batch_size", learningRate = "learning_rate", validationFraction = "validation_fraction"
        }
    }

    public init(architectures: [String], options: @escaping (String) -> SupervisedTrainer.Options) {
        self.architectures = architectures; self.options = options
    }

    /// Cross-validates every architecture on `folds` of `data`, writing `<architecture>.jsonl` epoch logs and
    /// `report.html` into `out`. `progress(architecture index, fold index, epoch)` sees every epoch.
    public func run(data: PreparedDataset, folds: [(name: String, rows: [Int])], foldsNote: String, dataRoot: URL, out: URL,
                    progress: (Int, Int, EpochRecord) -> Void = { _, _, _ in },
                    note: (String) -> Void = { _ in }) throws -> (results: [ModelResult], report: URL) {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var results: [ModelResult] = []
        for (m, name) in architectures.enumerated() {
            let t0 = Date()
            var o = options(name)
            o.log = TrainingLog(url: out.appendingPathComponent("\(name).jsonl"))
            let keep: Experiment.FoldModelSink? = bundles.map { provenance in { model, config, result, fold in
                let dir = out.appendingPathComponent(fold.name)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                let info = Experiment.bundleInfo(config, data: data, options: o, result: result, provenance: provenance,
                                                 counts: (fold.trainCount, fold.validationCount, fold.testCount),
                                                 test: fold.report, calibration: fold.calibration, initWeights: initWeights)
                try ModelBundle.save(model: model, info: info, to: Self.bundleURL(out: out, fold: fold.name, architecture: name))
            } }
            let (summary, foldResults) = try Experiment.crossValidate(
                architecture: name, data: data, folds: folds, options: o, validationFraction: validationFraction,
                budget: budget, extraUnlabelled: extraUnlabelled, testFolds: testFolds, initWeights: initWeights, keepModel: keep, eachFold: { f, train in
                    guard let recording else { return try train { _ in } }
                    let config = FoldConfig(architecture: name, fold: folds[f].name, epochs: o.epochs, batchSize: o.batchSize,
                                            learningRate: o.learningRate, schedule: o.schedule.name, monitor: o.monitor.rawValue,
                                            validationFraction: validationFraction, preprocessing: data.settings.key,
                                            augmentation: o.augmentation != nil, seed: Experiment.foldSeed(o.seed, fold: f),
                                            members: max(1, o.members), budget: budget, consistency: o.consistency)
                    let key = ([name] + (budget.map { [$0.key] } ?? []) + [folds[f].name]).joined(separator: "/")
                    return try recording.record(kind: kind, key: key, group: "\(kind):\(out.path)", config: config,
                                                seed: config.seed, fingerprint: fingerprint) { log in
                        let r = try train { try log.epoch($0) }
                        return (r, .init(metrics: r.report, seconds: r.seconds,
                                         bundle: bundles == nil ? nil : Self.bundleURL(out: out, fold: r.name, architecture: name),
                                         report: out.appendingPathComponent("report.html")))
                    }
                },
                progress: { f, e in progress(m, f, e) },
                foldDone: { r in
                    var line = String(format: "%@ %@: test accuracy %.1f %%, balanced %.1f %% (best epoch %@, %.0f s)",
                                      name, r.name, 100 * r.report.accuracy, 100 * r.report.balancedAccuracy,
                                      r.bestEpoch.map(String.init) ?? "–", r.seconds)
                    if !r.memberReports.isEmpty {
                        line += "; members " + r.memberReports.map { String(format: "%.1f", 100 * $0.accuracy) }.joined(separator: ", ") + " %"
                    }
                    if let tta = r.ttaReport { line += String(format: "; with --tta %.1f %%", 100 * tta.accuracy) }
                    if let t = r.calibration?.temperature, let e = r.report.ece, let after = r.calibratedECE {
                        line += String(format: "; ECE %.3f → %.3f (T %.2f)", e, after, t)
                    }
                    note(line)
                })
            let secs = Date().timeIntervalSince(t0)
            note(String(format: "%@: accuracy %.1f ± %.1f %%, balanced %.1f ± %.1f %% over %d folds (%.0f s)", name,
                        100 * summary.accuracy.mean, 100 * (summary.accuracy.std ?? 0),
                        100 * summary.balancedAccuracy.mean, 100 * (summary.balancedAccuracy.std ?? 0), summary.folds, secs))
            let levers = InferenceLevers(foldResults)
            if let levers { note("\(name): " + levers.text.replacingOccurrences(of: "\n", with: "\n\(name): ")) }
            results.append(ModelResult(name: name, summary: summary, folds: foldResults, seconds: secs, levers: levers))
        }
        let reportURL = out.appendingPathComponent("report.html")
        try report(results, data: data, folds: folds.count, foldsNote: foldsNote, dataRoot: dataRoot).write(to: reportURL)
        return (results, reportURL)
    }

    /// Where `bundles` writes a fold's model.
    public static func bundleURL(out: URL, fold: String, architecture: String) -> URL {
        out.appendingPathComponent(fold).appendingPathComponent("\(architecture).\(ModelBundle.fileExtension)")
    }

    /// The CV summary of each model, the comparison plot, the first fold's curves.
    func report(_ results: [ModelResult], data: PreparedDataset, folds: Int, foldsNote: String, dataRoot: URL) -> HTMLReport {
        var c = RunReportContents(title: title ?? "cellphase cv — \(architectures.joined(separator: ", "))")
        c.classCounts = data.dataset.classes.map { ($0, data.dataset.classCounts[$0] ?? 0) }
        c.dataNote = "\(dataRoot.path): \(folds) folds (\(foldsNote))."
        if let budget, let r = results.first {
            c.dataNote! += " Label budget \(budget.labelsPerClass) per class: " + r.folds.map {
                "\($0.name): \($0.trainCount) labelled for training, \($0.validationCount) validation, \($0.unlabelledCount) unlabelled, \($0.testCount) test"
            }.joined(separator: "; ") + "."
        }
        c.settings = [("models", architectures.joined(separator: ", "))] + settingsRows
            + results.map { ("time \($0.name)", String(format: "%.0f s (%.0f s per fold)", $0.seconds, $0.seconds / Double(folds))) }
        c.crossValidation = results[0].summary
        c.trainingLog = results[0].folds.first?.history ?? []
        // Every fold's test calls pooled (each fold calibrated on its own validation split).
        c.reliability = ReliabilityPlot.pooled(results[0].folds, title: "Reliability diagram (\(results[0].name), all folds' test crops)")
        let levers = results.compactMap { r in r.levers.map { "\(r.name): " + $0.text.replacingOccurrences(of: "\n", with: "; ") + "." } }
        if results.count > 1 {
            c.notes = results.dropFirst().map { r in
                String(format: "%@: accuracy %.1f ± %.1f %%, balanced accuracy %.1f ± %.1f %%, macro F1 %.3f.", r.name,
                       100 * r.summary.accuracy.mean, 100 * (r.summary.accuracy.std ?? 0),
                       100 * r.summary.balancedAccuracy.mean, 100 * (r.summary.balancedAccuracy.std ?? 0), r.summary.macroF1.mean)
            }.joined(separator: "\n")
        }
        if !levers.isEmpty { c.notes = ([c.notes].compactMap { $0 } + levers).joined(separator: "\n") }
        let html = c.htmlReport()
        for r in results.dropFirst() { html.addCrossValidation(r.summary, title: "Cross-validation — \(r.name)") }
        return html
    }
}
