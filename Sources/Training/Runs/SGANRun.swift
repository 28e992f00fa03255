import Datasets
import Foundation
import Models
import Support

/// One complete `cellphase sgan train` run (*Semi supervised GAN for smart microscopy, fast and data efficient cell
/// cycle classification*, sections 4.2 and 5): one label budget over the test folds, each fold trained, tested once
/// and recorded in the run registry, with its bundle, generator, contact sheet and epoch log, and one HTML report.
public struct SGANRun {
    public var options: SGANTraining.Options
    public var budget: SGANExperiment.BudgetSpec
    /// Extra "Model and settings" rows of the report (the options as the user gave them).
    public var settingsRows: [(String, String)] = []

    public init(options: SGANTraining.Options, budget: SGANExperiment.BudgetSpec) {
        self.options = options; self.budget = budget
    }

    /// What the run produced.
    public struct Outcome {
        public var folds: [SGANExperiment.FoldRun]
        public var summary: CrossValidationSummary
        public var report: URL
        public var seconds: Double
    }

    public var isBaseline: Bool { options.mode == .supervisedOnly }

    /// Trains on every fold of `testFolds` (`allFolds`: every labelled row by fold; `extra`: rows of an unlabelled
    /// folder, label −1) and writes the artefacts into `out`. `epoch(fold index, epoch)` sees every epoch, `note`
    /// one line per finished fold.
    public func run(data: PreparedDataset, dataRoot: URL, allFolds: [(name: String, rows: [Int])],
                    testFolds: [(name: String, rows: [Int])], extra: [Int], provenance: DataProvenance, out: URL,
                    recording: RunRecording, epoch: (Int, SGANTraining.Epoch) -> Void = { _, _ in },
                    note: (String) -> Void = { _ in }) throws -> Outcome {
        let t0 = Date()
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var runs: [SGANExperiment.FoldRun] = []
        for (i, fold) in testFolds.enumerated() {
            let foldDir = out.appendingPathComponent(fold.name)
            try FileManager.default.createDirectory(at: foldDir, withIntermediateDirectories: true)
            let log = TrainingLog(url: foldDir.appendingPathComponent("epochs.jsonl"))
            try? FileManager.default.removeItem(at: log.url)
            let test = Set(fold.rows)
            let trainRows = allFolds.flatMap(\.rows).filter { !test.contains($0) }
            var o = options
            o.seed = options.seed &+ UInt64(i)
            let key = "\(options.mode.rawValue)/\(budget.key)/\(fold.name)"
            let cell = SGANGrid.Cell(method: isBaseline ? .supervisedOnly : .sgan, budget: budget, fold: fold.name)
            let run = try recording.record(kind: options.mode.rawValue, key: key, group: "train:\(out.path)",
                                           config: SGANGrid.CellConfig(cell: cell, sgan: o),
                                           seed: o.seed, fingerprint: provenance.fingerprint) { record -> (SGANExperiment.FoldRun, RunRecording.Outcome) in
                let run = try SGANExperiment.runFold(
                    name: fold.name, data: data, trainRows: trainRows, testRows: fold.rows, extraUnlabelled: extra,
                    budget: budget, options: o, checkpoints: foldDir.appendingPathComponent("checkpoints"),
                    onEpoch: { e in
                        try log.append(line: e)
                        try record.epoch(e)
                        epoch(i, e)
                    },
                    onCheckpoint: { e, url in try record.checkpoint(e, url) })
                let saved = try SGANExperiment.saveFold(run, data: data, provenance: provenance, options: o, to: foldDir)
                return (run, .init(metrics: run.report, seconds: run.result.seconds, bundle: saved.bundle,
                                   report: out.appendingPathComponent("report.html")))
            }
            note(String(format: "%@: test accuracy %.1f %% (best epoch %@ of %d, %d iterations, %.0f s; %@)", fold.name,
                        100 * run.report.accuracy, run.result.bestEpoch.map(String.init) ?? "–", run.result.history.count,
                        run.result.iterations, run.result.seconds, run.result.stopReason))
            runs.append(run)
        }
        let summary = try CrossValidationSummary(folds: runs.map(\.report))
        let seconds = Date().timeIntervalSince(t0)
        let reportURL = out.appendingPathComponent("report.html")
        try report(runs: runs, summary: summary, data: data, dataRoot: dataRoot, seconds: seconds, out: out).write(to: reportURL)
        return Outcome(folds: runs, summary: summary, report: reportURL, seconds: seconds)
    }

    func report(runs: [SGANExperiment.FoldRun], summary: CrossValidationSummary, data: PreparedDataset, dataRoot: URL,
                seconds: Double, out: URL) -> HTMLReport {
        let l = budget.labelsPerClass
        var c = RunReportContents(title: "cellphase sgan train — \(isBaseline ? "supervised-only baseline" : "SGAN"), \(l) labels per class")
        c.classCounts = data.dataset.classes.map { ($0, data.dataset.classCounts[$0] ?? 0) }
        c.dataNote = "\(dataRoot.path): " + runs.map {
            "\($0.name): \($0.labelledCount) labelled for training, \($0.validationCount) validation, \($0.unlabelledCount) unlabelled, \($0.testRows.count) test"
        }.joined(separator: "; ") + "."
        c.settings = [("mode", isBaseline ? "supervised only (no unlabelled or generated images)" : "SGAN"),
                      ("budget", "\(l) labels per class, unlabelled pool \(budget.unlabelled.map(String.init) ?? "all that is left")\(budget.stratifiedPool ? " (class-stratified)" : "")")]
            + settingsRows
            + [("time", String(format: "%.0f s in all; %@", seconds, runs.map { String(format: "%@ %.0f s / %d iterations", $0.name, $0.result.seconds, $0.result.iterations) }.joined(separator: ", ")))]
        if runs.count > 1 { c.crossValidation = summary } else if let r = runs.first { c.evaluation = r.report }
        c.trainingLog = runs.first?.result.history.map(\.record) ?? []
        let html = c.htmlReport()
        if let first = runs.first, !isBaseline {
            html.addFigure(title: "GAN losses — \(first.name)", canvas: SGANLossPlot(epochs: first.result.history).canvas(),
                           caption: "Per-epoch mean losses of the discriminator (supervised, real, fake) and the generator.")
            let png = out.appendingPathComponent(first.name).appendingPathComponent("generated.png")
            if let bytes = try? Data(contentsOf: png) {
                html.addImage(title: "Generated cells — \(first.name)", png: bytes, caption: "64 samples of the generator at the best epoch.")
            }
        }
        return html
    }
}

extension SGANGrid {
    /// What the registry stores as a cell's configuration.
    public struct CellConfig: Encodable {
        public var cell: SGANGrid.Cell
        public var sgan: SGANTraining.Options?
        public init(cell: SGANGrid.Cell, sgan: SGANTraining.Options?) { self.cell = cell; self.sgan = sgan }
    }
}
