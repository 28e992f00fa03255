import ArgumentParser
import Datasets
import Foundation
import Models
import Training

/// `cellphase train`: train a named model on a folder of crops; writes the bundle, epoch log and HTML report.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on a folder of labelled crops; write a model bundle, an epoch log and an HTML report.",
        discussion: "Models: \(ModelRegistry.entries.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).")

    @OptionGroup var source: DataOptions
    @OptionGroup var preprocess: PreprocessOptions
    @Option(help: "Architecture: \(ModelRegistry.names.joined(separator: ", ")).") var model: String = Recipe.defaultArchitecture
    @OptionGroup var training: TrainingOptions
    @Option(help: "Output folder (gets MODEL.cellphase/, training.jsonl, report.html). Default: runs/MODEL.") var out: String?
    @Option(help: "Share of the images held out for the test metrics.") var testFraction: Double = 0.15
    @Flag(help: "Print one JSON object (bundle path and test metrics) on stdout.") var json = false

    func validate() throws {
        guard testFraction >= 0, testFraction < 0.5 else { throw ValidationError("--test-fraction must be in [0, 0.5)") }
        _ = try ModelRegistry.entry(model)
    }

    func run() throws {
        let name = try ModelRegistry.entry(model).name
        let mapping = try source.mapping()
        let data = try source.prepare(settings: Experiment.preprocessing(side: training.size), preprocess: preprocess)
        let outURL = URL(fileURLWithPath: out ?? "runs/\(name)").standardizedFileURL
        var run = TrainingRun(architecture: name, options: training.trainerOptions(for: name, log: nil))
        run.validationFraction = training.validationFraction
        run.testFraction = testFraction
        run.initWeights = training.initURL
        run.settingsRows = training.settingsRows(for: [name])
        let epochs = run.options.epochs
        let outcome = try run.run(data: data, provenance: .of(data, root: source.root, mapping: mapping), out: outURL) {
            Console.note(Console.epochLine($0, of: epochs))
        }
        let r = outcome.result
        Console.note("best epoch \(r.bestEpoch.map(String.init) ?? "–") of \(r.history.count)\(r.stoppedEarly ? " (stopped early)" : ""), "
                     + String(format: "%.1f s", r.seconds))
        if json {
            var obj: [String: Any] = ["bundle": outcome.bundle.path, "report": outcome.report.path, "log": outcome.log.path,
                                      "model": name, "epochs_run": r.history.count, "seconds": r.seconds]
            obj["best_epoch"] = r.bestEpoch
            if let t = outcome.test { obj["test"] = try Console.dictionary(t) }
            print(try Console.json(object: obj))
        } else {
            if let t = outcome.test {
                print(String(format: "test accuracy %.1f %%, balanced accuracy %.1f %%, macro F1 %.3f on %d images",
                             100 * t.accuracy, 100 * t.balancedAccuracy, t.macroF1, t.samples))
            }
            print("bundle: \(outcome.bundle.path)\nreport: \(outcome.report.path)\nlog:    \(outcome.log.path)")
        }
    }
}
