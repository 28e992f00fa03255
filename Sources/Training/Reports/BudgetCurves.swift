import Foundation
import RunRegistry

/// Accuracy against labels per class from recorded runs — the label-budget comparison of *Semi supervised GAN for
/// smart microscopy, fast and data efficient cell cycle classification* (section 6.2, Figure 5) for whatever methods
/// were run (`sgan train`, `semi train`, their baselines): each run group (one command's folds) is one method at one
/// budget; its finished folds give the mean ± std. The budget comes from the run key's `l<N>-u…` part, the method
/// from the run kind and the model named in the key.
public struct BudgetCurves: Sendable {
    /// One method at one budget.
    public struct Cell: Sendable {
        public var method: String
        public var labelsPerClass: Int
        public var group: String
        /// (fold, test accuracy) of each finished fold, by fold name.
        public var folds: [(name: String, accuracy: Double)]
        public var seconds: Double
        public var mean: Double { folds.map(\.accuracy).reduce(0, +) / Double(max(folds.count, 1)) }
        public var std: Double? {
            guard folds.count > 1 else { return nil }
            let m = mean
            return (folds.map { ($0.accuracy - m) * ($0.accuracy - m) }.reduce(0, +) / Double(folds.count - 1)).squareRoot()
        }
    }

    public var cells: [Cell]

    /// Cells from the runs of each group (`RunRegistry.runs(group:)`), each named `label` when given (variants of one
    /// method), else after its kind and model; groups without a budget in their keys, or with no finished run, are
    /// refused by name, as are two groups giving the same method at the same budget.
    public init(groups: [(group: String, label: String?, runs: [RunRecord])]) throws {
        var cells: [Cell] = []
        for (group, label, runs) in groups {
            let finished = runs.filter { $0.status == .finished && $0.accuracy != nil }
            guard let first = finished.first else { throw BudgetCurvesError.noFinishedRuns(group: group) }
            guard let budget = Self.labelsPerClass(key: first.key) else { throw BudgetCurvesError.noBudget(group: group, key: first.key) }
            let method = label ?? Self.method(kind: first.kind, key: first.key)
            if let other = cells.first(where: { $0.method == method && $0.labelsPerClass == budget }) {
                throw BudgetCurvesError.twice(method: method, labelsPerClass: budget, groups: [other.group, group])
            }
            let folds = finished.map { (name: $0.key.split(separator: "/").last.map(String.init) ?? $0.key, accuracy: $0.accuracy!) }
            cells.append(Cell(method: method, labelsPerClass: budget, group: group, folds: folds.sorted { $0.name < $1.name },
                              seconds: finished.compactMap(\.seconds).reduce(0, +)))
        }
        self.cells = cells.sorted { ($0.method, $0.labelsPerClass) < ($1.method, $1.labelsPerClass) }
    }

    /// N of a key's `l<N>-u…` component.
    static func labelsPerClass(key: String) -> Int? {
        for part in key.split(separator: "/") where part.hasPrefix("l") {
            let body = part.dropFirst().split(separator: "-", maxSplits: 1)
            if body.count == 2, body[1].hasPrefix("u"), let n = Int(body[0]) { return n }
        }
        return nil
    }

    /// The run kind, with the model when the key names one before its budget (`semi` + `resnet18/l80-uall/…`).
    static func method(kind: String, key: String) -> String {
        let parts = key.split(separator: "/").map(String.init)
        guard let model = parts.first, labelsPerClass(key: model) == nil, model != kind, parts.count > 2 else { return kind }
        return "\(kind) \(model)"
    }

    /// The figure: one line per method with ± std error bars over folds.
    public func plot(reference: (label: String, value: Double)? = nil) -> LabelBudgetPlot {
        let methods = cells.map(\.method).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return LabelBudgetPlot(series: methods.map { m in
            .init(name: m, points: cells.filter { $0.method == m }.map { (Double($0.labelsPerClass), $0.mean, $0.std) })
        }, title: "Test accuracy against labels per class", reference: reference)
    }

    /// A Markdown table: method, labels per class, mean ± std, per fold, seconds.
    public var markdown: String {
        var lines = ["| method | labels per class | accuracy (mean ± std) | per fold | seconds |", "|---|---|---|---|---|"]
        for c in cells {
            lines.append(String(format: "| %@ | %d | %.1f ± %.1f %% | %@ | %.0f |", c.method, c.labelsPerClass, 100 * c.mean, 100 * (c.std ?? 0),
                                c.folds.map { String(format: "%.1f", 100 * $0.accuracy) }.joined(separator: ", "), c.seconds))
        }
        return lines.joined(separator: "\n")
    }
}

/// Why run groups cannot make label-budget curves.
public enum BudgetCurvesError: Error, LocalizedError, Equatable {
    case noFinishedRuns(group: String)
    case noBudget(group: String, key: String)
    case twice(method: String, labelsPerClass: Int, groups: [String])

    public var errorDescription: String? {
        switch self {
        case let .noFinishedRuns(g): "run group '\(g)' has no finished run"
        case let .noBudget(g, k): "run group '\(g)' has no label budget in its keys (e.g. '\(k)'; budgets look like l80-uall)"
        case let .twice(m, n, gs): "groups \(gs.joined(separator: " and ")) both give \(m) at \(n) labels per class; give one of them"
        }
    }
}
