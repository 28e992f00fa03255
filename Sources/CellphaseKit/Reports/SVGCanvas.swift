import Foundation

/// A hand-written SVG document builder: rectangles, lines, polylines, circles and text with
/// escaping and compact number formatting. Every plot of the report is drawn with it, so the
/// figures of both papers (confusion matrix, ROC, curves, Figure 4 grid, Figure 5 comparison)
/// need no external tool. Elements can carry a `class` attribute so tests can count bars, cells and curves.
public struct SVGCanvas: Sendable {
    public let width: Double
    public let height: Double
    public let title: String
    private var elements: [String] = []

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

    private static func attrs(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { k, v in v.map { " \(k)=\"\(escape($0))\"" } }.joined()
    }

    private mutating func add(_ tag: String, _ pairs: [(String, String?)], tooltip: String? = nil) {
        if let tooltip {
            elements.append("<\(tag)\(Self.attrs(pairs))><title>\(Self.escape(tooltip))</title></\(tag)>")
        } else {
            elements.append("<\(tag)\(Self.attrs(pairs))/>")
        }
    }

    /// A filled rectangle.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, strokeWidth: Double = 1, cls: String? = nil, tooltip: String? = nil) {
        add("rect", [("x", Self.num(x)), ("y", Self.num(y)), ("width", Self.num(max(0, width))),
                     ("height", Self.num(max(0, height))), ("fill", fill), ("stroke", stroke),
                     ("stroke-width", stroke == nil ? nil : Self.num(strokeWidth)), ("class", cls)], tooltip: tooltip)
    }

    /// A straight line; `dash` is an SVG dash array such as "6 4".
    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String,
                              width: Double = 1, dash: String? = nil, cls: String? = nil) {
        add("line", [("x1", Self.num(x1)), ("y1", Self.num(y1)), ("x2", Self.num(x2)), ("y2", Self.num(y2)),
                     ("stroke", stroke), ("stroke-width", Self.num(width)), ("stroke-dasharray", dash), ("class", cls)])
    }

    /// An open polyline through `points` (non-finite points are skipped).
    public mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2,
                                  dash: String? = nil, cls: String? = nil, tooltip: String? = nil) {
        let pts = points.filter { $0.x.isFinite && $0.y.isFinite }.map { "\(Self.num($0.x)),\(Self.num($0.y))" }
        add("polyline", [("points", pts.joined(separator: " ")), ("fill", "none"), ("stroke", stroke),
                         ("stroke-width", Self.num(width)), ("stroke-linejoin", "round"),
                         ("stroke-dasharray", dash), ("class", cls)], tooltip: tooltip)
    }

    /// A filled circle (markers).
    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, cls: String? = nil) {
        add("circle", [("cx", Self.num(cx)), ("cy", Self.num(cy)), ("r", Self.num(r)), ("fill", fill), ("class", cls)])
    }

    /// Text; `anchor` is start, middle or end; `rotate` in degrees about the anchor point.
    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
                              fill: String = "#222", bold: Bool = false, rotate: Double? = nil, cls: String? = nil) {
        let transform = rotate.map { "rotate(\(Self.num($0)) \(Self.num(x)) \(Self.num(y)))" }
        elements.append("<text\(Self.attrs([("x", Self.num(x)), ("y", Self.num(y)), ("font-size", Self.num(size)), ("text-anchor", anchor), ("fill", fill), ("font-weight", bold ? "bold" : nil), ("transform", transform), ("class", cls)]))>\(Self.escape(s))</text>")
    }

    /// Appends another canvas's elements shifted by (dx, dy) (used for multi-panel figures).
    public mutating func embed(_ other: SVGCanvas, dx: Double, dy: Double) {
        elements.append("<g transform=\"translate(\(Self.num(dx)) \(Self.num(dy)))\">")
        elements.append(contentsOf: other.elements)
        elements.append("</g>")
    }

    /// The standalone SVG document (no XML declaration, so it can also be inlined in HTML).
    public func render() -> String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.num(width))\" height=\"\(Self.num(height))\" "
        s += "viewBox=\"0 0 \(Self.num(width)) \(Self.num(height))\" font-family=\"Helvetica, Arial, sans-serif\" role=\"img\">\n"
        s += "<title>\(Self.escape(title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Self.num(width))\" height=\"\(Self.num(height))\" fill=\"#ffffff\"/>\n"
        s += elements.joined(separator: "\n")
        s += "\n</svg>\n"
        return s
    }

    /// Writes the SVG file atomically.
    public func write(to url: URL) throws { try AtomicFile.write(render(), to: url) }
}
