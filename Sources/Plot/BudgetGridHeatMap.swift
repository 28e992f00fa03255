import Foundation

/// Heat map of the SGAN budget grid: rows = labelled images per class, columns = unlabelled pool
/// size, each cell the mean test accuracy over folds (± std when given); cells the data could not
/// supply are grey "n/a". Serves the SGAN paper's section 5 and its Figure 4 ("labelled–unlabelled
/// data trade-off matrix"). Cells have class "cell" (missing ones "cell missing").
public struct BudgetGridHeatMap: Sendable {
    public var labelsPerClass: [Int]
    public var poolSizes: [Int]
    /// `mean[r][c]` for row `labelsPerClass[r]` and column `poolSizes[c]`, a fraction in 0…1, `nil` if not run.
    public var mean: [[Double?]]
    public var std: [[Double?]]?
    public var title: String

    public init(labelsPerClass: [Int], poolSizes: [Int], mean: [[Double?]], std: [[Double?]]? = nil,
                title: String = "SGAN budget grid: mean test accuracy") {
        precondition(mean.count == labelsPerClass.count && mean.allSatisfy { $0.count == poolSizes.count },
                     "grid values must be labelsPerClass.count × poolSizes.count")
        self.labelsPerClass = labelsPerClass; self.poolSizes = poolSizes; self.mean = mean; self.std = std; self.title = title
    }

    public func svg() -> String { canvas().render() }

    public func canvas() -> SVGCanvas {
        let cw = 74.0, ch = 50.0, left = 110.0, top = 54.0
        let gw = cw * Double(poolSizes.count), gh = ch * Double(labelsPerClass.count)
        var c = SVGCanvas(width: left + gw + 110, height: top + gh + 60, title: title)
        c.text(title, x: left + gw / 2, y: 24, size: 15, anchor: "middle", bold: true)
        let values = mean.flatMap { $0.compactMap { $0 } }.filter(\.isFinite)
        let lo = values.min() ?? 0, hi = values.max() ?? 1
        func t(_ v: Double) -> Double { hi > lo ? (v - lo) / (hi - lo) : 0.5 }
        for (r, labels) in labelsPerClass.enumerated() {
            for (k, pool) in poolSizes.enumerated() {
                let x = left + Double(k) * cw, y = top + Double(r) * ch
                if let m = mean[r][k], m.isFinite {
                    let sd = std?[r][k] ?? nil
                    let tip = "\(labels) labels/class, \(pool) unlabelled: \(percentLabel(m))" + (sd.map { " ± \(percentLabel($0))" } ?? "")
                    c.rect(x: x, y: y, width: cw, height: ch, fill: Palette.sequential(t(m)), stroke: "#ffffff", cls: "cell", tooltip: tip)
                    let fg = Palette.textColor(onSequential: t(m))
                    c.text(String(format: "%.1f%%", m * 100), x: x + cw / 2, y: y + ch / 2 + (sd == nil ? 4 : 0), size: 13, anchor: "middle", fill: fg, bold: true)
                    if let sd { c.text("± " + String(format: "%.1f", sd * 100), x: x + cw / 2, y: y + ch / 2 + 15, size: 10, anchor: "middle", fill: fg) }
                } else {
                    c.rect(x: x, y: y, width: cw, height: ch, fill: "#eeeeee", stroke: "#ffffff", cls: "cell missing",
                           tooltip: "\(labels) labels/class, \(pool) unlabelled: not run")
                    c.text("n/a", x: x + cw / 2, y: y + ch / 2 + 4, size: 11, anchor: "middle", fill: "#777")
                }
            }
            c.text(String(labels), x: left - 8, y: top + (Double(r) + 0.5) * ch + 4, size: 12, anchor: "end")
        }
        for (k, pool) in poolSizes.enumerated() {
            c.text(String(pool), x: left + (Double(k) + 0.5) * cw, y: top - 8, size: 12, anchor: "middle")
        }
        c.text("Unlabelled pool size", x: left + gw / 2, y: top + gh + 24, size: 13, anchor: "middle")
        c.text("Labelled images per class", x: 40, y: top + gh / 2, size: 13, anchor: "middle", rotate: -90)
        // Colour bar from the lowest to the highest mean.
        let bx = left + gw + 20
        for k in 0..<20 {
            let t0 = Double(k) / 20
            c.rect(x: bx, y: top + gh * (1 - t0 - 0.05), width: 14, height: gh / 20 + 0.5, fill: Palette.sequential(t0 + 0.025), cls: "colorbar")
        }
        c.rect(x: bx, y: top, width: 14, height: gh, fill: "none", stroke: "#444")
        c.text(String(format: "%.1f%%", hi * 100), x: bx + 18, y: top + 8, size: 10)
        c.text(String(format: "%.1f%%", lo * 100), x: bx + 18, y: top + gh, size: 10)
        return c
    }
}
