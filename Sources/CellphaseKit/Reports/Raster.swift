import Foundation
import Imaging

/// An RGBA pixel buffer with supersampled anti-aliasing and alpha blending: the drawing surface behind the PNG
/// versions of the report's figures (curves, confusion matrix, ROC, model comparison, SGAN losses, budget grid),
/// so they need no external tool. Shapes are painted into `supersample`² samples a pixel (a sample is covered when
/// its centre lies inside the shape), then averaged; coordinates are in pixels, y down, (0, 0) the top-left corner.
public struct Raster: Sendable {
    public let width: Int
    public let height: Int
    /// Samples per pixel along each axis.
    public let supersample: Int
    /// RGBA, 4 bytes a sample, rows of `width × supersample` samples.
    private var samples: [UInt8]

    private var sampleWidth: Int { width * supersample }
    private var sampleHeight: Int { height * supersample }

    /// A raster of `width` × `height` pixels filled with `background`.
    public init(width: Int, height: Int, supersample: Int = 4, background: CSSColor = .white) {
        precondition(width > 0 && height > 0 && supersample > 0, "a raster needs a positive size")
        self.width = width; self.height = height; self.supersample = supersample
        let count = width * height * supersample * supersample
        samples = [UInt8](unsafeUninitializedCapacity: count * 4) { buffer, initialized in
            for i in 0..<count {
                buffer[4 * i] = background.r; buffer[4 * i + 1] = background.g
                buffer[4 * i + 2] = background.b; buffer[4 * i + 3] = background.a
            }
            initialized = count * 4
        }
    }

    /// Blends `color` over the samples `i0 ..< i1` of sample row `j` (alpha compositing, "source over").
    private mutating func span(_ j: Int, _ i0: Int, _ i1: Int, _ color: CSSColor) {
        guard j >= 0, j < sampleHeight else { return }
        let lo = max(0, i0), hi = min(sampleWidth, i1)
        guard lo < hi, color.a > 0 else { return }
        let a = Int(color.a), na = 255 - a, start = (j * sampleWidth + lo) * 4
        samples.withUnsafeMutableBufferPointer { s in
            var k = start
            for _ in lo..<hi {
                if a == 255 {
                    s[k] = color.r; s[k + 1] = color.g; s[k + 2] = color.b; s[k + 3] = 255
                } else {
                    let da = Int(s[k + 3]), outA = a + da * na / 255
                    if outA > 0 {
                        s[k] = UInt8((Int(color.r) * a + Int(s[k]) * da * na / 255) / outA)
                        s[k + 1] = UInt8((Int(color.g) * a + Int(s[k + 1]) * da * na / 255) / outA)
                        s[k + 2] = UInt8((Int(color.b) * a + Int(s[k + 2]) * da * na / 255) / outA)
                    }
                    s[k + 3] = UInt8(outA)
                }
                k += 4
            }
        }
    }

    /// First sample index whose centre is at or after `x` (in samples).
    private static func firstCentre(_ x: Double) -> Int { Int((x - 0.5).rounded(.up)) }

