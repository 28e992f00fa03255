import Foundation
import Imaging

/// Paints an `SVGCanvas` into pixels — the PNG twin of its SVG text, for every figure of the reports (issue 4:
/// plots "as SVG (and PNG)") — with the `Raster` primitives and the `BitmapFont`, and writes PNG files atomically
/// through `PNGCodec`. Tooltips and classes only matter to SVG and are not drawn.
extension SVGCanvas {
    /// The canvas painted at `scale` pixels per canvas unit (the raster is ⌈width × scale⌉ × ⌈height × scale⌉,
    /// white where nothing is drawn). Throws when an element names a colour `CSSColor` cannot parse.
    public func raster(scale: Double = 1, supersample: Int = 4) throws -> Raster {
        guard scale > 0, scale.isFinite, width > 0, height > 0 else {
            throw ReportError.render(figure: title, reason: "cannot paint a \(width)×\(height) canvas at scale \(scale)")
        }
        var r = Raster(width: max(1, Int((width * scale).rounded(.up))), height: max(1, Int((height * scale).rounded(.up))),
                       supersample: supersample)
        try Self.paint(elements, into: &r, dx: 0, dy: 0, scale: scale, figure: title)
        return r
    }

    /// The canvas as an 8-bit RGB image (see `raster(scale:)`).
    public func pngImage(scale: Double = 1) throws -> Image { try raster(scale: scale).image() }

    /// Writes the canvas as an 8-bit RGB PNG, atomically.
    public func writePNG(to url: URL, scale: Double = 1) throws {
        let image = try pngImage(scale: scale)
        try AtomicFile.write(to: url) { try PNGCodec.write(image, to: $0) }
    }

    /// Writes the figure twice: its SVG text to `svgURL` and its PNG next to it (same name, `.png`).
    public func writeSVGAndPNG(to svgURL: URL, scale: Double = 1) throws {
        try write(to: svgURL)
        try writePNG(to: svgURL.deletingPathExtension().appendingPathExtension("png"), scale: scale)
    }

    private static func color(_ css: String, _ figure: String) throws -> CSSColor {
        guard let c = CSSColor.parse(css) else {
            throw ReportError.render(figure: figure, reason: "unsupported colour '\(css)' (use #rgb, #rrggbb, rgb(), rgba() or a CSS name)")
        }
        return c
    }

    private static func paint(_ elements: [CanvasElement], into r: inout Raster, dx: Double, dy: Double, scale s: Double,
                              figure: String) throws {
        func px(_ x: Double) -> Double { (x + dx) * s }
        func py(_ y: Double) -> Double { (y + dy) * s }
        for e in elements {
            switch e {
            case let .rect(x, y, w, h, fill, stroke, strokeWidth, _, _):
                r.fillRect(x: px(x), y: py(y), width: max(0, w) * s, height: max(0, h) * s, color: try color(fill, figure))
                if let stroke {
                    r.strokeRect(x: px(x), y: py(y), width: max(0, w) * s, height: max(0, h) * s, lineWidth: strokeWidth * s,
                                 color: try color(stroke, figure))
                }
            case let .line(x1, y1, x2, y2, stroke, width, dash, _):
                r.strokePolyline([(px(x1), py(y1)), (px(x2), py(y2))], lineWidth: width * s, color: try color(stroke, figure),
                                 dash: CanvasElement.dashLengths(dash).map { $0 * s })
            case let .polyline(points, stroke, width, dash, _, _):
                r.strokePolyline(points.map { (px($0.x), py($0.y)) }, lineWidth: width * s, color: try color(stroke, figure),
                                 dash: CanvasElement.dashLengths(dash).map { $0 * s })
            case let .circle(cx, cy, radius, fill, _):
                r.fillCircle(cx: px(cx), cy: py(cy), r: radius * s, color: try color(fill, figure))
            case let .text(str, x, y, size, anchor, fill, bold, rotate, _):
                let c = try color(fill, figure), ox = px(x), oy = py(y)
                let angle = (rotate ?? 0) * .pi / 180, cosA = cos(angle), sinA = sin(angle)
                for b in BitmapFont.ink(str, x: ox, y: oy, size: size * s, anchor: anchor, bold: bold) {
                    let corners: [(x: Double, y: Double)] = [(b.x, b.y), (b.x + b.width, b.y), (b.x + b.width, b.y + b.height),
                                                             (b.x, b.y + b.height)]
                    r.fillPolygon(rotate == nil ? corners : corners.map { p in
                        (x: ox + (p.x - ox) * cosA - (p.y - oy) * sinA, y: oy + (p.x - ox) * sinA + (p.y - oy) * cosA)
                    }, color: c)
                }
            case let .group(gx, gy, children):
                try paint(children, into: &r, dx: dx + gx, dy: dy + gy, scale: s, figure: figure)
            }
        }
    }
}
