import Foundation
import Support

/// A hand-written figure builder: rectangles, lines, polylines, circles and text, kept as structured
/// primitives (`CanvasElement`) and written as SVG text (escaping, compact number formatting) or painted into a PNG
/// (`raster(scale:)`, `writePNG(to:)`). Every plot of the report is drawn with it, so the
/// figures of both papers (confusion matrix, ROC, curves, Figure 4 grid, Figure 5 comparison)
/// need no external tool. Elements can carry a `class` attribute so tests can count bars, cells and curves.
public struct SVGCanvas: Sendable {
    public let width: Double
    public let height: Double
    public let title: String
    /// The primitives in drawing order (rendered to SVG text by `render()`, to pixels by `raster(scale:)`).
    public private(set) var elements: [CanvasElement] = []

    public init(width: Double, height: Double, title: String) {
        self.width = width; self.height = height; self.title = title
    }

    /// Compact decimal: at most two decimals, no trailing zeros, never NaN (non-finite → 0).
    public static func num(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 100).rounded() / 100
        if r == r.rounded() { return String(Int(r)) }
        var s = String(format: "%.2f", r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    /// Escapes text for XML/HTML content and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A filled rectangle.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, strokeWidth: Double = 1, cls: String? = nil, tooltip: String? = nil) {
        elements.append(.rect(x: x, y: y, width: width, height: height, fill: fill, stroke: stroke, strokeWidth: strokeWidth,
                              cls: cls, tooltip: tooltip))
    }

    /// A straight line; `dash` is an SVG dash array such as "6 4".
    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String,
                              width: Double = 1, dash: String? = nil, cls: String? = nil) {
        elements.append(.line(x1: x1, y1: y1, x2: x2, y2: y2, stroke: stroke, width: width, dash: dash, cls: cls))
    }

    /// An open polyline through `points` (non-finite points are skipped).
    public mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2,
                                  dash: String? = nil, cls: String? = nil, tooltip: String? = nil) {
        elements.append(.polyline(points: points.filter { $0.x.isFinite && $0.y.isFinite }, stroke: stroke, width: width,
                                  dash: dash, cls: cls, tooltip: tooltip))
    }

    /// A filled circle (markers).
    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, cls: String? = nil) {
        elements.append(.circle(cx: cx, cy: cy, r: r, fill: fill, cls: cls))
    }

    /// Text; `anchor` is start, middle or end; `rotate` in degrees about the anchor point.
    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
                              fill: String = "#222", bold: Bool = false, rotate: Double? = nil, cls: String? = nil) {
        elements.append(.text(s, x: x, y: y, size: size, anchor: anchor, fill: fill, bold: bold, rotate: rotate, cls: cls))
    }

    /// A PNG picture (its file's bytes) drawn into the box (x, y, width, height), pixels kept sharp.
    public mutating func image(png: Data, x: Double, y: Double, width: Double, height: Double) {
        elements.append(.image(x: x, y: y, width: width, height: height, png: png))
    }

    /// Appends another canvas's elements shifted by (dx, dy) (used for multi-panel figures).
    public mutating func embed(_ other: SVGCanvas, dx: Double, dy: Double) {
        elements.append(.group(dx: dx, dy: dy, elements: other.elements))
    }

    /// The standalone SVG document (no XML declaration, so it can also be inlined in HTML).
    public func render() -> String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.num(width))\" height=\"\(Self.num(height))\" "
        s += "viewBox=\"0 0 \(Self.num(width)) \(Self.num(height))\" font-family=\"Helvetica, Arial, sans-serif\" role=\"img\">\n"
        s += "<title>\(Self.escape(title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Self.num(width))\" height=\"\(Self.num(height))\" fill=\"#ffffff\"/>\n"
        var lines: [String] = []
        for e in elements { e.svgLines(into: &lines) }
        s += lines.joined(separator: "\n")
        s += "\n</svg>\n"
        return s
    }

    /// Writes the SVG file atomically.
    public func write(to url: URL) throws { try AtomicFile.write(render(), to: url) }
}
