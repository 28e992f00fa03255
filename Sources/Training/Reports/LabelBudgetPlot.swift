import Foundation
import Plot

/// Test accuracy against labels per class, one line per method with a ± std error bar over folds at each budget —
/// the label-budget curves of the SGAN paper (*Semi supervised GAN for smart microscopy, fast and data efficient cell
/// cycle classification*, Figure 5) and of the simulated labelling study (`LabellingStudy`). Lines have class
/// "curve", error bars "errorbar", points "marker"; an optional dashed horizontal "reference" line marks a target.
public struct LabelBudgetPlot: Sendable {
    /// One method's curve: (labels per class, mean accuracy in 0…1, std over folds).
    public struct Series: Sendable {
        public var name: String
        public var points: [(labelsPerClass: Double, mean: Double, std: Double?)]
        public init(name: String, points: [(labelsPerClass: Double, mean: Double, std: Double?)]) {
            self.name = name; self.points = points
        }
    }

    public var series: [Series]
    public var title: String
    public var reference: (label: String, value: Double)?

    public init(series: [Series], title: String = "Accuracy against labels", reference: (label: String, value: Double)? = nil) {
        self.series = series; self.title = title; self.reference = reference
    }

    public func svg() -> String { canvas().render() }

    public func canvas() -> SVGCanvas {
        let f = PlotFrame(x: 74, y: 44, width: 460, height: 300)
        let names = series.map(\.name) + (reference.map { [$0.label] } ?? [])
        let legendW = 40 + 6.6 * Double(names.map(\.count).max() ?? 8)
        var c = SVGCanvas(width: f.x + f.width + 24 + legendW, height: f.y + f.height + 60, title: title)
        c.text(title, x: f.x + f.width / 2, y: 26, size: 15, anchor: "middle", bold: true)
        let points = series.flatMap(\.points).filter { $0.mean.isFinite && $0.labelsPerClass.isFinite }
        let xs = points.map(\.labelsPerClass)
        let lows = points.map { $0.mean - ($0.std ?? 0) } + (reference.map { [$0.value] } ?? [])
        let highs = points.map { $0.mean + ($0.std ?? 0) } + (reference.map { [$0.value] } ?? [])
        let x0 = xs.min() ?? 0, x1 = max((xs.min() ?? 0) + 1, xs.max() ?? 1)
        let x = LinearScale(domain: LinearScale.niceDomain(min(0, x0), x1), range: (f.x, f.x + f.width))
        let y = LinearScale(domain: LinearScale.niceDomain(max(0, (lows.min() ?? 0) - 0.05), min(1, (highs.max() ?? 1) + 0.02)),
                            range: (f.y + f.height, f.y))
        c.axes(frame: f, x: x, y: y, xLabel: "Labels per class", yLabel: "Test accuracy, mean ± std over folds",
               xFormat: { SVGCanvas.num($0) }, yFormat: percentLabel)
        var legend: [(label: String, color: String, dash: String?)] = []
        for (i, s) in series.enumerated() {
            let color = Palette.color(i)
            let p = s.points.filter { $0.mean.isFinite && $0.labelsPerClass.isFinite }.sorted { $0.labelsPerClass < $1.labelsPerClass }
            guard !p.isEmpty else { continue }
            // Error bars sit a little apart per series so that they do not hide one another.
            let shift = (Double(i) - Double(series.count - 1) / 2) * 3
            c.polyline(p.map { (x($0.labelsPerClass) + shift, y($0.mean)) }, stroke: color, width: 2, cls: "curve", tooltip: s.name)
            for q in p {
                let px = x(q.labelsPerClass) + shift
                if let sd = q.std, sd.isFinite, sd > 0 {
                    let a = y(max(y.domain.lowerBound, q.mean - sd)), b = y(min(y.domain.upperBound, q.mean + sd))
                    c.line(x1: px, y1: a, x2: px, y2: b, stroke: color, width: 1.2, cls: "errorbar")
                    c.line(x1: px - 3, y1: a, x2: px + 3, y2: a, stroke: color, width: 1.2, cls: "errorbar")
                    c.line(x1: px - 3, y1: b, x2: px + 3, y2: b, stroke: color, width: 1.2, cls: "errorbar")
                }
                c.circle(cx: px, cy: y(q.mean), r: 3, fill: color, cls: "marker")
            }
            legend.append((s.name, color, nil))
        }
        if let r = reference, r.value.isFinite {
            c.line(x1: f.x, y1: y(r.value), x2: f.x + f.width, y2: y(r.value), stroke: "#666", width: 1.2, dash: "6 4", cls: "reference")
            legend.append((r.label, "#666", "6 4"))
        }
        c.legend(legend, x: f.x + f.width + 14, y: f.y)
        return c
    }
}
