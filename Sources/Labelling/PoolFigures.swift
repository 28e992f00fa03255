import Foundation
import Imaging
import Plot

/// The two panels of the SGAN paper's Figure 2 (*Semi supervised GAN for smart microscopy, fast and data efficient
/// cell cycle classification*, section 3.1.2) for a `PoolAnalysis`: crops per cluster as bars, and the PCA
/// projection coloured by cluster with each cluster's medoid crop as a thumbnail beside the plot.
public enum PoolFigures {
    /// Bar chart of the cluster sizes (count and share above each bar).
    public static func clusterSizes(_ a: PoolAnalysis, title: String = "Crops per cluster") -> SVGCanvas {
        let k = a.clusterSizes.count, total = max(1, a.clusterSizes.reduce(0, +))
        let f = PlotFrame(x: 70, y: 40, width: max(240, Double(k) * 60), height: 260)
        var c = SVGCanvas(width: f.x + f.width + 30, height: f.y + f.height + 60, title: title)
        c.text(title, x: f.x + f.width / 2, y: 24, size: 15, anchor: "middle", bold: true)
        let top = LinearScale.niceDomain(0, Double(a.clusterSizes.max() ?? 1))
        let x = LinearScale(domain: 0...Double(k), range: (f.x, f.x + f.width))
        let y = LinearScale(domain: top, range: (f.y + f.height, f.y))
        c.axes(frame: f, x: x, y: y, xLabel: "cluster", yLabel: "crops", xTicks: [])
        for (i, n) in a.clusterSizes.enumerated() {
            let x0 = x(Double(i) + 0.15), x1 = x(Double(i) + 0.85)
            c.rect(x: x0, y: y(Double(n)), width: x1 - x0, height: y(0) - y(Double(n)), fill: Palette.color(i), cls: "bar")
            c.text("\(n) (\(SVGCanvas.num((100 * Double(n) / Double(total)).rounded()))%)", x: (x0 + x1) / 2,
                   y: y(Double(n)) - 5, size: 11, anchor: "middle")
            c.text("\(i + 1)", x: (x0 + x1) / 2, y: f.y + f.height + 18, size: 11, anchor: "middle")
        }
        return c
    }

    /// Scatter of the first two principal coordinates, one colour per cluster, and a column of medoid thumbnails
    /// (`crops[medoid]`, contrast-stretched) labelled by cluster. `crops` are the pool's images in analysis order.
    public static func projection(_ a: PoolAnalysis, crops: [Image], title: String = "Pool in its first two principal components") throws -> SVGCanvas {
        let f = PlotFrame(x: 70, y: 40, width: 380, height: 380)
        let thumb = 56.0, k = a.clusterSizes.count
        let columnX = f.x + f.width + 30
        var c = SVGCanvas(width: columnX + thumb + 110, height: max(f.y + f.height + 60, f.y + Double(k) * (thumb + 12) + 20), title: title)
        c.text(title, x: (f.x + columnX + thumb + 80) / 2, y: 24, size: 15, anchor: "middle", bold: true)
        let xs = a.projection.map { $0[0] }, ys = a.projection.map { $0[1] }
        let x = LinearScale(domain: LinearScale.niceDomain(xs.min() ?? -1, xs.max() ?? 1), range: (f.x, f.x + f.width))
        let y = LinearScale(domain: LinearScale.niceDomain(ys.min() ?? -1, ys.max() ?? 1), range: (f.y + f.height, f.y))
        let pct = a.explainedRatio.map { SVGCanvas.num((1000 * $0).rounded() / 10) }
        c.axes(frame: f, x: x, y: y, xLabel: "PC 1 (\(pct.first ?? "0") % of variance)",
               yLabel: "PC 2 (\(pct.count > 1 ? pct[1] : "0") % of variance)")
        for (i, p) in a.projection.enumerated() { c.circle(cx: x(p[0]), cy: y(p[1]), r: 2.5, fill: Palette.color(a.clusters[i]), cls: "crop") }
        for (cl, m) in a.medoids.enumerated() where m >= 0 {
            let p = a.projection[m]
            c.circle(cx: x(p[0]), cy: y(p[1]), r: 6, fill: "#000000", cls: "medoid")
            c.circle(cx: x(p[0]), cy: y(p[1]), r: 4, fill: Palette.color(cl), cls: "medoid")
            let ty = f.y + Double(cl) * (thumb + 12)
            if m < crops.count {
                let tile = ContactSheet.render(rows: [[crops[m]]], tile: Int(thumb), gap: 0)
                c.image(png: try PNGCodec.encode(tile), x: columnX, y: ty, width: thumb, height: thumb)
            }
            c.rect(x: columnX - 2, y: ty - 2, width: thumb + 4, height: thumb + 4, fill: "none", stroke: Palette.color(cl), strokeWidth: 3)
            c.text("cluster \(cl + 1)", x: columnX + thumb + 8, y: ty + thumb / 2 - 2, size: 12)
            c.text("\(a.clusterSizes[cl]) crops", x: columnX + thumb + 8, y: ty + thumb / 2 + 13, size: 11, fill: "#555")
        }
        return c
    }
}
