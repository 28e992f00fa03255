import Foundation
import Imaging
import Support

/// A nucleus crop to place in a synthetic field: a real roboscope-zeiss crop (via
/// `Datasets.FolderLayout`) or a `Datasets.SyntheticNuclei` crop, with its class.
public struct SourceCrop: Sendable {
    public var image: Image
    public var className: String
    public var file: URL?
    public init(image: Image, className: String, file: URL? = nil) {
        self.image = image; self.className = className; self.file = file
    }
}

/// Ground truth for one placed crop.
public struct PlacedNucleus: Sendable, Codable, Hashable {
    /// Index in `SyntheticField.nuclei`.
    public var index: Int
    public var className: String
    public var sourceFile: String?
    /// Centroid of the placed object (all parts together), field pixels.
    public var centroidX: Double, centroidY: Double
    /// Centroids of the separate chromatin masses the crop holds (two for most anaphase and
    /// telophase crops): a segmenter should find one object per part.
    public var parts: [[Double]]
    /// Object pixels (of the crop's own mask), for all parts.
    public var area: Int
    /// Where the crop's top-left pixel landed.
    public var cropX: Int, cropY: Int
}

/// Two placed nuclei deliberately put in contact (their masks overlap by a few pixels).
public struct TouchingPair: Sendable, Codable, Hashable {
    public var a: Int, b: Int
}

/// Settings for `SyntheticField.generate`.
public struct SyntheticFieldOptions: Sendable, Hashable {
    public var width = 2048, height = 2048
    /// Nuclei to place (fewer are placed if they do not fit; see `SyntheticField.nuclei`).
    public var count = 250
    /// How many of them are placed as touching pairs.
    public var touchingPairs = 10
    /// Mask overlap of a touching pair, in pixels along the line joining them.
    public var touchOverlap = 3
    /// Minimum free space between the footprints of separate nuclei.
    public var gap = 6
    public var seed: UInt64 = 1
    /// Camera offset + background, raw units; noise σ; illumination ramp added across the field.
    public var backgroundLevel: Float = 1800, noiseSigma: Float = 120, gradient: Float = 1200
    public init() {}
}

/// A synthetic whole field for tests and benchmarks: nuclei crops placed at known, seeded,
/// non-overlapping positions (some pairs deliberately touching) on a noisy, unevenly lit
/// 16-bit background — the fields the SGAN paper's 28 s-per-field estimate refers to
/// (2048×2048, ~250 cells), with ground truth to score a segmenter against.
///
/// Blending: each crop's own background (median of its nonzero border pixels) is subtracted,
/// the crop is multiplied by a soft mask of its central object (Otsu within the crop, the
/// components near the centre, feathered over 2–6 px so neighbours cut into the crop and the
/// crops' zero padding vanish), and the result is max-blended onto a signal canvas; the field
/// is background + ramp + Gaussian noise + signal, rounded to 16 bits.
public struct SyntheticField: Sendable {
    public var image: Image
    public var nuclei: [PlacedNucleus]
    public var touchingPairs: [TouchingPair]

    /// Builds a field from `sources` (used in a seeded shuffled order, repeated as needed).
    public static func generate(sources: [SourceCrop], options o: SyntheticFieldOptions = SyntheticFieldOptions()) throws -> SyntheticField {
        guard !sources.isEmpty else { throw SegmentationError.invalidParameter("no source crops to place") }
        guard o.width > 0, o.height > 0 else { throw SegmentationError.invalidParameter("field size \(o.width)×\(o.height)") }
        var g = SeededGenerator(seed: o.seed)
        let objects = sources.map(CropObject.init)
        var order = g.shuffled(Array(objects.indices).filter { objects[$0].area > 0 })
        guard !order.isEmpty else { throw SegmentationError.invalidParameter("no source crop holds a nucleus") }
        while order.count < o.count { order += g.shuffled(order) }
        // Units: a single nucleus or a touching pair, with positions relative to the unit centre.
        struct Member { var object: Int; var dx: Double; var dy: Double }
        var units: [[Member]] = []
        var k = 0
        let pairs = min(o.touchingPairs, o.count / 2)
        for _ in 0..<pairs {
            let a = objects[order[k]], b = objects[order[k + 1]]
            let theta = g.uniform(0...(2 * Double.pi)), ux = cos(theta), uy = sin(theta)
            var d = a.radius + b.radius
            while d > 1 && a.overlap(b, dx: d * ux, dy: d * uy) == 0 { d -= 1 }
            d = max(1, d - Double(o.touchOverlap))
            units.append([Member(object: order[k], dx: -d / 2 * ux, dy: -d / 2 * uy),
                          Member(object: order[k + 1], dx: d / 2 * ux, dy: d / 2 * uy)])
            k += 2
        }
        while k < o.count { units.append([Member(object: order[k], dx: 0, dy: 0)]); k += 1 }
        units = g.shuffled(units)

        var signal = [Float](repeating: 0, count: o.width * o.height)
        var placedUnits: [(x: Double, y: Double, r: Double)] = []
        var nuclei: [PlacedNucleus] = []
        var touching: [TouchingPair] = []
        for unit in units {
            let r = unit.map { (($0.dx * $0.dx + $0.dy * $0.dy).squareRoot()) + objects[$0.object].radius }.max()!
            guard 2 * r + 2 < Double(min(o.width, o.height)) else { continue }
            var spot: (Double, Double)? = nil
            for _ in 0..<400 {
                let x = g.uniform((r + 1)...(Double(o.width) - r - 1)), y = g.uniform((r + 1)...(Double(o.height) - r - 1))
                if placedUnits.allSatisfy({ let dx = $0.x - x, dy = $0.y - y; return (dx * dx + dy * dy).squareRoot() >= $0.r + r + Double(o.gap) }) {
                    spot = (x, y); break
                }
            }
            guard let (ux, uy) = spot else { continue }
            placedUnits.append((ux, uy, r))
            let first = nuclei.count
            for m in unit {
                let obj = objects[m.object]
                // Integer crop origin so that the object centroid lands near (ux + dx, uy + dy).
                let ox = Int((ux + m.dx - obj.cx).rounded()), oy = Int((uy + m.dy - obj.cy).rounded())
                obj.blend(into: &signal, width: o.width, height: o.height, x0: ox, y0: oy)
                nuclei.append(PlacedNucleus(index: nuclei.count, className: obj.source.className, sourceFile: obj.source.file?.path,
                                            centroidX: Double(ox) + obj.cx, centroidY: Double(oy) + obj.cy,
                                            parts: obj.parts.map { [Double(ox) + $0.0, Double(oy) + $0.1] },
                                            area: obj.area, cropX: ox, cropY: oy))
            }
            if unit.count == 2 { touching.append(TouchingPair(a: first, b: first + 1)) }
        }
        // Background, ramp, noise.
        let w = o.width, h = o.height
        var px = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            var rg = SeededGenerator(seed: o.seed, stream: 0xF1E1D, UInt64(y))
            for x in 0..<w {
                let ramp = o.gradient * (Float(x) / Float(w) + Float(y) / Float(h)) / 2
                let v = o.backgroundLevel + ramp + Float(rg.gaussian()) * o.noiseSigma + signal[y * w + x]
                px[y * w + x] = min(65535, max(0, v.rounded()))
            }
        }
        return SyntheticField(image: Image(width: w, height: h, channels: 1, format: .uint16, pixels: px),
                              nuclei: nuclei, touchingPairs: touching)
    }
}

