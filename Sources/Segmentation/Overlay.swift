import Foundation
import Imaging

/// A picture for a person to check a segmentation: the field contrast-stretched to 8-bit grey
/// (0.5th–99.8th percentile), with each object's outline drawn in colour — by class when
/// `colorIndex` is given (same colour = same class; index into `Overlay.palette`), else by id.
public enum Overlay {
    /// Distinct, colour-blind-friendly outline colours (Okabe–Ito, then extras), RGB 0…255.
    public static let palette: [(UInt8, UInt8, UInt8)] = [
        (230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0),
        (204, 121, 167), (255, 255, 255), (255, 0, 0), (0, 255, 0), (255, 0, 255), (0, 255, 255),
    ]

    /// RGB 8-bit overlay. `colorIndex(id)` picks an outline colour per object id (nil: by id).
    public static func render(field: Image, labels: LabelImage, colorIndex: ((Int) -> Int)? = nil) throws -> Image {
        guard field.width == labels.width, field.height == labels.height else {
            throw SegmentationError.sizeMismatch(expected: (field.width, field.height), got: (labels.width, labels.height), what: "overlay labels")
        }
        let w = field.width, h = field.height, n = w * h
        let plane = Plane.intensity(field)
        let hist = Histogram(plane, bins: 4096)
        let lo = hist.percentile(0.5), hi = max(hist.percentile(99.8), lo + 1e-6)
        let scale = 255 / (hi - lo)
        var px = [Float](repeating: 0, count: 3 * n)
        let l = labels.labels
        for i in 0..<n {
            let g = min(255, max(0, ((plane[i] - lo) * scale).rounded()))
            px[i] = g; px[n + i] = g; px[2 * n + i] = g
        }
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x, v = l[i]
                if v == 0 { continue }
                let edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 ||
                    l[i - 1] != v || l[i + 1] != v || l[i - w] != v || l[i + w] != v
                if !edge { continue }
                let k = colorIndex?(Int(v)) ?? Int(v)
                let c = palette[((k % palette.count) + palette.count) % palette.count]
                px[i] = Float(c.0); px[n + i] = Float(c.1); px[2 * n + i] = Float(c.2)
            }
        }
        return Image(width: w, height: h, channels: 3, format: .uint8, pixels: px)
    }

    /// Renders and writes a PNG.
    public static func writePNG(field: Image, labels: LabelImage, to url: URL, colorIndex: ((Int) -> Int)? = nil) throws {
        let img = try render(field: field, labels: labels, colorIndex: colorIndex)
        do { try PNGCodec.write(img, to: url) } catch let e as ImagingError { throw SegmentationError.image(e) }
    }
}
