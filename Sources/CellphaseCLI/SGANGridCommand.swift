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
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        let groupName = group ?? "grid:\(outURL.lastPathComponent)"
        let recording = try RunRecording(path: registry)

        let options = try sgan.trainingOptions(mode: .semiSupervised)
        let data = try source.prepare(settings: PreprocessSettings(side: options.config.imageSize, normalization: .robustSymmetric),
                                          preprocess: preprocess)
        let testFolds = Experiment.folds(for: data, k: folds, seed: sgan.seed)
        let grid = SGANGrid(labelsPerClass: labelBudgets, pools: poolList, folds: testFolds.map(\.name), baselines: methods)
        let all = grid.cells
        let mine = shardSpec.map { SGANGrid.shard(all, index: $0.index, count: $0.count) } ?? all
        let fingerprint = DataProvenance.of(data, root: source.root, mapping: nil).fingerprint
        var unitData: PreparedDataset?
        var notes: [String] = []

        if !reportOnly {
            let done = Set(try recording.registry.runs(group: groupName, status: .finished).map(\.key))
            let todo = mine.filter { !done.contains($0.key) }
            Console.note("grid '\(groupName)': \(all.count) cells; this shard \(mine.count), finished before \(mine.count - todo.count), to run \(todo.count)")
            let eta = TimeLeft(total: todo.count)
            for (n, cell) in todo.enumerated() {
                let fold = testFolds.first { $0.name == cell.fold }!
                let test = Set(fold.rows)
                let trainRows = testFolds.flatMap(\.rows).filter { !test.contains($0) }
                if let why = SGANGrid.infeasibility(of: cell, labels: data.labels, classNames: data.dataset.classes, trainRows: trainRows) {
                    notes.append("\(cell.key) skipped: \(why)")
                    Console.note("[\(n + 1)/\(todo.count)] \(cell.key): skipped — \(why)")
                    continue
                }
                let cellDir = outURL.appendingPathComponent("cells").appendingPathComponent(cell.key)
                var o = options
                o.mode = cell.method == .supervisedOnly ? .supervisedOnly : .semiSupervised
                o.seed = sgan.seed &+ UInt64(testFolds.firstIndex { $0.name == cell.fold } ?? 0)
                let prefix = "[\(n + 1)/\(todo.count), \(eta.text(done: n))] \(cell.key)"
                let accuracy: Double
                if cell.method == .lowdepth {
                    if unitData == nil { unitData = try source.prepare(settings: Experiment.preprocessing(side: options.config.imageSize), preprocess: preprocess) }
                    accuracy = try runLowdepth(cell, data: unitData!, trainRows: trainRows, testRows: fold.rows, seed: o.seed,
                                               recording: recording, group: groupName, fingerprint: fingerprint, prefix: prefix)
                } else {
                    let run = try recording.record(kind: cell.method.rawValue, key: cell.key, group: groupName, config: CellConfig(cell: cell, sgan: o),
                                                   seed: o.seed, fingerprint: fingerprint) { log -> (SGANExperiment.FoldRun, RunRecording.Outcome) in
                        let run = try SGANExperiment.runFold(
                            name: cell.fold, data: data, trainRows: trainRows, testRows: fold.rows, budget: cell.budget, options: o,
                            checkpoints: cellDir.appendingPathComponent("checkpoints"),
                            onEpoch: { e in
                                try log.epoch(e)
                                if e.epoch % 10 == 0 { Console.note(SGANTrainCommand.epochLine(e, of: o.epochs, prefix: prefix + "  ")) }
                            },
                            onCheckpoint: { e, url in try log.checkpoint(e, url) })
                        let saved = try SGANExperiment.saveFold(run, data: data, provenance: nil, options: o, to: cellDir)
                        return (run, .init(metrics: run.report, seconds: run.result.seconds, bundle: saved.bundle, report: nil))
                    }
                    accuracy = run.report.accuracy
                }
                Console.note(String(format: "%@: test accuracy %.1f %%", prefix, 100 * accuracy))
            }
        }

        // Merge every finished cell of the group, whichever process ran it.
        let finished = try recording.registry.runs(group: groupName, status: .finished)
        var byCell: [String: [(fold: String, accuracy: Double, report: EvaluationReport?)]] = [:]
        let decoder = JSONDecoder()
        let cellsByKey = Dictionary(all.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for r in finished {
            guard let cell = cellsByKey[r.key], let acc = r.accuracy else { continue }
            let report = r.metricsJSON.flatMap { try? decoder.decode(EvaluationReport.self, from: Data($0.utf8)) }
            byCell["\(cell.method.rawValue)/\(cell.budget.key)", default: []].append((cell.fold, acc, report))
        }
        func stats(_ method: SGANGrid.Method, _ budget: SGANExperiment.BudgetSpec) -> (mean: Double, std: Double?, n: Int)? {
            guard let v = byCell["\(method.rawValue)/\(budget.key)"], !v.isEmpty else { return nil }
            let xs = v.map(\.accuracy)
            let mean = xs.reduce(0, +) / Double(xs.count)
            let std = xs.count > 1 ? (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1)).squareRoot() : nil
            return (mean, std, xs.count)
        }
        let heat = BudgetGridHeatMap(
            labelsPerClass: labelBudgets, poolSizes: poolList.map(\.size),
            mean: labelBudgets.map { l in poolList.map { p in stats(.sgan, .init(labelsPerClass: l, unlabelled: p.size, stratifiedPool: p.stratified))?.mean } },
            std: labelBudgets.map { l in poolList.map { p in stats(.sgan, .init(labelsPerClass: l, unlabelled: p.size, stratifiedPool: p.stratified))?.std } })
        var entries: [ModelComparisonPlot.Entry] = []
        for l in labelBudgets {
            let best = poolList.compactMap { p in stats(.sgan, .init(labelsPerClass: l, unlabelled: p.size, stratifiedPool: p.stratified)).map { (p, $0) } }
                .max { $0.1.mean < $1.1.mean }
            if let (p, s) = best { entries.append(.init(name: "SGAN \(l)/class (pool \(p))", mean: s.mean, std: s.std)) }
            for m in methods {
                if let s = stats(m, .init(labelsPerClass: l, unlabelled: 0)) { entries.append(.init(name: "\(m.rawValue) \(l)/class", mean: s.mean, std: s.std)) }
            }
        }
        var c = RunReportContents(title: "cellphase sgan grid — \(groupName)")
        c.classCounts = data.dataset.classes.map { ($0, data.dataset.classCounts[$0] ?? 0) }
        c.dataNote = "\(source.root.path): test folds \(testFolds.map(\.name).joined(separator: ", ")); \(finished.count) of \(all.count) cells finished."
        c.settings = [("labels per class", labelBudgets.map(String.init).joined(separator: ", ")),
                      ("unlabelled pools", poolList.map(\.description).joined(separator: ", ")),
                      ("baselines", methods.isEmpty ? "none" : methods.map(\.rawValue).joined(separator: ", ")),
                      ("registry", recording.registry.url.path)] + sgan.settingsRows
        c.budgetGrid = heat
        if !entries.isEmpty { c.comparison = ModelComparisonPlot(entries: entries) }
        if !notes.isEmpty { c.notes = notes.joined(separator: "\n") }
        let reportURL = outURL.appendingPathComponent("report.html")
        try c.write(to: reportURL)
        Console.note("report: \(reportURL.path)")

        // One JSON object: every cell, and the largest finished SGAN cell's figures at top level.
        var cells: [[String: Any]] = []
        for cell in all where cell.fold == grid.folds.first {
            let methodKey = "\(cell.method.rawValue)/\(cell.budget.key)"
            guard let v = byCell[methodKey], let s = stats(cell.method, cell.budget) else { continue }
            var o: [String: Any] = ["key": methodKey, "method": cell.method.rawValue, "labels_per_class": cell.budget.labelsPerClass,
                                    "unlabelled": cell.budget.unlabelled ?? 0, "stratified_pool": cell.budget.stratifiedPool,
                                    "accuracy_mean": s.mean, "folds": s.n,
                                    "per_fold": v.sorted { $0.fold < $1.fold }.map { ["fold": $0.fold, "accuracy": $0.accuracy] }]
            o["accuracy_std"] = s.std
            let reports = v.compactMap(\.report)
            if reports.count == v.count, reports.count >= 1, let summary = try? CrossValidationSummary(folds: reports) {
                let d = try Console.dictionary(summary)
                o["per_class"] = d["per_class"]; o["confusion"] = d["confusion"]
            }
            cells.append(o)
        }
        var top: [String: Any] = ["group": groupName, "cells": cells, "cells_total": all.count, "cells_finished": finished.count,
                                  "seconds": Date().timeIntervalSince(t0), "report": reportURL.path, "skipped": notes]
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

    /// The lowdepth CNN on the cell's labels (80/20 split of the budget), recorded like the SGAN cells.
    func runLowdepth(_ cell: SGANGrid.Cell, data: PreparedDataset, trainRows: [Int], testRows: [Int], seed: UInt64,
                     recording: RunRecording, group: String, fingerprint: String?, prefix: String) throws -> Double {
        var o = SupervisedTrainer.Options()
        o.epochs = baselineEpochs
        o.learningRate = Recipe.lowDepth.learningRate
        o.schedule = Recipe.lowDepth.schedule
        o.seed = seed
        o.earlyStopping = .init(patience: max(10, baselineEpochs / 5), warmup: 15)
        let draw = try Budget.draw(labels: data.labels, classNames: data.dataset.classes, from: trainRows,
                                   perClass: cell.budget.labelsPerClass, seed: seed)
        let split = Splitter.stratified(labels: data.labels, groups: nil, indices: draw.labelled, train: 0.8, validation: 0.2, test: 0, seed: seed)
        let config = try Experiment.config(architecture: "lowdepth", data: data)
        return try recording.record(kind: cell.method.rawValue, key: cell.key, group: group, config: CellConfig(cell: cell, sgan: nil), seed: seed,
                                    fingerprint: fingerprint) { log -> (Double, RunRecording.Outcome) in
            let (model, result) = try Experiment.train(config, data: data, train: split.train, validation: split.validation, options: o) { e in
                try? log.epoch(e)
                if e.epoch % 10 == 0 { Console.note(Console.epochLine(e, of: o.epochs, prefix: prefix + "  ")) }
            }
            let (report, _) = try Experiment.evaluate(model, data: data, rows: testRows)
            return (report.accuracy, .init(metrics: report, seconds: result.seconds, bundle: nil, report: nil))
        }
    }

    /// What the registry stores as a cell's configuration.
    struct CellConfig: Encodable {
        var cell: SGANGrid.Cell
        var sgan: SGANTraining.Options?
    }
}
