import Foundation

/// A linear map from data values to SVG coordinates with "nice" tick values (1, 2, 5 × 10ᵏ) and a
/// helper that draws framed axes with ticks, grid lines and labels. Shared by the curve, ROC and
/// comparison plots (first paper section 2.3.4 figures; SGAN paper Figure 5).
public struct LinearScale: Sendable, Hashable {
    public var domain: ClosedRange<Double>
    public var range: (Double, Double)

    public init(domain: ClosedRange<Double>, range: (Double, Double)) {
        let lo = domain.lowerBound.isFinite ? domain.lowerBound : 0
        var hi = domain.upperBound.isFinite ? domain.upperBound : lo + 1
        if hi <= lo { hi = lo + 1 }
        self.domain = lo...hi; self.range = range
    }

    public static func == (a: LinearScale, b: LinearScale) -> Bool {
        a.domain == b.domain && a.range == b.range
    }
    public func hash(into h: inout Hasher) { h.combine(domain.lowerBound); h.combine(domain.upperBound); h.combine(range.0); h.combine(range.1) }

    /// SVG coordinate of `v`.
    public func callAsFunction(_ v: Double) -> Double {
        range.0 + (v - domain.lowerBound) / (domain.upperBound - domain.lowerBound) * (range.1 - range.0)
    }

    /// About `count` round tick values inside the domain.
    public func ticks(_ count: Int = 5) -> [Double] {
        let span = domain.upperBound - domain.lowerBound
        let raw = span / Double(max(1, count))
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t = (domain.lowerBound / step).rounded(.up) * step
        var out: [Double] = []
        while t <= domain.upperBound + step * 1e-9 {
            out.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return out
    }

    /// A domain from `lo`…`hi` widened to nice tick boundaries.
    public static func niceDomain(_ lo: Double, _ hi: Double, count: Int = 5) -> ClosedRange<Double> {
        guard lo.isFinite, hi.isFinite else { return 0...1 }
        var a = lo, b = hi
        if b <= a { a -= 0.5; b += 0.5 }
        let raw = (b - a) / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        return (a / step).rounded(.down) * step...(b / step).rounded(.up) * step
    }
}

/// Rectangle of a plot's data area inside a canvas (layout helper of every figure; see `LinearScale`).
public struct PlotFrame: Sendable, Hashable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
}

extension SVGCanvas {
    /// Draws a framed axis box with grid lines, tick labels and axis titles.
    public mutating func axes(frame f: PlotFrame, x: LinearScale, y: LinearScale, xLabel: String, yLabel: String,
                              xFormat: (Double) -> String = SVGCanvas.num, yFormat: (Double) -> String = SVGCanvas.num,
                              xTicks: [Double]? = nil, yTicks: [Double]? = nil) {
        for t in yTicks ?? y.ticks() {
            let py = y(t)
            line(x1: f.x, y1: py, x2: f.x + f.width, y2: py, stroke: "#e3e3e3", width: 1, cls: "grid")
            line(x1: f.x - 5, y1: py, x2: f.x, y2: py, stroke: "#444", width: 1, cls: "tick")
            text(yFormat(t), x: f.x - 8, y: py + 4, size: 11, anchor: "end")
        }
        for t in xTicks ?? x.ticks() {
            let px = x(t)
            line(x1: px, y1: f.y, x2: px, y2: f.y + f.height, stroke: "#e3e3e3", width: 1, cls: "grid")
            line(x1: px, y1: f.y + f.height, x2: px, y2: f.y + f.height + 5, stroke: "#444", width: 1, cls: "tick")
            text(xFormat(t), x: px, y: f.y + f.height + 18, size: 11, anchor: "middle")
        }
        rect(x: f.x, y: f.y, width: f.width, height: f.height, fill: "none", stroke: "#444", strokeWidth: 1, cls: "frame")
        text(xLabel, x: f.x + f.width / 2, y: f.y + f.height + 38, size: 12, anchor: "middle")
        text(yLabel, x: f.x - 44, y: f.y + f.height / 2, size: 12, anchor: "middle", rotate: -90)
    }

    /// A legend box of coloured line samples with labels, top-left at (x, y).
    public mutating func legend(_ items: [(label: String, color: String, dash: String?)], x: Double, y: Double) {
        guard !items.isEmpty else { return }
        let w = 36 + Double(items.map(\.label.count).max() ?? 0) * 6.6
        rect(x: x, y: y, width: w, height: Double(items.count) * 18 + 8, fill: "#ffffff", stroke: "#bbb", cls: "legend")
        for (i, it) in items.enumerated() {
            let cy = y + 13 + Double(i) * 18
            line(x1: x + 6, y1: cy, x2: x + 26, y2: cy, stroke: it.color, width: 2.5, dash: it.dash, cls: "legend-key")
            text(it.label, x: x + 31, y: cy + 4, size: 11)
        }
    }
}

/// Percent tick label of a fraction: 0.925 → "92.5%" (accuracies are reported in percent in both papers).
public func percentLabel(_ v: Double) -> String { SVGCanvas.num(v * 100) + "%" }
