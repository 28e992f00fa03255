import Datasets
import Foundation
import Plot
import Support

/// What `cellphase labels simulate` writes for a `LabellingStudy`: the result as JSON, one CSV row per strategy, fold
/// and budget, the accuracy-against-labels figure (the SGAN paper's Figure 5 form, *Semi supervised GAN for smart
/// microscopy, fast and data efficient cell cycle classification*) and a text table.
extension LabellingStudy.Result {
    /// The figure: one line per strategy, mean ± std over folds, random's last accuracy as the dashed reference.
    public var figure: LabelBudgetPlot {
        let strategies = summaries.reduce(into: [LabellingStudy.Strategy]()) { if !$0.contains($1.strategy) { $0.append($1.strategy) } }
        let series = strategies.map { s in
            LabelBudgetPlot.Series(name: s.rawValue, points: summaries.filter { $0.strategy == s }.map {
                ($0.labelsPerClass, $0.accuracy.mean, $0.accuracy.std)
            })
        }
        let randomFinal = summaries.last { $0.strategy == .random }?.accuracy.mean
        return LabelBudgetPlot(series: series, title: "Labelling strategies: accuracy on the held-out fold",
                               reference: randomFinal.map { ("random at \(SVGCanvas.num(Double(budgets.last ?? 0) / Double(max(classes.count, 1)))) per class", $0) })
    }

    /// strategy,fold,labels,labels_per_class,accuracy,balanced_accuracy,picks_misclassified,seconds
    public var csv: String {
        var lines = [CSVTable.line(["strategy", "fold", "labels", "labels_per_class", "accuracy", "balanced_accuracy",
                                    "picks_misclassified", "seconds"])]
        for c in curves {
            for p in c.points {
                lines.append(CSVTable.line([c.strategy.rawValue, c.fold, "\(p.labels)",
                                            String(format: "%.2f", Double(p.labels) / Double(max(classes.count, 1))),
                                            String(format: "%.4f", p.accuracy), String(format: "%.4f", p.balancedAccuracy),
                                            p.picksMisclassified.map { String(format: "%.4f", $0) } ?? "",
                                            String(format: "%.1f", p.seconds)]))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A table of mean ± std per budget (columns) and strategy (rows), paired differences to random, and how many
    /// labels each strategy needed to reach random's accuracy at the last budget.
    public var text: String {
        let strategies = summaries.reduce(into: [LabellingStudy.Strategy]()) { if !$0.contains($1.strategy) { $0.append($1.strategy) } }
        func pct(_ v: Double) -> String { String(format: "%.1f", 100 * v) }
        var out: [String] = []
        if let architecture, let steps {
            out.append("each round: \(architecture), \(steps) steps, " + (warmStart == true ? "fine-tuning the previous round's model" : "trained from scratch"))
        }
        out.append("labels/class  " + budgets.map { String(format: "%13.1f", Double($0) / Double(max(classes.count, 1))) }.joined())
        for s in strategies {
            let row = summaries.filter { $0.strategy == s }
            out.append(s.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                       + row.map { x in (pct(x.accuracy.mean) + (x.accuracy.std.map { " ± " + pct($0) } ?? "")).leftPadded(13) }.joined())
            if s != .random {
                out.append("  − random   " + row.map { x in
                    (x.pairedDifference.map { (($0.mean >= 0 ? "+" : "") + pct($0.mean)) + ($0.std.map { " ± " + pct($0) } ?? "") } ?? "").leftPadded(13)
                }.joined())
            }
        }
        if let last = budgets.last {
            for s in strategies where s != .random {
                if let n = labelsToReachRandomFinal(s) {
                    out.append("\(s.rawValue): reaches random's \(last)-label accuracy with \(n) labels (\(Int((100 * Double(n) / Double(last)).rounded())) %)")
                } else {
                    out.append("\(s.rawValue): does not reach random's \(last)-label accuracy")
                }
            }
        }
        out.append("\(curves.count) curves in " + TimeLeft.format(seconds))
        return out.joined(separator: "\n")
    }

    /// Writes `study.json`, `study.csv` and `figures/accuracy-vs-labels.svg|png` into `dir`, each atomically.
    public func write(to dir: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: dir.appendingPathComponent("study.json"))
        try AtomicFile.write(csv, to: dir.appendingPathComponent("study.csv"))
        try figure.canvas().writeSVGAndPNG(to: dir.appendingPathComponent("figures/accuracy-vs-labels.svg"))
    }
}

private extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? " " + self : String(repeating: " ", count: n - count) + self }
}
