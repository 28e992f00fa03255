import Datasets
import Foundation
import Models
import Plot
import Support

/// One `cellphase sgan grid` run (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle
/// classification*, section 5, Figures 4 and 5): labels per class × unlabelled pools × folds, with the baselines,
/// every cell recorded in the run registry (finished cells of the group are never run again, so a stopped grid
/// resumes and shards of one grid can run at once), then a report built from every finished cell of the group.
public struct SGANGridRun {
    public var labelBudgets: [Int]
    public var poolList: [SGANGrid.Pool]
    public var methods: [SGANGrid.Method]
    public var options: SGANTraining.Options
    /// Maximum epochs of the lowdepth baseline.
    public var baselineEpochs = 100
    /// Shard i of n (1-based), or nil for the whole grid.
    public var shard: (index: Int, count: Int)?
    /// Extra "Model and settings" rows of the report.
    public var settingsRows: [(String, String)] = []

    public init(labelBudgets: [Int], pools: [SGANGrid.Pool], methods: [SGANGrid.Method], options: SGANTraining.Options) {
        self.labelBudgets = labelBudgets; self.poolList = pools; self.methods = methods; self.options = options
    }

    /// One cell of the grid over its finished folds.
    public struct CellResult {
        public var key: String
        public var cell: SGANGrid.Cell
        public var accuracyMean: Double
        public var accuracyStd: Double?
        public var perFold: [(fold: String, accuracy: Double)]
        /// Per-class figures and confusion over the folds, when every fold's report is stored.
        public var summary: CrossValidationSummary?
    }

    /// What the run produced.
    public struct Outcome {
        public var cells: [CellResult]
        public var cellsTotal: Int
        public var cellsFinished: Int
        public var skipped: [String]
        public var report: URL
    }

