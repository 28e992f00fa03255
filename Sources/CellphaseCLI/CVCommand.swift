import ArgumentParser
import Datasets
import Foundation
import Models
import Support
import Training

/// `cellphase cv`: k-fold cross-validation (the dataset's own folds when it has them) of one or more models.
struct CVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cv",
        abstract: "Cross-validate models: mean ± std and 95 % CI of accuracy, balanced accuracy, macro F1, per-class figures.",
        discussion: "Uses the authors' folds of a ROOT/<fold>/<class>/ layout (unless --folds asks for another number), otherwise stratified k-fold. In each fold a stratified share of the training images is held out for early stopping.")

    @OptionGroup var source: DataOptions
    @OptionGroup var preprocess: PreprocessOptions
    @Option(help: "Architecture, or several comma-separated to compare them: \(ModelRegistry.names.joined(separator: ", ")).")
    var model: String = Recipe.defaultArchitecture
    @Option(help: "Number of folds (default: the dataset's own folds, else 5).") var folds: Int?
    @OptionGroup var training: TrainingOptions
    @Option(help: "Output folder for report.html and the per-fold epoch logs. Default: runs/cv-MODEL.") var out: String?
    @Flag(help: "Print one JSON object on stdout (accuracy_mean, accuracy_std, per_fold, per_class, …).") var json = false
    @Option(help: "Run registry (SQLite) recording every fold. Default: $CELLPHASE_REGISTRY, else ./cellphase-runs.sqlite.")
    var registry: String?

    func run() throws {
        let names = try model.split(separator: ",").map { try ModelRegistry.entry(String($0).trimmingCharacters(in: .whitespaces)).name }
        guard !names.isEmpty else { throw ValidationError("--model names no architecture") }
        if let folds, folds < 2 { throw ValidationError("--folds must be ≥ 2") }
        let data = try source.prepare(settings: Experiment.preprocessing(side: training.size), preprocess: preprocess)
        let testFolds = Experiment.folds(for: data, k: folds, seed: training.seed)
        let ownCount = Splitter.authorsFolds(data.dataset).count
        let own = ownCount >= 2 && (folds == nil || folds == ownCount)
        Console.note("\(testFolds.count) folds (\(own ? "the dataset's own" : "stratified")): "
                     + testFolds.map { "\($0.name) \($0.rows.count)" }.joined(separator: ", "))

        // Time left: every model's planned epochs over every fold (early stopping only shortens it).
        let planned = names.map { training.recipe(for: $0).epochs * training.ensemble * testFolds.count }
        let eta = TimeLeft(total: planned.reduce(0, +))
        var cv = CrossValidationRun(architectures: names) { training.trainerOptions(for: $0, log: nil) }
        cv.validationFraction = training.validationFraction
        cv.initWeights = training.initURL
        cv.settingsRows = training.settingsRows(for: names)
        cv.recording = try RunRecording(path: registry, note: Console.note)
        cv.fingerprint = DataProvenance.of(data, root: source.root, mapping: source.hasMapping ? try source.mapping() : nil).fingerprint
        let (results, reportURL) = try cv.run(
            data: data, folds: testFolds, foldsNote: own ? "the dataset's own" : "stratified k-fold", dataRoot: source.root,
            out: URL(fileURLWithPath: out ?? "runs/cv-\(names.joined(separator: "+"))").standardizedFileURL,
            progress: { m, f, e in
                let perFold = planned[m] / testFolds.count, epochs = perFold / training.ensemble
                Console.note(Console.epochLine(e, of: epochs, prefix: "\(names[m]) fold \(f + 1)/\(testFolds.count)  ")
                             + "  " + eta.text(done: planned[..<m].reduce(0, +) + f * perFold + ((e.member ?? 1) - 1) * epochs + e.epoch))
            },
            note: Console.note)
        Console.note("report: \(reportURL.path)")

        func object(_ r: CrossValidationRun.ModelResult) throws -> [String: Any] {
            try Console.crossValidationObject(model: r.name, summary: r.summary, folds: r.folds, seconds: r.seconds)
        }
        if json {
            var top = try object(results[0])
            if results.count > 1 {
                top["models"] = Dictionary(uniqueKeysWithValues: try results.map { ($0.name, try object($0)) })
            }
            top["report"] = reportURL.path
            print(try Console.json(object: top))
        } else {
            for r in results {
                print(Console.crossValidationText(model: r.name, summary: r.summary, seconds: r.seconds))
                if let levers = r.levers { print(levers.text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")) }
            }
            print("report: \(reportURL.path)")
        }
    }
}
