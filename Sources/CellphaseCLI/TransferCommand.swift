import ArgumentParser
import Datasets
import Foundation
import Models
import Support
import Training

/// `cellphase transfer`: transfer a trained SGAN discriminator to a new dataset (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 6.3)
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
    @Option(help: "What to train: fine-tune, head or full.") var mode: TransferMode = .fineTune
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
        guard (1...4).contains(fineTuneLayers) else { throw ValidationError("--fine-tune-layers must be 1 to 4 (the backbone has 4 convolutions)") }
        guard epochs >= 1, fineTuneEpochs >= 0, batchSize >= 2 else {
            throw ValidationError("--epochs must be ≥ 1, --fine-tune-epochs ≥ 0 and --batch-size ≥ 2")
        }
        guard headWidths != nil else { throw ValidationError("--head must be positive integers separated by commas, e.g. 512,256,128") }
        guard validationFraction > 0, validationFraction < 0.5 else { throw ValidationError("--validation-fraction must be in (0, 0.5)") }
    }

    var options: TransferLearning.Options {
        var o = TransferLearning.Options()
        o.mode = TransferLearning.Mode(name: mode.rawValue, layers: fineTuneLayers) ?? .fineTune(layers: fineTuneLayers)
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

    func run() throws {
        let bundleURL = URL(fileURLWithPath: from).standardizedFileURL
        let src = try TransferLearning.Source(bundle: bundleURL)
        Console.note("source: \(bundleURL.path) (sgan, d_filters \(src.config.discriminatorFilters.map(String.init).joined(separator: ",")), "
                     + "classes \(src.info.classes.joined(separator: ",")), \(src.info.preprocessing.key))")
        let data = try source.prepare(settings: src.info.preprocessing)
        let testFolds = Experiment.folds(for: data, k: folds, seed: seed)
        Console.note("\(testFolds.count) folds (\(data.dataset.groups.contains { $0 != nil } ? "stratified, group-aware" : "stratified")): "
                     + testFolds.map { "\($0.name) \($0.rows.count)" }.joined(separator: ", ") + "; mode \(options.mode)")
        let transfer = TransferRun(options: options)
        let planned = transfer.plannedEpochs
        let eta = TimeLeft(total: planned * testFolds.count)
        let outcome = try transfer.run(
            source: src, sourceURL: bundleURL, data: data, dataRoot: source.root, folds: testFolds,
            provenance: DataProvenance.of(data, root: source.root, mapping: try source.mapping()),
            out: URL(fileURLWithPath: out ?? "runs/transfer").standardizedFileURL,
            progress: { f, e in
                Console.note(Console.epochLine(e, of: planned, prefix: "fold \(f + 1)/\(testFolds.count)  ")
                             + "  " + eta.text(done: f * planned + e.epoch))
            },
            note: Console.note)
        Console.note("report: \(outcome.report.path)")
        let (summary, results, seconds, reportURL) = (outcome.summary, outcome.folds, outcome.seconds, outcome.report)
        let foldResults = results.map(\.result)
        let bundles = outcome.bundles.map(\.path)
        let outURL = reportURL.deletingLastPathComponent()

        if json {
            var o = try Console.crossValidationObject(model: "sgan-transfer", summary: summary, folds: foldResults, seconds: seconds)
            o["report"] = reportURL.path
            o["bundles"] = bundles
            o["source"] = bundleURL.path
            o["mode"] = mode.rawValue
            o["fold_head_epochs"] = results.map(\.headEpochs)
            o["fold_fine_tune_kept"] = results.map(\.fineTuneKept)
            print(try Console.json(object: o))
        } else {
            print(Console.crossValidationText(model: "sgan-transfer", summary: summary, seconds: seconds))
            print("report: \(reportURL.path)\nbundles: \(outURL.path)/<fold>/sgan-transfer.\(ModelBundle.fileExtension)")
        }
    }
}