/// A source crop reduced to its central object: background-subtracted signal, soft alpha,
/// parts and footprint.
struct CropObject {
    let source: SourceCrop
    let w: Int, h: Int
    var signal: [Float]      // background-subtracted raw values
    var alpha: [Float]       // 0…1
    var mask: [UInt8]        // the object's own mask (the parts)
    var cx = 0.0, cy = 0.0, area = 0, radius = 0.0
    var parts: [(Double, Double)] = []

    init(_ s: SourceCrop) {
        source = s
        let img = s.image.channels == 1 ? s.image : s.image.summedChannels()
        w = img.width; h = img.height
        var border: [Float] = []
        for y in 0..<h { for x in 0..<w where (y == 0 || x == 0 || y == h - 1 || x == w - 1) && img[0, y, x] > 0 { border.append(img[0, y, x]) } }
        border.sort()
        let bg = border.isEmpty ? 0 : border[border.count / 2]
        signal = img.pixels.map { max(0, $0 - bg) }
        let smooth = Smoothing.gaussian(signal, width: w, height: h, sigma: 1)
        mask = [UInt8](repeating: 0, count: w * h); alpha = [Float](repeating: 0, count: w * h)
        guard let t = Otsu.threshold(smooth, bins: 1024) else { return }
        let cc = ConnectedComponents.label(smooth.map { $0 >= t ? 1 : 0 }, width: w, height: h)
        let feats = ObjectFeatures.measure(cc, intensity: smooth)
        let ccx = Double(w - 1) / 2, ccy = Double(h - 1) / 2, reach = 0.3 * Double(max(w, h))
        let near = feats.filter { o in
            let dx = o.centroidX - ccx, dy = o.centroidY - ccy
            return (dx * dx + dy * dy).squareRoot() <= reach && o.area >= 20
        }
        guard let main = near.max(by: { $0.area < $1.area }) else { return }
        let keep = near.filter { $0.area * 10 >= main.area * 3 }
        let ids = Set(keep.map { Int32($0.id) })
        var sx = 0.0, sy = 0.0
        for i in 0..<(w * h) where ids.contains(cc.labels[i]) {
            mask[i] = 1; area += 1; sx += Double(i % w); sy += Double(i / w)
        }
        cx = sx / Double(area); cy = sy / Double(area)
        parts = keep.map { ($0.centroidX, $0.centroidY) }
        let d = DistanceTransform.euclidean(mask.map { 1 - $0 }, width: w, height: h)
        for i in 0..<(w * h) {
            alpha[i] = min(1, max(0, 1 - (d[i] - 2) / 4))
            if alpha[i] > 0 {
                let dx = Double(i % w) - cx, dy = Double(i / w) - cy
                radius = max(radius, (dx * dx + dy * dy).squareRoot())
            }
        }
    }

    /// Mask pixels shared with `other` placed with its centroid at (dx, dy) from this one's.
    func overlap(_ other: CropObject, dx: Double, dy: Double) -> Int {
        var n = 0
        for i in 0..<(other.w * other.h) where other.mask[i] != 0 {
            let x = Int((Double(i % other.w) - other.cx + dx + cx).rounded()), y = Int((Double(i / other.w) - other.cy + dy + cy).rounded())
            if x >= 0 && x < w && y >= 0 && y < h && mask[y * w + x] != 0 { n += 1 }
        }
        return n
    }

    func blend(into canvas: inout [Float], width fw: Int, height fh: Int, x0: Int, y0: Int) {
        for y in 0..<h {
            let gy = y0 + y
            guard gy >= 0 && gy < fh else { continue }
            for x in 0..<w {
                let gx = x0 + x, a = alpha[y * w + x]
                guard gx >= 0 && gx < fw && a > 0 else { continue }
                canvas[gy * fw + gx] = max(canvas[gy * fw + gx], a * signal[y * w + x])
            }
        }
    }
}