    /// Runs this shard's unfinished cells on `data` (GAN preprocessing; `supervisedData` prepares the lowdepth
    /// baseline's [0, 1] inputs, once, when a baseline cell runs) and writes the report into `outURL`.
    public func run(data: PreparedDataset, supervisedData: () throws -> PreparedDataset, dataRoot: URL,
                    testFolds: [(name: String, rows: [Int])], groupName: String, reportOnly: Bool, outURL: URL,
                    recording: RunRecording, sganEpoch: (String, SGANTraining.Epoch) -> Void = { _, _ in },
                    supervisedEpoch: (String, EpochRecord) -> Void = { _, _ in },
                    note: (String) -> Void = { _ in }) throws -> Outcome {
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        let grid = SGANGrid(labelsPerClass: labelBudgets, pools: poolList, folds: testFolds.map(\.name), baselines: methods)
        let all = grid.cells
        let mine = shard.map { SGANGrid.shard(all, index: $0.index, count: $0.count) } ?? all
        let fingerprint = DataProvenance.of(data, root: dataRoot, mapping: nil).fingerprint
        var unitData: PreparedDataset?
        var notes: [String] = []

        if !reportOnly {
            let done = Set(try recording.registry.runs(group: groupName, status: .finished).map(\.key))
            let todo = mine.filter { !done.contains($0.key) }
            note("grid '\(groupName)': \(all.count) cells; this shard \(mine.count), finished before \(mine.count - todo.count), to run \(todo.count)")
            let eta = TimeLeft(total: todo.count)
            for (n, cell) in todo.enumerated() {
                let fold = testFolds.first { $0.name == cell.fold }!
                let test = Set(fold.rows)
                let trainRows = testFolds.flatMap(\.rows).filter { !test.contains($0) }
                if let why = SGANGrid.infeasibility(of: cell, labels: data.labels, classNames: data.dataset.classes, trainRows: trainRows) {
                    notes.append("\(cell.key) skipped: \(why)")
                    note("[\(n + 1)/\(todo.count)] \(cell.key): skipped — \(why)")
                    continue
                }
                let cellDir = outURL.appendingPathComponent("cells").appendingPathComponent(cell.key)
                var o = options
                o.mode = cell.method == .supervisedOnly ? .supervisedOnly : .semiSupervised
                o.seed = options.seed &+ UInt64(testFolds.firstIndex { $0.name == cell.fold } ?? 0)
                let prefix = "[\(n + 1)/\(todo.count), \(eta.text(done: n))] \(cell.key)"
                let accuracy: Double
                if cell.method == .lowdepth {
                    if unitData == nil { unitData = try supervisedData() }
                    accuracy = try runLowdepth(cell, data: unitData!, trainRows: trainRows, testRows: fold.rows, seed: o.seed,
                                               recording: recording, group: groupName, fingerprint: fingerprint, prefix: prefix,
                                               epoch: supervisedEpoch)
                } else {
                    let run = try recording.record(kind: cell.method.rawValue, key: cell.key, group: groupName, config: SGANGrid.CellConfig(cell: cell, sgan: o),
                                                   seed: o.seed, fingerprint: fingerprint) { log -> (SGANExperiment.FoldRun, RunRecording.Outcome) in
                        let run = try SGANExperiment.runFold(
                            name: cell.fold, data: data, trainRows: trainRows, testRows: fold.rows, budget: cell.budget, options: o,
                            checkpoints: cellDir.appendingPathComponent("checkpoints"),
                            onEpoch: { e in
                                try log.epoch(e)
                                if e.epoch % 10 == 0 { sganEpoch(prefix, e) }
                            },
                            onCheckpoint: { e, url in try log.checkpoint(e, url) })
                        let saved = try SGANExperiment.saveFold(run, data: data, provenance: nil, options: o, to: cellDir)
                        return (run, .init(metrics: run.report, seconds: run.result.seconds, bundle: saved.bundle, report: nil))
                    }
                    accuracy = run.report.accuracy
                }
                note(String(format: "%@: test accuracy %.1f %%", prefix, 100 * accuracy))
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
        c.dataNote = "\(dataRoot.path): test folds \(testFolds.map(\.name).joined(separator: ", ")); \(finished.count) of \(all.count) cells finished."
        c.settings = [("labels per class", labelBudgets.map(String.init).joined(separator: ", ")),
                      ("unlabelled pools", poolList.map(\.description).joined(separator: ", ")),
                      ("baselines", methods.isEmpty ? "none" : methods.map(\.rawValue).joined(separator: ", ")),
                      ("registry", recording.registry.url.path)] + settingsRows
        c.budgetGrid = heat
        if !entries.isEmpty { c.comparison = ModelComparisonPlot(entries: entries) }
        if !notes.isEmpty { c.notes = notes.joined(separator: "\n") }
        let reportURL = outURL.appendingPathComponent("report.html")
        try c.write(to: reportURL)

        var results: [CellResult] = []
        for cell in all where cell.fold == grid.folds.first {
            let methodKey = "\(cell.method.rawValue)/\(cell.budget.key)"
            guard let v = byCell[methodKey], let s = stats(cell.method, cell.budget) else { continue }
            let reports = v.compactMap(\.report)
            let summary = reports.count == v.count && !reports.isEmpty ? try? CrossValidationSummary(folds: reports) : nil
            results.append(CellResult(key: methodKey, cell: cell, accuracyMean: s.mean, accuracyStd: s.std,
                                      perFold: v.sorted { $0.fold < $1.fold }.map { ($0.fold, $0.accuracy) }, summary: summary))
        }
        return Outcome(cells: results, cellsTotal: all.count, cellsFinished: finished.count, skipped: notes, report: reportURL)
    }

    /// The lowdepth CNN on the cell's labels (80/20 split of the budget), recorded like the SGAN cells.
    func runLowdepth(_ cell: SGANGrid.Cell, data: PreparedDataset, trainRows: [Int], testRows: [Int], seed: UInt64,
                     recording: RunRecording, group: String, fingerprint: String?, prefix: String,
                     epoch: (String, EpochRecord) -> Void) throws -> Double {
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
        return try recording.record(kind: cell.method.rawValue, key: cell.key, group: group, config: SGANGrid.CellConfig(cell: cell, sgan: nil), seed: seed,
                                    fingerprint: fingerprint) { log -> (Double, RunRecording.Outcome) in
            let (model, result) = try Experiment.train(config, data: data, train: split.train, validation: split.validation, options: o) { e in
                try? log.epoch(e)
                if e.epoch % 10 == 0 { epoch(prefix, e) }
            }
            let (report, _) = try Experiment.evaluate(model, data: data, rows: testRows)
            return (report.accuracy, .init(metrics: report, seconds: result.seconds, bundle: nil, report: nil))
        }
    }
}
