import Foundation

/// The frame every plot of two rates shares (ROC curves, reliability diagrams): a 330-px square from 0 to 1 on both
/// axes with ticks every 0.2, the dashed diagonal, a title above and room for a legend on the right.
public struct UnitSquarePlot: Sendable {
    public var canvas: SVGCanvas
    public let frame: PlotFrame
    public let x: LinearScale
    public let y: LinearScale

    /// `legendLabels` size the legend column (the longest label).
    public init(title: String, xLabel: String, yLabel: String, legendLabels: [String]) {
        let legendW = 40 + 6.6 * Double(legendLabels.map { $0.count + 12 }.max() ?? 10)
        canvas = SVGCanvas(width: 420 + legendW, height: 440, title: title)
        frame = PlotFrame(x: 70, y: 40, width: 330, height: 330)
        canvas.text(title, x: frame.x + frame.width / 2, y: 24, size: 15, anchor: "middle", bold: true)
        x = LinearScale(domain: 0...1, range: (frame.x, frame.x + frame.width))
        y = LinearScale(domain: 0...1, range: (frame.y + frame.height, frame.y))
        canvas.axes(frame: frame, x: x, y: y, xLabel: xLabel, yLabel: yLabel,
                    xTicks: [0, 0.2, 0.4, 0.6, 0.8, 1], yTicks: [0, 0.2, 0.4, 0.6, 0.8, 1])
        canvas.line(x1: x(0), y1: y(0), x2: x(1), y2: y(1), stroke: "#888", width: 1, dash: "4 4", cls: "diagonal")
    }

    /// The legend in the right-hand column.
    public mutating func legend(_ entries: [(label: String, color: String, dash: String?)]) {
        canvas.legend(entries, x: frame.x + frame.width + 14, y: frame.y)
    }
}
