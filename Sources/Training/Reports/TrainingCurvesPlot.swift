import Foundation
import Models
import Plot

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
        let series: [CurvePanel.Series] = [
            .init(name: "train", color: Palette.color(0), dash: nil,
                  points: records.map { (Double($0.epoch), loss ? $0.trainLoss : $0.trainAccuracy) }),
            .init(name: "validation", color: Palette.color(1), dash: "6 4",
                  points: records.compactMap { r in (loss ? r.valLoss : r.valAccuracy).map { (Double(r.epoch), $0) } }),
        ]
        return CurvePanel.render(title: loss ? "Loss" : "Accuracy", series: series, yLabel: loss ? "Cross-entropy loss" : "Accuracy",
                                 percent: !loss, width: width, height: height)
    }
}

/// One panel of named curves over epochs, shared by the training-curve and GAN-loss plots (SGAN paper section 5:
/// recorded loss curves). Curves have class "curve".
enum CurvePanel {
    struct Series {
        var name: String
        var color: String
        var dash: String?
        var points: [(Double, Double)]
    }

    /// `percent`: a [0, 1] axis labelled in per cent (accuracies); otherwise a loss axis from 0.
    static func render(title: String, series: [Series], yLabel: String, percent: Bool, width: Double, height: Double) -> SVGCanvas {
        var c = SVGCanvas(width: width, height: height, title: title)
        let f = PlotFrame(x: 64, y: 24, width: width - 84, height: height - 78)
        let series = series.map { s in Series(name: s.name, color: s.color, dash: s.dash, points: s.points.filter { $0.1.isFinite }) }
        let xs = series.flatMap { $0.points.map(\.0) }
        let ys = series.flatMap { $0.points.map(\.1) }
        let xDomain = (xs.min() ?? 0)...max((xs.min() ?? 0) + 1, xs.max() ?? 1)
        let yDomain = percent ? LinearScale.niceDomain(max(0, min(ys.min() ?? 0, 0.99)), 1)
                              : LinearScale.niceDomain(min(0, ys.min() ?? 0), ys.max() ?? 1)
        let x = LinearScale(domain: xDomain, range: (f.x, f.x + f.width))
        let y = LinearScale(domain: yDomain, range: (f.y + f.height, f.y))
        let xTicks = x.ticks(6).filter { $0 == $0.rounded() }
        c.text(title, x: f.x + f.width / 2, y: 16, size: 13, anchor: "middle", bold: true)
        c.axes(frame: f, x: x, y: y, xLabel: "Epoch", yLabel: yLabel,
               xFormat: { String(Int($0)) }, yFormat: percent ? percentLabel : SVGCanvas.num, xTicks: xTicks)
        var legend: [(label: String, color: String, dash: String?)] = []
        for s in series where !s.points.isEmpty {
            c.polyline(s.points.map { (x($0.0), y($0.1)) }, stroke: s.color, width: 2, dash: s.dash, cls: "curve", tooltip: s.name)
            if s.points.count == 1 { c.circle(cx: x(s.points[0].0), cy: y(s.points[0].1), r: 3, fill: s.color, cls: "marker") }
            legend.append((s.name, s.color, s.dash))
        }
        c.legend(legend, x: f.x + f.width - 110, y: f.y + 6)
        return c
    }
}
