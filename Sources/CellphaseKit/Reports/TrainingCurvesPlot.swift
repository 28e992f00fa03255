import Foundation

/// Training and validation loss (left panel) and accuracy (right panel) per epoch, from a training
/// log. Serves the training monitoring of the first paper (section 2.3, early stopping on validation
/// accuracy) and the recorded loss curves of the SGAN paper (section 5). Curves have class "curve".
public struct TrainingCurvesPlot: Sendable {
    public var records: [EpochRecord]
    public var title: String

    public init(records: [EpochRecord], title: String = "Training curves") {
        self.records = records.sorted { $0.epoch < $1.epoch }; self.title = title
    }

    public func svg() -> String { canvas().render() }

    public func canvas() -> SVGCanvas {
        let panelW = 400.0, panelH = 300.0
        var c = SVGCanvas(width: panelW * 2 + 20, height: panelH + 40, title: title)
        c.text(title, x: c.width / 2, y: 22, size: 15, anchor: "middle", bold: true)
        c.embed(panel(loss: true, width: panelW, height: panelH), dx: 0, dy: 34)
        c.embed(panel(loss: false, width: panelW, height: panelH), dx: panelW + 20, dy: 34)
        return c
    }

    private func panel(loss: Bool, width: Double, height: Double) -> SVGCanvas {
        var c = SVGCanvas(width: width, height: height, title: loss ? "Loss" : "Accuracy")
        let f = PlotFrame(x: 64, y: 24, width: width - 84, height: height - 78)
        let series: [(String, String, String?, [(Double, Double)])] = [
            ("train", Palette.color(0), nil,
             records.map { (Double($0.epoch), loss ? $0.trainLoss : $0.trainAccuracy) }),
            ("validation", Palette.color(1), "6 4",
             records.compactMap { r in (loss ? r.valLoss : r.valAccuracy).map { (Double(r.epoch), $0) } }),
        ].map { ($0.0, $0.1, $0.2, $0.3.filter { $0.1.isFinite }) }
        let xs = records.map { Double($0.epoch) }
        let ys = series.flatMap { $0.3.map(\.1) }
        let xDomain = (xs.min() ?? 0)...max((xs.min() ?? 0) + 1, xs.max() ?? 1)
        let yDomain = loss ? LinearScale.niceDomain(min(0, ys.min() ?? 0), ys.max() ?? 1)
                           : LinearScale.niceDomain(max(0, min(ys.min() ?? 0, 0.99)), 1)
        let x = LinearScale(domain: xDomain, range: (f.x, f.x + f.width))
        let y = LinearScale(domain: yDomain, range: (f.y + f.height, f.y))
        let xTicks = x.ticks(6).filter { $0 == $0.rounded() }
        c.text(loss ? "Loss" : "Accuracy", x: f.x + f.width / 2, y: 16, size: 13, anchor: "middle", bold: true)
        c.axes(frame: f, x: x, y: y, xLabel: "Epoch", yLabel: loss ? "Cross-entropy loss" : "Accuracy",
               xFormat: { String(Int($0)) }, yFormat: loss ? SVGCanvas.num : percentLabel, xTicks: xTicks)
        var legend: [(label: String, color: String, dash: String?)] = []
        for (name, color, dash, pts) in series where !pts.isEmpty {
            c.polyline(pts.map { (x($0.0), y($0.1)) }, stroke: color, width: 2, dash: dash, cls: "curve", tooltip: name)
            if pts.count == 1 { c.circle(cx: x(pts[0].0), cy: y(pts[0].1), r: 3, fill: color, cls: "marker") }
            legend.append((name, color, dash))
        }
        c.legend(legend, x: f.x + f.width - 110, y: f.y + 6)
        return c
    }
}
