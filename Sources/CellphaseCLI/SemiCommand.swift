import ArgumentParser
import Datasets
import Foundation
import Imaging
import Models
import Support
import Training

/// `cellphase semi …`: few labels plus unlabelled crops with a consistency method (FixMatch) on any architecture.
struct SemiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "semi",
        abstract: "Semi-supervised consistency training (FixMatch): a few labels per class plus unlabelled crops.",
        subcommands: [SemiTrainCommand.self])
}

/// `cellphase semi train`: one label budget over the test folds, as `sgan train` draws it, trained with FixMatch
/// (or, `--baseline`, on the labels alone), each fold's model written as a bundle and recorded in the run registry.
struct SemiTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train on N labels per class plus the unlabelled pool (FixMatch); test on held-out folds.",
        discussion: """
        Per test fold: N labelled images per class are drawn from the other folds exactly as `sgan train` draws them \
        (same seed, same crops), 20 % of them validate, and the unlabelled pool is what they leave (or \
        --unlabelled-dir). Each step the model labels a weakly augmented view of unlabelled crops; where its top \
        probability reaches --threshold, that call is the target of a strongly augmented view (any rotation, larger \
        shifts and zooms, blur, noise, grey levels, a cutout). Writes a model bundle per fold (usable by evaluate, \
        predict, analyze, serve), the epoch logs (with the share of confident crops and, where the pool's labels are \
        known, how often their pseudo-labels were right) and one HTML report.
        """)

    @OptionGroup var source: DataOptions
    @OptionGroup var preprocess: PreprocessOptions
    @Option(help: "Architecture: \(ModelRegistry.names.joined(separator: ", ")).") var model: String = Recipe.defaultArchitecture
    @OptionGroup var pool: BudgetOptions
    @Option(help: "Number of stratified folds when the data has no folds of its own (default 5).") var folds: Int?
    @Option(help: "Test only this fold (a fold folder name); it trains with the seed it has in a full run.") var testFold: String?
    @Option(help: """
        Strong view: full (any rotation, shift 15 %, zoom 0.8–1.2, gain 0.7–1.4, blur, noise, grey levels, cutout up \
        to half the crop) or geometric (the same without blur, noise and grey levels, cutout up to 30 %).
        """)
    var strong: StrongViewChoice = .full
    @Flag(help: "Distribution alignment: divide the weak view's probabilities by their running mean over the pool before thresholding (ReMixMatch), so the classes the model already favours do not take over the pseudo-labels.")
    var align = false
    @Flag(help: "Supervised baseline: the same model and recipe on the labels alone.") var baseline = false
    @Option(help: "Confidence a weak view's call needs to become a pseudo-label.") var threshold: Double = ConsistencyTraining.fixMatch.threshold
    @Option(help: "Unlabelled crops per labelled crop in a step (FixMatch's μ).") var ratio: Int = ConsistencyTraining.fixMatch.ratio
    @Option(help: "Weight of the pseudo-labelled loss (FixMatch's λ_u).") var unlabelledWeight: Double = ConsistencyTraining.fixMatch.weight
    @OptionGroup var training: TrainingOptions
    @Option(help: "Output folder. Default: runs/semi-l<N> (runs/semi-baseline-l<N> with --baseline).") var out: String?
    @Option(help: "Run registry (SQLite) recording every fold. Default: $CELLPHASE_REGISTRY, else ./cellphase-runs.sqlite.")
    var registry: String?
    @Flag(help: "Print one JSON object on stdout (accuracy_mean, accuracy_std, per_fold, per_class, …).") var json = false

    func validate() throws {
        try OptionCheck.integer(folds, "--folds", 2...100)
        try OptionCheck.number(threshold, "--threshold", 0...1)
        try OptionCheck.integer(ratio, "--ratio", 1...64)
        try OptionCheck.number(unlabelledWeight, "--unlabelled-weight", 0...100)
        _ = try ModelRegistry.entry(model)
        if baseline && pool.namesAPool {
            throw ValidationError("--baseline trains on the labels alone: drop --unlabelled, --unlabelled-dir and --stratified-pool")
        }
        if training.mix != nil { throw ValidationError("--mix cannot be combined with semi train's consistency loss") }
    }

    func run() throws {
        let name = try ModelRegistry.entry(model).name
        let data = try source.prepare(settings: Experiment.preprocessing(side: training.size), preprocess: preprocess,
                                      extraUnlabelled: pool.unlabelledFolder)
        let testFolds = Experiment.folds(labelledOf: data, k: folds, seed: training.seed)
        if let testFold, !testFolds.contains(where: { $0.name == testFold }) {
            throw ValidationError("--test-fold \(testFold): no such fold in \(source.root.path) (folds: \(testFolds.map(\.name).joined(separator: ", ")))")
        }
        let consistency = ConsistencyTraining(threshold: threshold, ratio: ratio, weight: unlabelledWeight, strong: strong.settings,
                                              alignment: align)
        var cv = CrossValidationRun(architectures: [name]) { arch in
            var o = training.trainerOptions(for: arch, log: nil)
            o.consistency = baseline ? nil : consistency
            return o
        }
        cv.budget = pool.spec
        cv.extraUnlabelled = data.labels.indices.filter { data.labels[$0] < 0 }
        cv.testFolds = testFold.map { [$0] }
        cv.kind = baseline ? "semi-baseline" : "semi"
        cv.title = "cellphase semi train — \(name), \(pool.labelsPerClass) labels per class, " + (baseline ? "labels alone" : "FixMatch")
        cv.initWeights = training.initURL
        cv.settingsRows = [("method", baseline ? "supervised on the label budget alone"
                                : String(format: "FixMatch: threshold %.2f, %d unlabelled per labelled crop, weight %g; strong view: %@", threshold, ratio,
                                         unlabelledWeight, strong.description) + (align ? "; distribution alignment" : ""))]
            + training.settingsRows(for: [name])
        cv.recording = try RunRecording(path: registry, note: Console.note)
        let provenance = DataProvenance.of(data, root: source.root, mapping: source.hasMapping ? try source.mapping() : nil)
        cv.fingerprint = provenance.fingerprint
        cv.bundles = provenance
        let epochs = training.recipe(for: name).epochs
        let tested = testFolds.filter { testFold == nil || $0.name == testFold }
        let eta = TimeLeft(total: epochs * tested.count)
        let (results, reportURL) = try cv.run(
            data: data, folds: testFolds, foldsNote: testFolds.count == Splitter.authorsFolds(data.dataset).count ? "the dataset's own" : "stratified k-fold",
            dataRoot: source.root,
            out: URL(fileURLWithPath: out ?? "runs/semi-\(baseline ? "baseline-" : "")l\(pool.labelsPerClass)").standardizedFileURL,
            progress: { _, f, e in
                let k = tested.firstIndex { $0.name == testFolds[f].name } ?? 0
                Console.note(Console.epochLine(e, of: epochs, prefix: "\(testFolds[f].name) (\(k + 1)/\(tested.count))  ")
                             + "  " + eta.text(done: k * epochs + e.epoch))
            },
            note: Console.note)
        Console.note("report: \(reportURL.path)")
        let r = results[0]
        if json {
            var o = try Console.crossValidationObject(model: r.name, summary: r.summary, folds: r.folds, seconds: r.seconds)
            o["mode"] = baseline ? "baseline" : "fixmatch"
            o["labels_per_class"] = pool.labelsPerClass
            o["unlabelled"] = r.folds.map(\.unlabelledCount)
            o["report"] = reportURL.path
            print(try Console.json(object: o))
        } else {
            print(Console.crossValidationText(model: "\(r.name), \(pool.labelsPerClass) labels per class, \(baseline ? "labels alone" : "FixMatch")",
                                              summary: r.summary, seconds: r.seconds))
            if let levers = r.levers { print(levers.text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")) }
            print("report: \(reportURL.path)")
        }
    }
}

/// The strong view of `semi train` (`AugmentationSettings.strong` / `.strongGeometric`).
enum StrongViewChoice: String, ExpressibleByArgument, CaseIterable {
    case full, geometric
    var settings: AugmentationSettings { self == .full ? .strong : .strongGeometric }
    var description: String {
        switch self {
        case .full: "any rotation, shift 15 %, zoom 0.8–1.2, gain 0.7–1.4, blur/noise/grey levels, cutout ≤ half the crop"
        case .geometric: "any rotation, shift 15 %, zoom 0.8–1.2, gain 0.7–1.4, cutout ≤ 30 % of the crop"
        }
    }
}
