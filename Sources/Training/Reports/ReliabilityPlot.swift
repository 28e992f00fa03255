import Foundation
import Models
import Plot

/// A reliability diagram: accuracy against confidence in equal-width bins, one line per series (the raw soft-max and
/// after temperature scaling), the diagonal of perfect calibration, the share of predictions in each bin as bars along
/// the bottom, and each series' ECE in the legend (Guo et al., *On Calibration of Modern Neural Networks*, 2017).
/// Event rules act on confidence (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle
/// classification*, section 6.1), so the report shows whether 0.9 means nine in ten. Lines have class "curve".
public struct ReliabilityPlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var bins: [Calibration.Bin]
        public var ece: Double
        public init(name: String, probabilities: [[Float]], labels: [Int]) {
            self.name = name
            bins = Calibration.reliability(probabilities, labels: labels)
            ece = Calibration.expectedCalibrationError(probabilities, labels: labels)
        }
    }
    public var series: [Series]
    public var title: String

    public init(series: [Series], title: String = "Reliability diagram") {
        self.series = series; self.title = title
    }

    /// Every fold's test calls pooled, raw and with each fold's own temperature; nil unless every fold has one.
    public static func pooled(_ folds: [Experiment.FoldResult], title: String) -> ReliabilityPlot? {
        let truth = folds.flatMap(\.testLabels)
        guard !truth.isEmpty, folds.allSatisfy({ $0.calibration != nil }) else { return nil }
        let scaled = folds.flatMap { f in f.testProbabilities.map { Calibration.scaled($0, temperature: f.calibration!.temperature) } }
        return ReliabilityPlot(series: [.init(name: "soft-max", probabilities: folds.flatMap(\.testProbabilities), labels: truth),
                                        .init(name: "temperature per fold", probabilities: scaled, labels: truth)],
                               title: title)
    }

    public func svg() -> String { canvas().render() }

    public func canvas() -> SVGCanvas {
        var p = UnitSquarePlot(title: title, xLabel: "Confidence (probability of the called class)", yLabel: "Accuracy",
                               legendLabels: series.map(\.name) + ["share of predictions"])
        let f = p.frame, x = p.x, y = p.y
        // Share of predictions per bin (first series), up to a fifth of the height.
        if let first = series.first {
            let total = Double(max(1, first.bins.reduce(0) { $0 + $1.count }))
            for b in first.bins where b.count > 0 {
                let h = 0.2 * f.height * Double(b.count) / total
                p.canvas.rect(x: x(b.lower) + 1, y: f.y + f.height - h, width: max(1, x(b.upper) - x(b.lower) - 2), height: h,
                              fill: "#d9d9d9", tooltip: "\(b.count) predictions, confidence \(String(format: "%.2f–%.2f", b.lower, b.upper))")
            }
        }
        var legend: [(label: String, color: String, dash: String?)] = []
        for (i, s) in series.enumerated() {
            let color = Palette.color(i)
            let pts = s.bins.filter { $0.count > 0 }.map { (x: x($0.confidence), y: y($0.accuracy)) }
            p.canvas.polyline(pts, stroke: color, width: 2, cls: "curve", tooltip: "\(s.name): ECE \(String(format: "%.3f", s.ece))")
            for q in pts { p.canvas.circle(cx: q.x, cy: q.y, r: 3, fill: color) }
            legend.append(("\(s.name) (ECE \(String(format: "%.3f", s.ece)))", color, nil))
        }
        legend.append(("share of predictions", "#d9d9d9", nil))
        p.legend(legend)
        return p.canvas
    }
}
