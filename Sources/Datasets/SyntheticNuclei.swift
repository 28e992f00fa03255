import Foundation
import Imaging
import Support

/// The cell-cycle phases the synthetic generator draws.
public enum CellPhase: String, Sendable, CaseIterable, Codable {
    case interphase, prophase, prometaphase, metaphase, anaphase, telophase, apoptosis
}

/// Synthetic fluorescent nuclei (a DNA stain such as Hoechst or H2B-GFP) in each phase, with
/// realistic variation: size, elongation, orientation, position, chromatin texture, optical blur,
/// background offset, brightness and shot/read noise. It is the built-in example data (the main
/// command runs on a fresh machine with no download) and the source of test fixtures.
/// Deterministic: image `index` of a phase depends only on (seed, phase, index).
public struct SyntheticNuclei: Sendable {
    public var side: Int
    public var format: PixelFormat
    public var seed: UInt64

    public init(side: Int = 64, format: PixelFormat = .uint16, seed: UInt64 = 0) {
        self.side = side; self.format = format; self.seed = seed
    }

    /// One crop.
    public func image(_ phase: CellPhase, index: Int) -> Image {
        var g = SeededGenerator(seed: seed, stream: UInt64(CellPhase.allCases.firstIndex(of: phase)!), UInt64(index))
        var canvas = Canvas(side: side)
        let s = Double(side)
        let cx = s / 2 + g.uniform(-0.05...0.05) * s, cy = s / 2 + g.uniform(-0.05...0.05) * s
        let theta = g.uniform(0...Double.pi), scale = g.uniform(0.85...1.15)
        switch phase {
        case .interphase:
            let r = 0.27 * s * scale
            canvas.blob(cx, cy, r, r * g.uniform(0.72...0.98), theta, 0.45, edge: 1.2)
            canvas.texture(&g, amplitude: 0.35, grain: 3)
            for _ in 0..<g.int(below: 3) + 1 {
                canvas.blob(cx + g.uniform(-0.4...0.4) * r, cy + g.uniform(-0.4...0.4) * r, 0.12 * r, 0.1 * r, 0, -0.15, edge: 0.8)
            }
        case .prophase:
            let r = 0.24 * s * scale
            canvas.blob(cx, cy, r, r * g.uniform(0.8...1.0), theta, 0.4, edge: 1.0)
            for _ in 0..<28 {
                let a = g.uniform(0...(2 * Double.pi)), d = r * g.uniform(0...0.85)
                canvas.blob(cx + d * cos(a), cy + d * sin(a), 0.09 * r, 0.04 * r, g.uniform(0...Double.pi), 0.35, edge: 0.6)
            }
        case .prometaphase:
            let r = 0.17 * s * scale
            canvas.blob(cx, cy, r, r * 0.9, theta, 0.15, edge: 2)
            for _ in 0..<(14 + g.int(below: 8)) {
                let a = g.uniform(0...(2 * Double.pi)), d = r * g.uniform(0...0.95)
                canvas.blob(cx + d * cos(a), cy + d * sin(a), 0.06 * s * scale, 0.022 * s, g.uniform(0...Double.pi), 0.6, edge: 0.6)
            }
        case .metaphase:
            canvas.blob(cx, cy, 0.21 * s * scale, 0.055 * s * scale, theta, 0.85, edge: 0.8)
            for _ in 0..<8 {
                let t = g.uniform(-0.18...0.18) * s * scale, side = g.bernoulli(0.5) ? 1.0 : -1.0
                canvas.blob(cx + t * cos(theta) - side * 0.05 * s * sin(theta), cy + t * sin(theta) + side * 0.05 * s * cos(theta),
                            0.035 * s, 0.015 * s, theta + Double.pi / 2, 0.4, edge: 0.6)
            }
        case .anaphase:
            let d = g.uniform(0.08...0.15) * s
            for k in [-1.0, 1.0] {
                canvas.blob(cx - k * d * sin(theta), cy + k * d * cos(theta), 0.17 * s * scale, 0.045 * s * scale, theta + k * g.uniform(0...0.15), 0.8, edge: 0.8)
            }
        case .telophase:
            let d = g.uniform(0.16...0.22) * s
            for k in [-1.0, 1.0] {
                let r = 0.1 * s * scale * g.uniform(0.9...1.1)
                canvas.blob(cx - k * d * sin(theta), cy + k * d * cos(theta), r, r * 0.65, theta, 0.7, edge: 0.9)
            }
            canvas.texture(&g, amplitude: 0.2, grain: 2)
        case .apoptosis:
            if g.bernoulli(0.4) {
                let r = 0.1 * s * scale
                canvas.blob(cx, cy, r, r * g.uniform(0.85...1), theta, 1.0, edge: 0.5)
            } else {
                for _ in 0..<(3 + g.int(below: 5)) {
                    let a = g.uniform(0...(2 * Double.pi)), d = g.uniform(0...0.15) * s, r = g.uniform(0.025...0.065) * s
                    canvas.blob(cx + d * cos(a), cy + d * sin(a), r, r * g.uniform(0.8...1), 0, 1.0, edge: 0.5)
                }
            }
        }
        canvas.blur(sigma: g.uniform(0.7...1.8))
        let gain = g.uniform(0.6...1.4), background = g.uniform(0.02...0.06)
        let top = format == .uint8 ? 255.0 : g.uniform(20000...60000)
        var pixels = [Float](repeating: 0, count: side * side)
        for i in pixels.indices {
            let v = background + gain * max(0, canvas.values[i])
            let noisy = v + g.gaussian() * (0.0004 + 0.002 * v).squareRoot()
            pixels[i] = Float((min(1, max(0, noisy)) * top).rounded())
        }
        return Image(width: side, height: side, channels: 1, format: format == .float32 ? .uint16 : format, pixels: pixels)
    }

