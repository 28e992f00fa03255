import Foundation
import Models
import Plot

/// Side-by-side comparison of models: one bar per model at its mean accuracy with a ± std error bar,
/// optionally a dashed reference line (e.g. the SGAN paper's 92.41 % transfer-learning accuracy on
/// roboscope-zeiss, its Table 2). Serves issue 4's model comparison and the SGAN paper's Figure 5.
/// Bars have class "bar", error bars "errorbar", the reference line "reference".
public struct ModelComparisonPlot: Sendable {
    /// One model's bar: mean accuracy (a fraction in 0…1) and its std over folds (SGAN paper Figure 5).
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var mean: Double
        public var std: Double?
        public init(name: String, mean: Double, std: Double? = nil) { self.name = name; self.mean = mean; self.std = std }
        /// The accuracy entry of a cross-validation summary.
        public init(name: String, summary: CrossValidationSummary) {
            self.init(name: name, mean: summary.accuracy.mean, std: summary.accuracy.std)
        }
    }

    /// A horizontal reference line with its label (value as a fraction), e.g. a published result.
    public struct Reference: Sendable, Hashable {
        public var label: String
        public var value: Double
        public init(label: String, value: Double) { self.label = label; self.value = value }
        /// The SGAN paper's transfer-learning result on roboscope-zeiss (Table 2): 92.41 %.
        public static let sganTransferRoboscope = Reference(label: "SGAN paper transfer learning 92.41 %", value: 0.9241)
    }

    public var entries: [Entry]
    public var references: [Reference]
    public var title: String
    public var yLabel: String

    public init(entries: [Entry], references: [Reference] = [], title: String = "Model comparison",
                yLabel: String = "Test accuracy, mean ± std") {
        self.entries = entries; self.references = references; self.title = title; self.yLabel = yLabel
    }

    public func svg() -> String { canvas().render() }

    public func canvas() -> SVGCanvas {
        let barSlot = 90.0
        let f = PlotFrame(x: 80, y: 44, width: max(260, barSlot * Double(entries.count)), height: 300)
        let refW = references.isEmpty ? 0 : 30 + 6.2 * Double(references.map(\.label.count).max() ?? 0)
        var c = SVGCanvas(width: f.x + f.width + 30 + refW, height: f.y + f.height + 90, title: title)
        c.text(title, x: f.x + f.width / 2, y: 26, size: 15, anchor: "middle", bold: true)
        let highs = entries.map { $0.mean + ($0.std ?? 0) } + references.map(\.value)
        let lows = entries.map { $0.mean - ($0.std ?? 0) } + references.map(\.value)
        // Start the axis at 0 unless every value sits high (then zoom, and say so in the label).
        let lo0 = lows.min() ?? 0
        let lo = lo0 > 0.6 ? LinearScale.niceDomain(lo0 - 0.05, 1).lowerBound : 0
        let y = LinearScale(domain: lo...max(1, highs.max() ?? 1), range: (f.y + f.height, f.y))
        let slot = f.width / Double(max(entries.count, 1))
        let x = LinearScale(domain: 0...Double(max(entries.count, 1)), range: (f.x, f.x + f.width))
        c.axes(frame: f, x: x, y: y, xLabel: "", yLabel: yLabel + (lo > 0 ? " (from \(percentLabel(lo)))" : ""),
               yFormat: percentLabel, xTicks: [])
        for (i, e) in entries.enumerated() {
            let cx = f.x + slot * (Double(i) + 0.5), bw = min(56, slot * 0.6)
            let top = y(min(max(e.mean, lo), y.domain.upperBound))
            let tip = "\(e.name): \(percentLabel(e.mean))" + (e.std.map { " ± \(percentLabel($0))" } ?? "")
            c.rect(x: cx - bw / 2, y: top, width: bw, height: y(lo) - top, fill: Palette.color(i), cls: "bar", tooltip: tip)
            if let s = e.std, s > 0 {
                let a = y(max(lo, e.mean - s)), b = y(min(y.domain.upperBound, e.mean + s))
                c.line(x1: cx, y1: a, x2: cx, y2: b, stroke: "#222", width: 1.5, cls: "errorbar")
                c.line(x1: cx - 8, y1: a, x2: cx + 8, y2: a, stroke: "#222", width: 1.5, cls: "errorbar-cap")
                c.line(x1: cx - 8, y1: b, x2: cx + 8, y2: b, stroke: "#222", width: 1.5, cls: "errorbar-cap")
            }
            c.text(percentLabel(e.mean), x: cx, y: y(e.mean + (e.std ?? 0)) - 6, size: 11, anchor: "middle", bold: true)
            c.text(e.name, x: cx, y: f.y + f.height + 18, size: 12, anchor: "middle")
        }
        for (k, r) in references.enumerated() {
            let py = y(r.value)
            c.line(x1: f.x, y1: py, x2: f.x + f.width, y2: py, stroke: Palette.color(3 + k), width: 1.5, dash: "7 4", cls: "reference")
            c.text(r.label, x: f.x + f.width + 6, y: py + 4, size: 11, fill: Palette.color(3 + k))
        }
        return c
    }
}
