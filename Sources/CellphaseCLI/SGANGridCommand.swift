import ArgumentParser
import Datasets
import Foundation
import Models
import Plot
import RunRegistry
import Support
import Training

/// `cellphase sgan grid`: the label-budget grid of the SGAN paper (section 5, Figures 4 and 5), recorded cell by cell
/// in the run registry so shards can run in parallel and an interrupted grid resumes without redoing finished cells.
struct SGANGridCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "Run the SGAN label-budget grid (labels per class × unlabelled pool × folds) and its baselines.",
        discussion: """
        Cells: for each test fold and labelled budget, the SGAN at every pool size, then the baselines at the same \
        labels (the SGAN's discriminator alone, and the lowdepth CNN). Cells the data cannot supply are skipped with \
        a note. Every cell is recorded in the run registry (--registry); finished cells of the same --group are not \
        run again, so a stopped grid resumes, and shards (--shard i/n) of one grid can run at once on one registry. \
        The report (heat map of mean accuracy, comparison with the baselines) is built from every finished cell of \
        the group, whichever shard ran it.
        """)

    @OptionGroup var source: DataOptions
    @OptionGroup var preprocess: PreprocessOptions
    @Option(help: "Labelled budgets per class, comma-separated.") var labels: String = "20,40,60,80"
    @Option(help: "Unlabelled pool sizes, comma-separated; 's' marks a class-stratified pool.") var pools: String = "100,185s,200,300,400,500,600"
    @Option(help: "Baselines: supervised-only, lowdepth, both comma-separated, or none.") var baselines: String = "supervised-only,lowdepth"
    @Option(help: "Number of stratified folds when the data has no folds of its own (default 5).") var folds: Int?
    @Option(help: "Run only shard i of n (1-based), e.g. 2/8 for a job array.") var shard: String?
    @Option(help: "Maximum epochs of the lowdepth baseline.") var baselineEpochs: Int = 100
    @OptionGroup var sgan: SGANOptions
    @Option(help: "Run registry (SQLite). Default: $CELLPHASE_REGISTRY, else ./cellphase-runs.sqlite.") var registry: String?
    @Option(help: "Grid name in the registry (cells of one name are run once). Default: the output folder's name.") var group: String?
    @Flag(help: "Run nothing; build the report from the registry.") var reportOnly = false
    @Option(help: "Output folder. Default: runs/sgan-grid.") var out: String?
    @Flag(help: "Print one JSON object on stdout (per cell: accuracy_mean, accuracy_std, per_fold; the largest SGAN cell's figures at top level).")
    var json = false

    func run() throws {
        let t0 = Date()
        let labelBudgets = try labels.split(separator: ",").map { s -> Int in
            guard let n = Int(s.trimmingCharacters(in: .whitespaces)), n >= 2 else { throw ValidationError("--labels: '\(s)' is not a budget ≥ 2") }
            return n
        }
        let poolList = try pools.split(separator: ",").map { s -> SGANGrid.Pool in
            guard let p = SGANGrid.Pool(String(s)) else { throw ValidationError("--pools: '\(s)' is not a pool size (e.g. 300 or 185s)") }
            return p
        }
        let methods: [SGANGrid.Method] = baselines == "none" ? [] : try baselines.split(separator: ",").map {
            guard let m = SGANGrid.Method(rawValue: $0.trimmingCharacters(in: .whitespaces)), m != .sgan else {
                throw ValidationError("--baselines: '\($0)' is not supervised-only or lowdepth")
            }
            return m
        }
        let shardSpec = try shard.map { s -> (index: Int, count: Int) in
            guard let p = SGANGrid.parseShard(s) else { throw ValidationError("--shard must be i/n with 1 ≤ i ≤ n, got '\(s)'") }
            return p
        }
        let outURL = URL(fileURLWithPath: out ?? "runs/sgan-grid").standardizedFileURL
        let groupName = group ?? "grid:\(outURL.lastPathComponent)"
        let recording = try RunRecording(path: registry, note: Console.note)
        let options = try sgan.trainingOptions(mode: .semiSupervised)
        let data = try source.prepare(settings: PreprocessSettings(side: options.config.imageSize, normalization: .robustSymmetric),
                                      preprocess: preprocess)
        let testFolds = Experiment.folds(for: data, k: folds, seed: sgan.seed)
        var gridRun = SGANGridRun(labelBudgets: labelBudgets, pools: poolList, methods: methods, options: options)
        gridRun.baselineEpochs = baselineEpochs
        gridRun.shard = shardSpec
        gridRun.settingsRows = sgan.settingsRows
        let outcome = try gridRun.run(
            data: data, supervisedData: { try source.prepare(settings: Experiment.preprocessing(side: options.config.imageSize), preprocess: preprocess) },
            dataRoot: source.root, testFolds: testFolds, groupName: groupName, reportOnly: reportOnly, outURL: outURL,
            recording: recording,
            sganEpoch: { prefix, e in Console.note(SGANTrainCommand.epochLine(e, of: options.epochs, prefix: prefix + "  ")) },
            supervisedEpoch: { prefix, e in Console.note(Console.epochLine(e, of: baselineEpochs, prefix: prefix + "  ")) },
            note: Console.note)
        let reportURL = outcome.report
        Console.note("report: \(reportURL.path)")

        // One JSON object: every cell, and the largest finished SGAN cell's figures at top level.
        var cells: [[String: Any]] = []
        for r in outcome.cells {
            var o: [String: Any] = ["key": r.key, "method": r.cell.method.rawValue, "labels_per_class": r.cell.budget.labelsPerClass,
                                    "unlabelled": r.cell.budget.unlabelled ?? 0, "stratified_pool": r.cell.budget.stratifiedPool,
                                    "accuracy_mean": r.accuracyMean, "folds": r.perFold.count,
                                    "per_fold": r.perFold.map { ["fold": $0.fold, "accuracy": $0.accuracy] }]
            o["accuracy_std"] = r.accuracyStd
            if let summary = r.summary {
                let d = try Console.dictionary(summary)
                o["per_class"] = d["per_class"]; o["confusion"] = d["confusion"]
            }
            cells.append(o)
        }
        var top: [String: Any] = ["group": groupName, "cells": cells, "cells_total": outcome.cellsTotal, "cells_finished": outcome.cellsFinished,
                                  "seconds": Date().timeIntervalSince(t0), "report": reportURL.path, "skipped": outcome.skipped]
        if let largest = cells.filter({ ($0["method"] as? String) == "sgan" })
            .max(by: { (($0["labels_per_class"] as? Int) ?? 0, ($0["unlabelled"] as? Int) ?? 0) < (($1["labels_per_class"] as? Int) ?? 0, ($1["unlabelled"] as? Int) ?? 0) }) {
            for k in ["accuracy_mean", "accuracy_std", "per_fold", "per_class", "confusion"] { top[k] = largest[k] }
        }
        if json {
            print(try Console.json(object: top))
        } else {
            for cell in cells {
                print(String(format: "%-32@ %5.1f %% ± %4.1f  (%d folds)", (cell["key"] as? String ?? "") as NSString,
                             100 * ((cell["accuracy_mean"] as? Double) ?? 0), 100 * ((cell["accuracy_std"] as? Double) ?? 0), (cell["folds"] as? Int) ?? 0))
            }
            print("report: \(reportURL.path)")
        }
    }
}