    /// Writes `ROOT/<phase>/<phase>_NNNN.<ext>` (`ext` "png" or "tif"), `perClass` images per phase.
    /// Returns the number of files written.
    @discardableResult
    public func writeDataset(to root: URL, perClass: Int, fileExtension ext: String = "png",
                             phases: [CellPhase] = CellPhase.allCases) throws -> Int {
        guard ext == "png" || ext == "tif" || ext == "tiff" else {
            throw DatasetError.invalidSpec("synthetic dataset: extension must be png or tif, not '\(ext)'")
        }
        var written = 0
        for phase in phases {
            let dir = root.appendingPathComponent(phase.rawValue)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for i in 0..<perClass {
                let url = dir.appendingPathComponent(String(format: "%@_%04d.%@", phase.rawValue, i, ext))
                do { try ImageFile.write(image(phase, index: i), to: url) } catch let e as ImagingError { throw DatasetError.image(e, row: nil) }
                written += 1
            }
        }
        return written
    }
}

/// A float raster the synthetic generator paints on.
struct Canvas {
    let side: Int
    var values: [Double]
    init(side: Int) { self.side = side; values = Array(repeating: 0, count: side * side) }

    /// Adds a soft-edged ellipse (radii rx, ry, rotated by `angle`); `edge` is the edge width in pixels.
    mutating func blob(_ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double, _ angle: Double, _ intensity: Double, edge: Double) {
        let c = cos(angle), s = sin(angle), reach = max(rx, ry) + 4 * edge
        for y in max(0, Int(cy - reach))..<min(side, Int(cy + reach) + 1) {
            for x in max(0, Int(cx - reach))..<min(side, Int(cx + reach) + 1) {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let u = (c * dx + s * dy) / max(rx, 0.5), v = (-s * dx + c * dy) / max(ry, 0.5)
                let distance = ((u * u + v * v).squareRoot() - 1) * min(rx, ry)  // ≈ pixels outside the edge
                values[y * side + x] += intensity / (1 + exp(distance / max(edge, 0.1)))
            }
        }
    }

    /// Multiplies by (1 + amplitude × smooth noise), giving chromatin texture.
    mutating func texture(_ g: inout SeededGenerator, amplitude: Double, grain: Double) {
        var noise = Canvas(side: side)
        for i in noise.values.indices { noise.values[i] = g.gaussian() }
        noise.blur(sigma: grain)
        let sd = max(1e-9, (noise.values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot())
        for i in values.indices { values[i] *= max(0, 1 + amplitude * noise.values[i] / sd) }
    }

    /// Separable Gaussian blur (edge replicate).
    mutating func blur(sigma: Double) {
        let r = max(1, Int((3 * sigma).rounded(.up)))
        var k = (-r...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = k.reduce(0, +); k = k.map { $0 / total }
        var tmp = values
        for pass in 0..<2 {
            let src = pass == 0 ? values : tmp
            var dst = src
            for y in 0..<side {
                for x in 0..<side {
                    var acc = 0.0
                    for (j, w) in k.enumerated() {
                        let o = j - r
                        let xx = pass == 0 ? min(side - 1, max(0, x + o)) : x, yy = pass == 1 ? min(side - 1, max(0, y + o)) : y
                        acc += w * src[yy * side + xx]
                    }
                    dst[y * side + x] = acc
                }
            }
            if pass == 0 { tmp = dst } else { values = dst }
        }
    }
}
