import Foundation
import Support

/// Paints an `SVGCanvas` into pixels through librsvg and cairo (anti-aliased shapes, real fonts) — the PNG twin of
/// its SVG text, for every figure of the reports (the plots both papers publish: curves, confusion matrices, ROC,
/// the SGAN paper's budget grid) — and writes PNG files atomically.
extension SVGCanvas {
    /// The canvas rendered by librsvg at `scale` pixels per unit: ⌈width × scale⌉ × ⌈height × scale⌉, opaque over white.
    public func pixels(scale: Double = 1) throws -> SVGRender.Pixels {
        try checkRenderable(scale)
        do { return try SVGRender.pixels(svg: render(), width: width, height: height, scale: scale) }
        catch let e as SVGRenderError { throw ReportError.render(figure: title, reason: e.message) }
    }

    /// Writes the canvas as an 8-bit RGB PNG (cairo's encoder), atomically.
    public func writePNG(to url: URL, scale: Double = 1) throws {
        try checkRenderable(scale)
        let data: Data
        do { data = try SVGRender.pngData(svg: render(), width: width, height: height, scale: scale) }
        catch let e as SVGRenderError { throw ReportError.render(figure: title, reason: e.message) }
        try AtomicFile.write(data, to: url)
    }

    /// Writes the figure twice: its SVG text to `svgURL` and its PNG next to it (same name, `.png`).
    public func writeSVGAndPNG(to svgURL: URL, scale: Double = 1) throws {
        try write(to: svgURL)
        try writePNG(to: svgURL.deletingPathExtension().appendingPathExtension("png"), scale: scale)
    }

    /// Keeps the old errors: bad size/scale, and colours librsvg would silently draw black or not at all.
    private func checkRenderable(_ scale: Double) throws {
        guard scale > 0, scale.isFinite, width > 0, height > 0 else {
            throw ReportError.render(figure: title, reason: "cannot paint a \(width)×\(height) canvas at scale \(scale)")
        }
        func walk(_ es: [CanvasElement]) throws {
            for e in es {
                let colours: [String]
                switch e {
                case let .rect(_, _, _, _, fill, stroke, _, _, _): colours = [fill] + (stroke.map { [$0] } ?? [])
                case let .line(_, _, _, _, stroke, _, _, _): colours = [stroke]
                case let .polyline(_, stroke, _, _, _, _): colours = [stroke]
                case let .circle(_, _, _, fill, _): colours = [fill]
                case let .text(_, _, _, _, _, fill, _, _, _): colours = [fill]
                case .image: colours = []
                case let .group(_, _, children): try walk(children); colours = []
                }
                for c in colours where CSSColor.parse(c) == nil {
                    throw ReportError.render(figure: title, reason: "unsupported colour '\(c)' (use #rgb, #rrggbb, rgb(), rgba() or a CSS name)")
                }
            }
        }
        try walk(elements)
    }
}
