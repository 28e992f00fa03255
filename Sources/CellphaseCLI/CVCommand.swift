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
    var model: String = "lowdepth"
    @Option(help: "Number of folds (default: the dataset's own folds, else 5).") var folds: Int?
    @OptionGroup var training: TrainingOptions
    @Option(help: "Output folder for report.html and the per-fold epoch logs. Default: runs/cv-MODEL.") var out: String?
    @Flag(help: "Print one JSON object on stdout (accuracy_mean, accuracy_std, per_fold, per_class, …).") var json = false

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
        let outURL = URL(fileURLWithPath: out ?? "runs/cv-\(names.joined(separator: "+"))").standardizedFileURL
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)

        var results: [(name: String, summary: CrossValidationSummary, folds: [Experiment.FoldResult], seconds: Double)] = []
        // Time left: every model's planned epochs over every fold (early stopping only shortens it).
        let planned = names.map { training.recipe(for: $0).epochs * testFolds.count }
        let eta = TimeLeft(total: planned.reduce(0, +))
        for (m, name) in names.enumerated() {
            let before = planned[..<m].reduce(0, +)
            let t0 = Date()
            let options = training.trainerOptions(for: name, log: TrainingLog(url: outURL.appendingPathComponent("\(name).jsonl")))
            let (summary, foldResults) = try Experiment.crossValidate(
                architecture: name, data: data, folds: testFolds, options: options,
                validationFraction: training.validationFraction, initWeights: training.initURL,
                progress: { f, e in
                    Console.note(Console.epochLine(e, of: options.epochs, prefix: "\(name) fold \(f + 1)/\(testFolds.count)  ")
                                 + "  " + eta.text(done: before + f * options.epochs + e.epoch))
                },
                foldDone: { r in
                    Console.note(String(format: "%@ %@: test accuracy %.1f %%, balanced %.1f %% (best epoch %@, %.0f s)",
                                        name, r.name, 100 * r.report.accuracy, 100 * r.report.balancedAccuracy,
                                        r.bestEpoch.map(String.init) ?? "–", r.seconds))
                })
            let secs = Date().timeIntervalSince(t0)
            Console.note(String(format: "%@: accuracy %.1f ± %.1f %%, balanced %.1f ± %.1f %% over %d folds (%.0f s)", name,
                                100 * summary.accuracy.mean, 100 * (summary.accuracy.std ?? 0),
                                100 * summary.balancedAccuracy.mean, 100 * (summary.balancedAccuracy.std ?? 0), summary.folds, secs))
            results.append((name, summary, foldResults, secs))
        }

        // Report: the CV summary of each model, the comparison plot, the first fold's curves.
        var c = RunReportContents(title: "cellphase cv — \(names.joined(separator: ", "))")
        c.classCounts = data.dataset.classes.map { ($0, data.dataset.classCounts[$0] ?? 0) }
        c.dataNote = "\(source.root.path): \(testFolds.count) folds (\(own ? "the dataset's own" : "stratified k-fold"))."
        c.settings = [("models", names.joined(separator: ", "))] + training.settingsRows(for: names)
            + results.map { ("time \($0.name)", String(format: "%.0f s (%.0f s per fold)", $0.seconds, $0.seconds / Double(testFolds.count))) }
        c.crossValidation = results[0].summary
        c.trainingLog = results[0].folds.first?.history ?? []
        c.comparison = ModelComparisonPlot(entries: results.map { .init(name: $0.name, summary: $0.summary) },
                                           references: data.dataset.classes.count == 7 ? [.sganTransferRoboscope] : [])
        if results.count > 1 {
            c.notes = results.dropFirst().map { r in
                String(format: "%@: accuracy %.1f ± %.1f %%, balanced accuracy %.1f ± %.1f %%, macro F1 %.3f.", r.name,
                       100 * r.summary.accuracy.mean, 100 * (r.summary.accuracy.std ?? 0),
                       100 * r.summary.balancedAccuracy.mean, 100 * (r.summary.balancedAccuracy.std ?? 0), r.summary.macroF1.mean)
            }.joined(separator: "\n")
        }
        let reportURL = outURL.appendingPathComponent("report.html")
        let html = c.htmlReport()
        for r in results.dropFirst() { html.addCrossValidation(r.summary, title: "Cross-validation — \(r.name)") }
        try html.write(to: reportURL)
        Console.note("report: \(reportURL.path)")

        func object(_ r: (name: String, summary: CrossValidationSummary, folds: [Experiment.FoldResult], seconds: Double)) throws -> [String: Any] {
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
            for r in results { print(Console.crossValidationText(model: r.name, summary: r.summary, seconds: r.seconds)) }
            print("report: \(reportURL.path)")
        }
    }
}
