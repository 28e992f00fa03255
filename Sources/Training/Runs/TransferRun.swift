import Datasets
import Foundation
import Models
import Support

/// One complete `cellphase transfer` run (*Semi supervised GAN for smart microscopy, fast and data efficient cell
/// cycle classification*, section 6.3): the SGAN backbone with a new head cross-validated over the folds of a new
/// dataset, one `sgan-transfer` bundle and epoch log per fold, and one HTML report.
public struct TransferRun {
    public var options: TransferLearning.Options

    public init(options: TransferLearning.Options) { self.options = options }

    /// What the run produced.
    public struct Outcome {
        public var summary: CrossValidationSummary
        public var folds: [TransferLearning.Fold]
        public var bundles: [URL]
        public var report: URL
        public var seconds: Double
    }

    /// Epochs a fold plans (head phase, plus fine-tuning in `.fineTune` mode).
    public var plannedEpochs: Int {
        if case .fineTune = options.mode { return options.epochs + options.fineTuneEpochs }
        return options.epochs
    }

    /// Whether the fine-tuning phase's weights were kept (only in `.fineTune` mode).
    public func fineTuneNote(_ fold: TransferLearning.Fold) -> String {
        guard case .fineTune = options.mode, fold.result.history.count > fold.headEpochs else { return "" }
        return fold.fineTuneKept ? ", fine-tuned kept" : ", head phase kept (fine-tuning did not beat it on validation)"
    }

    /// Runs every fold of `folds` on `data` (prepared with the source bundle's preprocessing) and writes the
    /// artefacts into `out`. `progress(fold, epoch)` sees every epoch, `note` one line per finished fold.
    public func run(source: TransferLearning.Source, sourceURL: URL, data: PreparedDataset, dataRoot: URL,
                    folds: [(name: String, rows: [Int])], provenance: DataProvenance?, out: URL,
                    progress: (Int, EpochRecord) -> Void = { _, _ in }, note: (String) -> Void = { _ in }) throws -> Outcome {
        let t0 = Date()
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let transfer = TransferLearning(options: options)
        var bundles: [URL] = []
        let (summary, results) = try transfer.crossValidate(
            source: source, data: data, folds: folds, progress: progress,
            foldDone: { fold in
                let r = fold.result
                let dir = out.appendingPathComponent(r.name)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                let log = TrainingLog(url: dir.appendingPathComponent("training.jsonl"))
                try? FileManager.default.removeItem(at: log.url)
                try log.append(contentsOf: r.history)
                let url = dir.appendingPathComponent("sgan-transfer.\(ModelBundle.fileExtension)")
                try ModelBundle.save(model: fold.model, info: transfer.bundleInfo(for: fold, source: source, data: data, provenance: provenance),
                                     to: url)
                bundles.append(url)
                note(String(format: "%@: test accuracy %.1f %%, balanced %.1f %% (%d head + %d fine-tune epochs%@, best %@, %.0f s) → %@",
                            r.name, 100 * r.report.accuracy, 100 * r.report.balancedAccuracy, fold.headEpochs,
                            r.history.count - fold.headEpochs, fineTuneNote(fold), r.bestEpoch.map(String.init) ?? "–",
                            r.seconds, url.path))
            })
        let seconds = Date().timeIntervalSince(t0)
        let report = out.appendingPathComponent("report.html")
        try reportContents(source: source, sourceURL: sourceURL, data: data, dataRoot: dataRoot, folds: folds.count,
                           summary: summary, results: results, bundles: bundles, seconds: seconds).write(to: report)
        return Outcome(summary: summary, folds: results, bundles: bundles, report: report, seconds: seconds)
    }

    func reportContents(source: TransferLearning.Source, sourceURL: URL, data: PreparedDataset, dataRoot: URL, folds: Int,
                        summary: CrossValidationSummary, results: [TransferLearning.Fold], bundles: [URL],
                        seconds: Double) -> RunReportContents {
        let o = options
        let grouped = data.dataset.groups.contains { $0 != nil }
        var c = RunReportContents(title: "cellphase transfer — \(sourceURL.lastPathComponent) → \(dataRoot.lastPathComponent)")
        c.classCounts = data.dataset.classes.map { ($0, data.dataset.classCounts[$0] ?? 0) }
        c.dataNote = "\(dataRoot.path): \(folds) folds (stratified\(grouped ? ", group-aware" : "")); per fold one fold tests and \(Int((100 * o.validationFraction).rounded())) % of the rest validates."
        let patience = o.earlyStopping?.patience ?? 0, warmup = o.earlyStopping?.warmup ?? 0
        c.settings = [("source bundle", sourceURL.path),
                      ("source classes", source.info.classes.joined(separator: ", ")),
                      ("backbone", "SGAN discriminator, filters \(source.config.discriminatorFilters.map(String.init).joined(separator: ", ")), dropout \(source.config.discriminatorDropout)"),
                      ("head", (o.headWidths.map { "Dense \($0) + ReLU + BN" } + ["Dense \(data.dataset.classes.count) (logits)"]).joined(separator: " → ")),
                      ("preprocessing", "\(source.info.preprocessing.key) (the source bundle's)"),
                      ("mode", "\(o.mode)"),
                      ("head phase", "Adam \(o.headLearningRate), up to \(o.epochs) epochs"),
                      ("fine-tuning phase", { if case .fineTune = o.mode { return "Adam \(o.fineTuneLearningRate), up to \(o.fineTuneEpochs) epochs" }; return "—" }()),
                      ("early stopping", patience > 0 ? "per phase, balanced accuracy, patience \(patience), warm-up \(warmup)" : "off"),
                      ("class weights", o.balanceClasses ? "balanced (when counts differ)" : "none"),
                      ("augmentation", o.augmentation == nil ? "none" : "rotation ±30°, flips, shift 10 %, zoom 0.9–1.1, brightness 1.0–1.3"),
                      ("seed", "\(o.seed)"),
                      ("time", String(format: "%.0f s (%.0f s per fold)", seconds, seconds / Double(max(results.count, 1))))]
        c.crossValidation = summary
        c.reliability = ReliabilityPlot.pooled(results.map(\.result), title: "Reliability diagram (all folds' test crops)")
        c.trainingLog = results.first?.result.history ?? []
        c.comparison = ModelComparisonPlot(entries: [.init(name: "sgan-transfer", summary: summary)],
                                           references: data.dataset.classes.count == 7 ? [.sganTransferRoboscope] : [])
        c.notes = "Training curves: the first fold (head phase, then fine-tuning).\n\n" + zip(results, bundles).map { f, b in
            String(format: "%@: accuracy %.2f %%, %d train / %d validation / %d test images, %d + %d epochs%@; bundle %@",
                   f.result.name, 100 * f.result.report.accuracy, f.result.trainCount, f.result.validationCount, f.result.testCount,
                   f.headEpochs, f.result.history.count - f.headEpochs, fineTuneNote(f), b.path)
        }.joined(separator: "\n")
        if let levers = InferenceLevers(results.map(\.result)) { c.notes! += "\n\n" + levers.text }
        return c
    }
}
