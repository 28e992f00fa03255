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
        let legendW = 40 + 6.6 * Double(curves.map { $0.name.count + 12 }.max() ?? 10)
        var c = SVGCanvas(width: 420 + legendW, height: 440, title: title)
        let f = PlotFrame(x: 70, y: 40, width: 330, height: 330)
        c.text(title, x: f.x + f.width / 2, y: 24, size: 15, anchor: "middle", bold: true)
        let x = LinearScale(domain: 0...1, range: (f.x, f.x + f.width))
        let y = LinearScale(domain: 0...1, range: (f.y + f.height, f.y))
        c.axes(frame: f, x: x, y: y, xLabel: "False-positive rate (1 − specificity)", yLabel: "True-positive rate (sensitivity)",
               xTicks: [0, 0.2, 0.4, 0.6, 0.8, 1], yTicks: [0, 0.2, 0.4, 0.6, 0.8, 1])
        c.line(x1: x(0), y1: y(0), x2: x(1), y2: y(1), stroke: "#888", width: 1, dash: "4 4", cls: "diagonal")
        var legend: [(label: String, color: String, dash: String?)] = []
        for (i, (name, curve)) in curves.enumerated() {
            let color = Palette.color(i)
            guard let curve else { legend.append(("\(name) (n/a)", "#bbbbbb", "2 3")); continue }
            let pts = zip(curve.falsePositiveRate, curve.truePositiveRate).map { (x($0), y($1)) }
            c.polyline(pts, stroke: color, width: 2, cls: "curve", tooltip: "\(name): AUC \(String(format: "%.3f", curve.auc))")
            legend.append(("\(name) (AUC \(String(format: "%.3f", curve.auc)))", color, nil))
        }
        c.legend(legend, x: f.x + f.width + 14, y: f.y)
        return c
    }
}