    /// Fills a polygon (even–odd rule; convex shapes, glyph runs and stroke quads in practice).
    public mutating func fillPolygon(_ points: [(x: Double, y: Double)], color: CSSColor) {
        guard points.count >= 3, color.a > 0 else { return }
        let ss = Double(supersample)
        let p = points.map { (x: $0.x * ss, y: $0.y * ss) }
        guard p.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return }
        let ys = p.map(\.y)
        let j0 = max(0, Self.firstCentre(ys.min()!)), j1 = min(sampleHeight, Self.firstCentre(ys.max()!))
        guard j0 < j1 else { return }
        var xs: [Double] = []
        for j in j0..<j1 {
            let yc = Double(j) + 0.5
            xs.removeAll(keepingCapacity: true)
            for k in p.indices {
                let a = p[k], b = p[(k + 1) % p.count]
                guard (a.y <= yc) != (b.y <= yc) else { continue }
                xs.append(a.x + (yc - a.y) / (b.y - a.y) * (b.x - a.x))
            }
            xs.sort()
            var k = 0
            while k + 1 < xs.count {
                span(j, Self.firstCentre(xs[k]), Self.firstCentre(xs[k + 1]), color)
                k += 2
            }
        }
    }

    /// Fills the axis-aligned rectangle [x, x + width) × [y, y + height).
    public mutating func fillRect(x: Double, y: Double, width w: Double, height h: Double, color: CSSColor) {
        guard w > 0, h > 0 else { return }
        fillPolygon([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], color: color)
    }

    /// Strokes the outline of a rectangle with a pen of `lineWidth` centred on its edges (square corners).
    public mutating func strokeRect(x: Double, y: Double, width w: Double, height h: Double, lineWidth: Double, color: CSSColor) {
        let hw = lineWidth / 2
        guard hw > 0 else { return }
        fillRect(x: x - hw, y: y - hw, width: w + lineWidth, height: lineWidth, color: color)
        fillRect(x: x - hw, y: y + h - hw, width: w + lineWidth, height: lineWidth, color: color)
        fillRect(x: x - hw, y: y + hw, width: lineWidth, height: h - lineWidth, color: color)
        fillRect(x: x + w - hw, y: y + hw, width: lineWidth, height: h - lineWidth, color: color)
    }

    /// Fills a disc.
    public mutating func fillCircle(cx: Double, cy: Double, r: Double, color: CSSColor) {
        guard r > 0, cx.isFinite, cy.isFinite, r.isFinite, color.a > 0 else { return }
        let ss = Double(supersample), x = cx * ss, y = cy * ss, rr = r * ss
        let j0 = max(0, Self.firstCentre(y - rr)), j1 = min(sampleHeight, Self.firstCentre(y + rr))
        guard j0 < j1 else { return }
        for j in j0..<j1 {
            let dy = Double(j) + 0.5 - y
            guard rr * rr > dy * dy else { continue }
            let half = (rr * rr - dy * dy).squareRoot()
            span(j, Self.firstCentre(x - half), Self.firstCentre(x + half), color)
        }
    }

    /// A straight stroke of `lineWidth` from (x1, y1) to (x2, y2) with butt ends (SVG's default cap).
    public mutating func strokeLine(x1: Double, y1: Double, x2: Double, y2: Double, lineWidth: Double, color: CSSColor) {
        let dx = x2 - x1, dy = y2 - y1, len = (dx * dx + dy * dy).squareRoot()
        guard len > 0, lineWidth > 0 else { return }
        let nx = -dy / len * lineWidth / 2, ny = dx / len * lineWidth / 2
        fillPolygon([(x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)], color: color)
    }

    /// An open polyline; `dash` lengths alternate on and off along the whole path (SVG's stroke-dasharray, an odd
    /// count repeated twice); solid polylines get round joins (SVG's stroke-linejoin round).
    public mutating func strokePolyline(_ points: [(x: Double, y: Double)], lineWidth: Double, color: CSSColor,
                                        dash: [Double] = []) {
        let pts = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard pts.count >= 2, lineWidth > 0 else { return }
        var pattern = dash.filter { $0 >= 0 }
        if pattern.count % 2 == 1 { pattern += pattern }
        guard !pattern.isEmpty, pattern.reduce(0, +) > 0 else {
            for k in 1..<pts.count {
                strokeLine(x1: pts[k - 1].x, y1: pts[k - 1].y, x2: pts[k].x, y2: pts[k].y, lineWidth: lineWidth, color: color)
            }
            for p in pts.dropFirst().dropLast() { fillCircle(cx: p.x, cy: p.y, r: lineWidth / 2, color: color) }
            return
        }
        var index = 0, left = pattern[0]
        for k in 1..<pts.count {
            let a = pts[k - 1], b = pts[k]
            let len = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
            var t = 0.0
            while t < len {
                let step = min(left, len - t)
                if index % 2 == 0, step > 0 {
                    let u0 = t / len, u1 = (t + step) / len
                    strokeLine(x1: a.x + (b.x - a.x) * u0, y1: a.y + (b.y - a.y) * u0,
                               x2: a.x + (b.x - a.x) * u1, y2: a.y + (b.y - a.y) * u1, lineWidth: lineWidth, color: color)
                }
                t += step; left -= step
                if left <= 1e-9 { index = (index + 1) % pattern.count; left = pattern[index] }
            }
        }
    }

    /// The colour of pixel (x, y): the mean of its samples (colour weighted by alpha).
    public func pixel(x: Int, y: Int) -> CSSColor {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) is outside the \(width)×\(height) raster")
        return samples.withUnsafeBufferPointer { Self.mean($0, x: x, y: y, supersample: supersample, sampleWidth: sampleWidth) }
    }

    private static func mean(_ s: UnsafeBufferPointer<UInt8>, x: Int, y: Int, supersample ss: Int, sampleWidth: Int) -> CSSColor {
        var r = 0, g = 0, b = 0, a = 0
        for sy in 0..<ss {
            var k = ((y * ss + sy) * sampleWidth + x * ss) * 4
            for _ in 0..<ss {
                let sa = Int(s[k + 3])
                r += Int(s[k]) * sa; g += Int(s[k + 1]) * sa; b += Int(s[k + 2]) * sa; a += sa
                k += 4
            }
        }
        guard a > 0 else { return .transparent }
        let n = ss * ss
        func avg(_ v: Int) -> UInt8 { UInt8((v + a / 2) / a) }
        return CSSColor(r: avg(r), g: avg(g), b: avg(b), a: UInt8((a + n / 2) / n))
    }

    /// The raster as an 8-bit RGB image composited over white (what `PNGCodec` writes).
    public func image() -> Image {
        let n = width * height, (ss, sw) = (supersample, sampleWidth)
        var pixels = [Float](repeating: 0, count: n * 3)
        samples.withUnsafeBufferPointer { s in
            for y in 0..<height {
                for x in 0..<width {
                    let c = Self.mean(s, x: x, y: y, supersample: ss, sampleWidth: sw), a = Float(c.a) / 255, p = y * width + x
                    pixels[p] = (Float(c.r) * a + 255 * (1 - a)).rounded()
                    pixels[n + p] = (Float(c.g) * a + 255 * (1 - a)).rounded()
                    pixels[2 * n + p] = (Float(c.b) * a + 255 * (1 - a)).rounded()
                }
            }
        }
        return Image(width: width, height: height, channels: 3, format: .uint8, pixels: pixels)
    }
}
