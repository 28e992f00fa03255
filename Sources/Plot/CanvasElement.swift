import Foundation

/// One drawing primitive of an `SVGCanvas` — rectangle, line, polyline, circle, text, or a translated group of
/// them (an embedded panel) — kept as structured values so the same figure can be written as SVG text and painted
/// into a PNG (`SVGCanvas.raster`). Colours are CSS strings as `Palette` gives them; coordinates are canvas units.
public indirect enum CanvasElement: Sendable {
    case rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String?, strokeWidth: Double,
              cls: String?, tooltip: String?)
    /// `dash` is an SVG dash array such as "6 4".
    case line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double, dash: String?, cls: String?)
    /// Only finite points are kept.
    case polyline(points: [(x: Double, y: Double)], stroke: String, width: Double, dash: String?, cls: String?,
                  tooltip: String?)
    case circle(cx: Double, cy: Double, r: Double, fill: String, cls: String?)
    /// `anchor` is start, middle or end; `rotate` in degrees about (x, y).
    case text(String, x: Double, y: Double, size: Double, anchor: String, fill: String, bold: Bool, rotate: Double?,
              cls: String?)
    /// A raster picture (a PNG file's bytes) scaled into the box, e.g. a cell's thumbnail beside a plot.
    case image(x: Double, y: Double, width: Double, height: Double, png: Data)
    /// The elements of another canvas shifted by (dx, dy).
    case group(dx: Double, dy: Double, elements: [CanvasElement])

    /// The dash lengths of an SVG dash array ("6 4", "6,4"); empty for none.
    static func dashLengths(_ dash: String?) -> [Double] {
        (dash ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) }
    }

    /// The SVG markup of the element, one string a line (a group opens and closes its own lines).
    func svgLines(into out: inout [String]) {
        typealias C = SVGCanvas
        switch self {
        case let .rect(x, y, w, h, fill, stroke, strokeWidth, cls, tooltip):
            out.append(Self.tag("rect", [("x", C.num(x)), ("y", C.num(y)), ("width", C.num(max(0, w))),
                                         ("height", C.num(max(0, h))), ("fill", fill), ("stroke", stroke),
                                         ("stroke-width", stroke == nil ? nil : C.num(strokeWidth)), ("class", cls)], tooltip: tooltip))
        case let .line(x1, y1, x2, y2, stroke, width, dash, cls):
            out.append(Self.tag("line", [("x1", C.num(x1)), ("y1", C.num(y1)), ("x2", C.num(x2)), ("y2", C.num(y2)),
                                         ("stroke", stroke), ("stroke-width", C.num(width)), ("stroke-dasharray", dash), ("class", cls)]))
        case let .polyline(points, stroke, width, dash, cls, tooltip):
            let pts = points.map { "\(C.num($0.x)),\(C.num($0.y))" }
            out.append(Self.tag("polyline", [("points", pts.joined(separator: " ")), ("fill", "none"), ("stroke", stroke),
                                             ("stroke-width", C.num(width)), ("stroke-linejoin", "round"),
                                             ("stroke-dasharray", dash), ("class", cls)], tooltip: tooltip))
        case let .circle(cx, cy, r, fill, cls):
            out.append(Self.tag("circle", [("cx", C.num(cx)), ("cy", C.num(cy)), ("r", C.num(r)), ("fill", fill), ("class", cls)]))
        case let .text(s, x, y, size, anchor, fill, bold, rotate, cls):
            let transform = rotate.map { "rotate(\(C.num($0)) \(C.num(x)) \(C.num(y)))" }
            out.append("<text\(Self.attrs([("x", C.num(x)), ("y", C.num(y)), ("font-size", C.num(size)), ("text-anchor", anchor), ("fill", fill), ("font-weight", bold ? "bold" : nil), ("transform", transform), ("class", cls)]))>\(C.escape(s))</text>")
        case let .image(x, y, w, h, png):
            out.append(Self.tag("image", [("x", C.num(x)), ("y", C.num(y)), ("width", C.num(max(0, w))),
                                          ("height", C.num(max(0, h))), ("preserveAspectRatio", "none"),
                                          ("image-rendering", "pixelated"),
                                          ("href", "data:image/png;base64," + png.base64EncodedString())]))
        case let .group(dx, dy, elements):
            out.append("<g transform=\"translate(\(C.num(dx)) \(C.num(dy)))\">")
            for e in elements { e.svgLines(into: &out) }
            out.append("</g>")
        }
    }

    private static func attrs(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { k, v in v.map { " \(k)=\"\(SVGCanvas.escape($0))\"" } }.joined()
    }

    private static func tag(_ name: String, _ pairs: [(String, String?)], tooltip: String? = nil) -> String {
        if let tooltip { return "<\(name)\(attrs(pairs))><title>\(SVGCanvas.escape(tooltip))</title></\(name)>" }
        return "<\(name)\(attrs(pairs))/>"
    }
}
