import ArgumentParser
import Datasets
import Foundation
import Models
import Support
import Training

/// `cellphase transfer`: transfer a trained SGAN discriminator to a new dataset (SGAN paper `004_…txt`, section 6.3)
/// with stratified k-fold cross-validation; one model bundle per fold and one HTML report.
struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Transfer an SGAN discriminator's backbone to new classes, cell lines or microscopes (new head, then fine-tuning), cross-validated.",
        discussion: """
        The data is prepared with the source bundle's preprocessing. Per fold: a fresh head (Dense 512 → 256 → 128, ReLU, \
        batch norm) on the source's backbone; --mode fine-tune trains the head with the backbone frozen (Adam 3e-4), then \
        the last --fine-tune-layers convolutions and the head at 5e-5; head stops after the first phase; full retrains \
        everything from the pretrained weights. Class-weighted loss throughout. Stratified k-fold (group-aware when a \
        manifest gives groups or cell tracks): one fold tests, 20 % of the rest validates (64/16/20 with 5 folds).
        """)

    @Option(help: "Source model bundle: an SGAN discriminator (architecture sgan), e.g. from `cellphase sgan train`.")
    var from: String
    @OptionGroup var source: DataOptions
    @Option(help: "Number of stratified folds (the dataset's own folds when it has exactly this many).") var folds: Int = 5
    @Option(help: "What to train: fine-tune, head or full.") var mode: String = "fine-tune"
    @Option(help: "Convolutions unfrozen in the fine-tuning phase, counted from the last.") var fineTuneLayers: Int = 2
    @Option(help: "Maximum epochs of the head phase (of the only phase with --mode full).") var epochs: Int = 60
    @Option(help: "Maximum epochs of the fine-tuning phase.") var fineTuneEpochs: Int = 40
    @Option(help: "Head widths, comma-separated (empty: logits right on the backbone).") var head: String = "512,256,128"
    @Option(help: "Adam learning rate of the head phase (and of --mode full).") var lr: Float = 3e-4
    @Option(help: "Adam learning rate of the fine-tuning phase.") var fineTuneLr: Float = 5e-5
    @Option(help: "Mini-batch size.") var batchSize: Int = 32
    @Option(help: "Early stopping per phase: epochs without improvement (0: never stop early).") var patience: Int = 10
    @Option(help: "Early stopping never fires before this many epochs of a phase.") var warmup: Int = 5
    @Option(help: "Share of each fold's training images held out for validation.") var validationFraction: Double = 0.2
    @Flag(help: "Train without on-the-fly augmentation.") var noAugment = false
    @Flag(help: "Do not weight classes by inverse frequency.") var noClassWeights = false
    @Option(help: "Output folder (gets report.html and foldK/sgan-transfer.cellphase, foldK/training.jsonl). Default: runs/transfer.")
    var out: String?
    @Option(help: "Random seed (same seed, same result).") var seed: UInt64 = 1
    @Flag(help: "Print one JSON object on stdout (accuracy_mean, accuracy_std, per_fold, per_class, confusion, seconds, bundles).")
    var json = false

    var headWidths: [Int]? {
        let parts = head.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let w = parts.compactMap { Int($0) }
        return w.count == parts.count && w.allSatisfy { $0 >= 1 } ? w : nil
    }

    func validate() throws {
        guard folds >= 2 else { throw ValidationError("--folds must be ≥ 2") }
        guard TransferLearning.Mode(name: mode) != nil else { throw ValidationError("--mode must be fine-tune, head or full") }
        guard (1...4).contains(fineTuneLayers) else { throw ValidationError("--fine-tune-layers must be 1 to 4 (the backbone has 4 convolutions)") }
        guard epochs >= 1, fineTuneEpochs >= 0, batchSize >= 2 else {
            throw ValidationError("--epochs must be ≥ 1, --fine-tune-epochs ≥ 0 and --batch-size ≥ 2")
        }
        guard headWidths != nil else { throw ValidationError("--head must be positive integers separated by commas, e.g. 512,256,128") }
        guard validationFraction > 0, validationFraction < 0.5 else { throw ValidationError("--validation-fraction must be in (0, 0.5)") }
    }

    var options: TransferLearning.Options {
        var o = TransferLearning.Options()
        o.mode = TransferLearning.Mode(name: mode, layers: fineTuneLayers) ?? .fineTune(layers: fineTuneLayers)
        o.headWidths = headWidths ?? TransferClassifier.defaultHead
        o.epochs = epochs; o.fineTuneEpochs = fineTuneEpochs
        o.headLearningRate = lr; o.fineTuneLearningRate = fineTuneLr
        o.batchSize = batchSize
        o.earlyStopping = patience > 0 ? .init(patience: patience, warmup: warmup) : nil
        o.augmentation = noAugment ? nil : .paper
        o.balanceClasses = !noClassWeights
        o.validationFraction = validationFraction
        o.seed = seed
        return o
    }

    /// Whether the fine-tuning phase's weights were kept (only in --mode fine-tune).
    func fineTuneNote(_ fold: TransferLearning.Fold) -> String {
        guard case .fineTune = options.mode, fold.result.history.count > fold.headEpochs else { return "" }
        return fold.fineTuneKept ? ", fine-tuned kept" : ", head phase kept (fine-tuning did not beat it on validation)"
    }

    func run() throws {
        let t0 = Date()
        let bundleURL = URL(fileURLWithPath: from).standardizedFileURL
        let src = try TransferLearning.Source(bundle: bundleURL)
        let srcInfo = src.info
        Console.note("source: \(bundleURL.path) (sgan, d_filters \(src.config.discriminatorFilters.map(String.init).joined(separator: ",")), "
                     + "classes \(srcInfo.classes.joined(separator: ",")), \(srcInfo.preprocessing.key))")
        let mapping = try source.mapping()
        let data = try source.prepare(settings: srcInfo.preprocessing)
        let options = self.options
        let testFolds = Experiment.folds(for: data, k: folds, seed: seed)
        let grouped = data.dataset.groups.contains { $0 != nil }
        Console.note("\(testFolds.count) folds (\(grouped ? "stratified, group-aware" : "stratified")): "
                     + testFolds.map { "\($0.name) \($0.rows.count)" }.joined(separator: ", ") + "; mode \(options.mode)")
        let outURL = URL(fileURLWithPath: out ?? "runs/transfer").standardizedFileURL
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        let provenance = DataProvenance.of(data, root: source.root, mapping: mapping)
        let transfer = TransferLearning(options: options)
        var bundles: [String] = []
        let plannedEpochs: Int
        if case .fineTune = options.mode { plannedEpochs = options.epochs + options.fineTuneEpochs } else { plannedEpochs = options.epochs }

        let eta = TimeLeft(total: plannedEpochs * testFolds.count)
        let (summary, results) = try transfer.crossValidate(
            source: src, data: data, folds: testFolds,
            progress: { f, e in
                Console.note(Console.epochLine(e, of: plannedEpochs, prefix: "fold \(f + 1)/\(testFolds.count)  ")
                             + "  " + eta.text(done: f * plannedEpochs + e.epoch))
            },
            foldDone: { fold in
                let r = fold.result
                let dir = outURL.appendingPathComponent(r.name)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                let log = TrainingLog(url: dir.appendingPathComponent("training.jsonl"))
                try? FileManager.default.removeItem(at: log.url)
                try log.append(contentsOf: r.history)
                let url = dir.appendingPathComponent("sgan-transfer.\(ModelBundle.fileExtension)")
                try ModelBundle.save(model: fold.model, info: transfer.bundleInfo(for: fold, source: src, data: data, provenance: provenance),
                                     to: url)
                bundles.append(url.path)
                Console.note(String(format: "%@: test accuracy %.1f %%, balanced %.1f %% (%d head + %d fine-tune epochs%@, best %@, %.0f s) → %@",
                                    r.name, 100 * r.report.accuracy, 100 * r.report.balancedAccuracy, fold.headEpochs,
                                    r.history.count - fold.headEpochs, fineTuneNote(fold), r.bestEpoch.map(String.init) ?? "–",
                                    r.seconds, url.path))
            })
        let seconds = Date().timeIntervalSince(t0)
        let foldResults = results.map(\.result)

        var c = RunReportContents(title: "cellphase transfer — \(bundleURL.lastPathComponent) → \(source.root.lastPathComponent)")
        c.classCounts = data.dataset.classes.map { ($0, data.dataset.classCounts[$0] ?? 0) }
        c.dataNote = "\(source.root.path): \(testFolds.count) folds (stratified\(grouped ? ", group-aware" : "")); per fold one fold tests and \(Int((100 * validationFraction).rounded())) % of the rest validates."
        c.settings = [("source bundle", bundleURL.path),
                      ("source classes", srcInfo.classes.joined(separator: ", ")),
                      ("backbone", "SGAN discriminator, filters \(src.config.discriminatorFilters.map(String.init).joined(separator: ", ")), dropout \(src.config.discriminatorDropout)"),
                      ("head", (options.headWidths.map { "Dense \($0) + ReLU + BN" } + ["Dense \(data.dataset.classes.count) (logits)"]).joined(separator: " → ")),
                      ("preprocessing", "\(srcInfo.preprocessing.key) (the source bundle's)"),
                      ("mode", "\(options.mode)"),
                      ("head phase", "Adam \(lr), up to \(epochs) epochs"),
                      ("fine-tuning phase", { if case .fineTune = options.mode { return "Adam \(fineTuneLr), up to \(fineTuneEpochs) epochs" }; return "—" }()),
                      ("early stopping", patience > 0 ? "per phase, balanced accuracy, patience \(patience), warm-up \(warmup)" : "off"),
                      ("class weights", noClassWeights ? "none" : "balanced (when counts differ)"),
                      ("augmentation", noAugment ? "none" : "rotation ±30°, flips, shift 10 %, zoom 0.9–1.1, brightness 1.0–1.3"),
                      ("seed", "\(seed)"),
                      ("time", String(format: "%.0f s (%.0f s per fold)", seconds, seconds / Double(max(results.count, 1))))]
        c.crossValidation = summary
        c.trainingLog = foldResults.first?.history ?? []
        c.comparison = ModelComparisonPlot(entries: [.init(name: "sgan-transfer", summary: summary)],
                                           references: data.dataset.classes.count == 7 ? [.sganTransferRoboscope] : [])
        c.notes = "Training curves: the first fold (head phase, then fine-tuning).\n\n" + zip(results, bundles).map { f, b in
            String(format: "%@: accuracy %.2f %%, %d train / %d validation / %d test images, %d + %d epochs%@; bundle %@",
                   f.result.name, 100 * f.result.report.accuracy, f.result.trainCount, f.result.validationCount, f.result.testCount,
                   f.headEpochs, f.result.history.count - f.headEpochs, fineTuneNote(f), b)
        }.joined(separator: "\n")
        let reportURL = outURL.appendingPathComponent("report.html")
        try c.write(to: reportURL)
        Console.note("report: \(reportURL.path)")

        if json {
            var o = try Console.crossValidationObject(model: "sgan-transfer", summary: summary, folds: foldResults, seconds: seconds)
            o["report"] = reportURL.path
            o["bundles"] = bundles
            o["source"] = bundleURL.path
            o["mode"] = mode
            o["fold_head_epochs"] = results.map(\.headEpochs)
            o["fold_fine_tune_kept"] = results.map(\.fineTuneKept)
            print(try Console.json(object: o))
        } else {
            print(Console.crossValidationText(model: "sgan-transfer", summary: summary, seconds: seconds))
            print("report: \(reportURL.path)\nbundles: \(outURL.path)/<fold>/sgan-transfer.\(ModelBundle.fileExtension)")
        }
    }
}
