import Foundation
import Models
import Plot

/// Confusion-matrix heat map: rows = true class, columns = predicted class, each cell showing its
/// count and row percentage, coloured by the row-normalised value (recall on the diagonal).
/// Serves the first paper's section 2.3.4 ("Confusion Matrix") and the per-fold matrices of the
/// SGAN paper's section 6.3. Cells have class "cell".
public struct ConfusionMatrixPlot: Sendable {
    public var counts: [[Int]]
    public var classes: [String]
    public var title: String

    public init(counts: [[Int]], classes: [String], title: String = "Confusion matrix") {
        self.counts = counts; self.classes = classes; self.title = title
    }

    public init(report: EvaluationReport, title: String = "Confusion matrix") {
        self.init(counts: report.confusion, classes: report.classes, title: title)
    }

    public func svg() -> String { canvas().render() }

    public func canvas() -> SVGCanvas {
        let n = classes.count
        let cell = max(34.0, min(72.0, 480.0 / Double(max(n, 1))))
        let labelW = 14.0 + 7.0 * Double(classes.map(\.count).max() ?? 1)
        let left = 40 + labelW, top = 50.0
        let w = left + cell * Double(n) + 90, h = top + cell * Double(n) + labelW + 40
        var c = SVGCanvas(width: w, height: h, title: title)
        c.text(title, x: left + cell * Double(n) / 2, y: 24, size: 15, anchor: "middle", bold: true)
        for (i, row) in counts.enumerated() {
            let s = row.reduce(0, +)
            for (j, v) in row.enumerated() {
                let t = s == 0 ? 0 : Double(v) / Double(s)
                let x = left + Double(j) * cell, y = top + Double(i) * cell
                let tip = "true \(classes[i]) → predicted \(classes[j]): \(v)" + (s == 0 ? "" : " (\(SVGCanvas.num(t * 100))% of row)")
                c.rect(x: x, y: y, width: cell, height: cell, fill: Palette.sequential(t), stroke: "#ffffff", cls: "cell", tooltip: tip)
                let fg = Palette.textColor(onSequential: t)
                c.text(String(v), x: x + cell / 2, y: y + cell / 2 + (cell >= 44 ? 0 : 4), size: cell >= 44 ? 13 : 11,
                       anchor: "middle", fill: fg, bold: i == j)
                if cell >= 44, s > 0 {
                    c.text(SVGCanvas.num(t * 100) + "%", x: x + cell / 2, y: y + cell / 2 + 15, size: 10, anchor: "middle", fill: fg)
                }
            }
        }
        for (k, name) in classes.enumerated() {
            c.text(name, x: left - 6, y: top + (Double(k) + 0.5) * cell + 4, size: 12, anchor: "end")
            let bx = left + (Double(k) + 0.5) * cell, by = top + Double(n) * cell + 8
            c.text(name, x: bx + 4, y: by, size: 12, anchor: "end", rotate: -45)
        }
        c.text("Predicted class", x: left + cell * Double(n) / 2, y: h - 8, size: 13, anchor: "middle")
        c.text("True class", x: 16, y: top + cell * Double(n) / 2, size: 13, anchor: "middle", rotate: -90)
        // Colour bar: row fraction 0…100 %.
        let bx = left + cell * Double(n) + 24, bh = cell * Double(n)
        for k in 0..<20 {
            let t0 = Double(k) / 20
            c.rect(x: bx, y: top + bh * (1 - t0 - 0.05), width: 14, height: bh / 20 + 0.5, fill: Palette.sequential(t0 + 0.025), cls: "colorbar")
        }
        c.rect(x: bx, y: top, width: 14, height: bh, fill: "none", stroke: "#444")
        for t in [0.0, 0.5, 1.0] { c.text(SVGCanvas.num(t * 100) + "%", x: bx + 18, y: top + bh * (1 - t) + 4, size: 10) }
        return c
    }
}
