import Foundation
import Models
import Plot

/// ROC curves, one per class (one-vs-rest) or a single binary curve, with the chance diagonal and
/// each AUC in the legend. Serves the first paper's section 2.3.4 (ROC: the sensitivity/specificity
/// trade-off). Curves have class "curve"; undefined curves (class absent) are listed as "n/a".
public struct ROCPlot: Sendable {
    public var curves: [(name: String, curve: ROCCurve?)]
    public var title: String

    public init(curves: [(name: String, curve: ROCCurve?)], title: String = "ROC curves (one-vs-rest)") {
        self.curves = curves; self.title = title
    }

    /// One-vs-rest curves of every class from true labels and class probabilities.
    public init(truth: [Int], probabilities: [[Float]], classes: [String], title: String = "ROC curves (one-vs-rest)") throws {
        let cs = try ROCCurve.oneVsRest(truth: truth, probabilities: probabilities, classCount: classes.count)
        self.init(curves: Array(zip(classes, cs)).map { (name: $0.0, curve: $0.1) }, title: title)
    }

    public func svg() -> String { canvas().render() }

    public func canvas() -> SVGCanvas {
        var p = UnitSquarePlot(title: title, xLabel: "False-positive rate (1 − specificity)", yLabel: "True-positive rate (sensitivity)",
                               legendLabels: curves.map(\.name))
        var legend: [(label: String, color: String, dash: String?)] = []
        for (i, (name, curve)) in curves.enumerated() {
            let color = Palette.color(i)
            guard let curve else { legend.append(("\(name) (n/a)", "#bbbbbb", "2 3")); continue }
            let pts = zip(curve.falsePositiveRate, curve.truePositiveRate).map { (p.x($0), p.y($1)) }
            p.canvas.polyline(pts, stroke: color, width: 2, cls: "curve", tooltip: "\(name): AUC \(String(format: "%.3f", curve.auc))")
            legend.append(("\(name) (AUC \(String(format: "%.3f", curve.auc)))", color, nil))
        }
        p.legend(legend)
        return p.canvas
    }
}
