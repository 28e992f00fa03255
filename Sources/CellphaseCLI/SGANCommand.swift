import ArgumentParser
import Datasets
import Foundation
import Imaging
import Models
import Support
import Training

/// `cellphase sgan …`: the semi-supervised GAN of the SGAN paper (train on a label budget, run the budget grid).
struct SGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgan",
        abstract: "Semi-supervised GAN: learn cell stages from a few labels per class plus unlabelled crops.",
        subcommands: [SGANTrainCommand.self, SGANGridCommand.self])
}

/// Network and schedule settings of `sgan train` and `sgan grid`.
struct SGANOptions: ParsableArguments {
    @Option(help: "Discriminator filters of the four stride-2 blocks (classic Keras layout: 128,128,128,128).")
    var dFilters: String = SGANConfig.light.discriminatorFilters.map(String.init).joined(separator: ",")
    @Option(help: "Generator filters of the four stride-2 transposed-convolution blocks.")
    var gFilters: String = SGANConfig.light.generatorFilters.map(String.init).joined(separator: ",")
    @Flag(help: "Use the classic Keras widths (128 filters in every block of both networks).") var classic = false
    @Option(help: "Latent size of the generator.") var latent: Int = 500
    @Option(help: "Dropout after each discriminator block.") var dropout: Float = 0.25
    @Option(help: "Maximum epochs (an epoch: one pass over the labelled training images in batches of N_B).")
    var epochs: Int = 200
    @Option(help: "Early-stopping patience as a fraction of --epochs (the paper: 0.1–0.2; 0: never stop early).")
    var patienceFraction: Double = 0.2
    @Option(help: "Stop a run after this many seconds (the best epoch is kept).") var timeLimit: Double?
    @Option(help: "Adam learning rate (β1 = 0.5).") var lr: Float = 6e-4
    @Option(help: "Write a checkpoint for epochs whose validation accuracy reaches this.") var threshold: Double = 0.75
    @Flag(help: "Train without on-the-fly augmentation.") var noAugment = false
    @Option(help: "Random seed (same seed, same result).") var seed: UInt64 = 1
    @Option(help: """
        Generator loss: published (the unsupervised head's BCE, section 4.2) or feature-matching (match the mean \
        discriminator features of real unlabelled images; Salimans et al. 2016).
        """)
    var generatorLoss: SGANIteration.GeneratorObjective = .published

    func validate() throws {
        try OptionCheck.integer(epochs, "--epochs", 1...100_000)
        try OptionCheck.number(patienceFraction, "--patience-fraction", 0...1)
        try OptionCheck.integer(latent, "--latent", 1...4096)
        try OptionCheck.number(dropout, "--dropout", 0...0.95)
        try OptionCheck.number(lr, "--lr", 0...1, excludingLower: true)
        try OptionCheck.number(threshold, "--threshold", 0...1)
        try OptionCheck.number(timeLimit, "--time-limit", 0...31_536_000, excludingLower: true)
        _ = try config()
    }

    func config() throws -> SGANConfig {
        var c = classic ? SGANConfig.classic() : SGANConfig.light
        if !classic {
            func widths(_ s: String, _ flag: String) throws -> [Int] {
                let w = s.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard w.count == 4, w.allSatisfy({ $0 >= 1 }) else {
                    throw ValidationError("\(flag) needs four positive widths, e.g. 32,64,128,256; got '\(s)'")
                }
                return w
            }
            c.discriminatorFilters = try widths(dFilters, "--d-filters")
            c.generatorFilters = try widths(gFilters, "--g-filters")
        }
        guard latent >= 1 else { throw ValidationError("--latent must be ≥ 1") }
        guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must be in [0, 1)") }
        c.latentSize = latent
        c.discriminatorDropout = dropout
        return c
    }

    func trainingOptions(mode: SGANTraining.Mode) throws -> SGANTraining.Options {
        var o = SGANTraining.Options(config: try config())
        o.mode = mode
        o.epochs = epochs
        o.patienceFraction = patienceFraction
        o.timeLimit = timeLimit
        o.learningRate = lr
        o.checkpointThreshold = threshold
        o.augmentation = noAugment ? nil : .paper
        o.seed = seed
        o.generatorObjective = generatorLoss
        return o
    }

    var settingsRows: [(String, String)] {
        let c = (try? config()) ?? .light
        return [("discriminator", "filters \(c.discriminatorFilters.map(String.init).joined(separator: "→")), dropout \(c.discriminatorDropout), "
                 + String(format: "%.1f MFLOP/image", c.discriminatorFLOPs / 1e6)),
                ("generator", "latent \(c.latentSize), filters \(c.generatorFilters.map(String.init).joined(separator: "→")), "
                 + String(format: "%.1f MFLOP/image", c.generatorFLOPs / 1e6) + ", loss \(generatorLoss.rawValue)"),
                ("optimiser", "Adam, learning rate \(lr), β1 0.5 (both networks)"),
                ("epochs (max)", "\(epochs), early stopping patience \(Int(patienceFraction * 100)) % of them"
                 + (timeLimit.map { String(format: ", time limit %.0f s", $0) } ?? "")),
                ("checkpoints", String(format: "every epoch with validation accuracy ≥ %.0f %%; the best kept", 100 * threshold)),
                ("augmentation", noAugment ? "none" : "rotation ±30°, flips, shift 10 %, zoom 0.9–1.1, brightness 1.0–1.3"),
                ("seed", "\(seed)")]
    }
}

/// `cellphase sgan train`: one label budget, over the dataset's own folds (or K stratified folds, or one named
/// test fold), with the SGAN or — `--baseline` — the same discriminator on the labels alone.
struct SGANTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the SGAN on N labels per class plus an unlabelled pool; test on held-out folds.",
        discussion: """
        Per test fold: N labelled images per class are drawn from the other folds, the unlabelled pool from what \
        they leave (or from --unlabelled-dir), 20 % of the labelled budget is held out for validation, and the \
        best validation epoch is evaluated once on the test fold. Writes per fold a model bundle (usable by \
        evaluate, predict, analyze, serve and transfer), the generator weights, a PNG contact sheet of generated \
        cells and an epoch log; one HTML report for the run.
        """)

    @OptionGroup var source: DataOptions
    @OptionGroup var preprocess: PreprocessOptions
    @OptionGroup var pool: BudgetOptions
    @Option(help: "Use only this fold as the test set (a fold folder name).") var testFold: String?
    @Option(help: "Number of stratified folds when the data has no folds of its own (default 5).") var folds: Int?
    @Flag(help: "Supervised-only baseline: the same discriminator trained on the labels alone.") var baseline = false
    @OptionGroup var sgan: SGANOptions
    @Option(help: "Output folder. Default: runs/sgan-l<N>.") var out: String?
    @Option(help: "Run registry (SQLite) recording every fold. Default: $CELLPHASE_REGISTRY, else ./cellphase-runs.sqlite.")
    var registry: String?
    @Flag(help: "Print one JSON object on stdout (accuracy_mean, accuracy_std, per_fold, per_class, confusion, seconds).")
    var json = false

    func validate() throws {
        try OptionCheck.integer(folds, "--folds", 2...100)
    }

    func run() throws {
        let t0 = Date()
        let options = try sgan.trainingOptions(mode: baseline ? .supervisedOnly : .semiSupervised)
        let data = try source.prepare(settings: PreprocessSettings(side: options.config.imageSize, normalization: .robustSymmetric),
                                      preprocess: preprocess,
                                      extraUnlabelled: pool.unlabelledFolder)
        let extra = data.labels.indices.filter { data.labels[$0] < 0 }
        let allFolds = Experiment.folds(labelledOf: data, k: folds, seed: sgan.seed)
        var testFolds = allFolds
        if let testFold {
            testFolds = testFolds.filter { $0.name == testFold }
            guard !testFolds.isEmpty else {
                throw ValidationError("--test-fold \(testFold): no such fold in \(source.root.path) (folds: \(data.dataset.folds.joined(separator: ", ")))")
            }
        }
        let budget = pool.spec
        var sganRun = SGANRun(options: options, budget: budget)
        sganRun.settingsRows = sgan.settingsRows
        let eta = SGANTimeLeft(folds: testFolds.count, epochs: options.epochs, timeLimit: options.timeLimit)
        var foldStart = Date(), currentFold = -1
        let outcome = try sganRun.run(
            data: data, dataRoot: source.root, allFolds: allFolds, testFolds: testFolds, extra: extra,
            provenance: DataProvenance.of(data, root: source.root, mapping: source.hasMapping ? try source.mapping() : nil),
            out: URL(fileURLWithPath: out ?? "runs/\(baseline ? "baseline" : "sgan")-l\(pool.labelsPerClass)").standardizedFileURL,
            recording: try RunRecording(path: registry, note: Console.note),
            epoch: { i, e in
                if i != currentFold { currentFold = i; foldStart = Date() }
                Console.note(Self.epochLine(e, of: options.epochs, prefix: "\(testFolds[i].name) (\(i + 1)/\(testFolds.count))  ")
                             + "  " + eta.text(fold: i, epoch: e.epoch, foldStart: foldStart))
            },
            note: Console.note)
        let (runs, summary, reportURL) = (outcome.folds, outcome.summary, outcome.report)
        let seconds = Date().timeIntervalSince(t0)
        Console.note("report: \(reportURL.path)")

        if json {
            var o = try Console.dictionary(summary)
            o["mode"] = options.mode.rawValue
            o["labels_per_class"] = pool.labelsPerClass
            o["seconds"] = seconds
            o["fold_names"] = runs.map(\.name)
            o["fold_seconds"] = runs.map(\.result.seconds)
            o["fold_iterations"] = runs.map(\.result.iterations)
            o["fold_best_epochs"] = runs.map { $0.result.bestEpoch ?? 0 }
            o["fold_epochs_run"] = runs.map(\.result.history.count)
            o["unlabelled"] = runs.map(\.unlabelledCount)
            o["report"] = reportURL.path
            print(try Console.json(object: o))
        } else {
            print(String(format: "%@, %d labels per class: accuracy %.1f ± %.1f %%, balanced %.1f ± %.1f %%, macro F1 %.3f, %d folds, %.0f s",
                         baseline ? "baseline" : "SGAN", pool.labelsPerClass, 100 * summary.accuracy.mean, 100 * (summary.accuracy.std ?? 0),
                         100 * summary.balancedAccuracy.mean, 100 * (summary.balancedAccuracy.std ?? 0), summary.macroF1.mean,
                         summary.folds, seconds))
            print("report: \(reportURL.path)")
        }
    }

    /// Time left of `sgan train`: epochs over folds, or the time limit of each fold when it binds first.
    struct SGANTimeLeft {
        let folds: Int, epochs: Int, timeLimit: Double?
        let clock: TimeLeft
        init(folds: Int, epochs: Int, timeLimit: Double?) {
            self.folds = folds; self.epochs = epochs; self.timeLimit = timeLimit
            clock = TimeLeft(total: folds * epochs)
        }
        func text(fold: Int, epoch: Int, foldStart: Date) -> String {
            let byEpochs = clock.text(done: fold * epochs + epoch)
            guard let limit = timeLimit else { return byEpochs }
            let left = max(0, limit - Date().timeIntervalSince(foldStart)) + limit * Double(folds - fold - 1)
            return "≤ \(TimeLeft.format(left)) left (time limit)"
        }
    }

    static func epochLine(_ e: SGANTraining.Epoch, of total: Int, prefix: String) -> String {
        var s = String(format: "%@epoch %3d/%d  d_sup %.3f  acc %5.1f %%", prefix, e.epoch, total, e.supervisedLoss, 100 * e.trainAccuracy)
        if let r = e.realLoss, let f = e.fakeLoss, let g = e.generatorLoss { s += String(format: "  d_real %.3f  d_fake %.3f  g %.3f", r, f, g) }
        if let va = e.validationAccuracy { s += String(format: "  val_acc %5.1f %%", 100 * va) }
        return s + String(format: "  %.1f s", e.seconds)
    }
}
