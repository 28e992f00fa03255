import Imaging
import Support

/// Cuts a square crop around each segmented nucleus for the classifier. The crop is centred on
/// the object's centroid (rounded to the nearest pixel: the centre pixel of an odd side, or the
/// pixel just below-right of the centre of an even side, i.e. `x0 = round(cx) − side/2`), with
/// side = `max(⌈max(bbox width, bbox height) × margin⌉, minSide)` — or a fixed side. Parts that
/// fall outside the field are filled by `padding` (default: replicate the edge pixels).
/// Crops keep the field's raw values and format, so the classifier's own preprocessing
/// (`Image.squared(side:)` then `normalized(_:)` in Imaging) applies to them exactly as to the
/// training crops (roboscope-zeiss crops show their nucleus at 1.21× its segmented bounding box: `CropFraming`).
public struct CropExtractor: Sendable {
    /// How the crop side is chosen.
    public enum Size: Sendable, Hashable {
        /// `max(bbox side) × margin`, at least `minSide`.
        case boundingBox(margin: Double, minSide: Int)
        /// Always `side × side`.
        case fixed(Int)
    }
    /// How pixels outside the field are filled.
    public enum Padding: Sendable, Hashable {
        case replicate
        case constant(Float)
    }

    public var size: Size
    public var padding: Padding

    public init(size: Size = .boundingBox(margin: 1.5, minSide: 16), padding: Padding = .replicate) {
        self.size = size; self.padding = padding
    }

    /// The crop side for an object.
    public func side(for object: NucleusObject) -> Int {
        switch size {
        case .fixed(let s): return max(1, s)
        case let .boundingBox(margin, minSide):
            let b = object.boundingBox
            return max(max(1, minSide), Int((Double(max(b.width, b.height)) * margin).rounded(.up)))
        }
    }

    /// The crop's top-left corner in field coordinates (may be negative / beyond the field).
    public func origin(for object: NucleusObject, side: Int) -> (x: Int, y: Int) {
        (Int(object.centroidX.rounded()) - side / 2, Int(object.centroidY.rounded()) - side / 2)
    }

    /// One crop (all channels of `field`).
    public func crop(_ field: Image, object: NucleusObject) -> Image {
        let s = side(for: object)
        let (ox, oy) = origin(for: object, side: s)
        return Self.cut(field, x0: ox, y0: oy, side: s, padding: padding)
    }

    /// Crops of every object, in order, cut in parallel.
    public func crops(_ field: Image, objects: [NucleusObject]) -> [Image] {
        var out = [Image?](repeating: nil, count: objects.count)
        out.withUnsafeMutableBufferPointer { ob in
            let op = ob.baseAddress!
            Parallel.bands(objects.count, minPerBand: 8) { r in
                for i in r { op[i] = crop(field, object: objects[i]) }
            }
        }
        return out.map { $0! }
    }

    /// A `side × side` window at (x0, y0), padded outside the field.
    public static func cut(_ field: Image, x0: Int, y0: Int, side: Int, padding: Padding) -> Image {
        let w = field.width, h = field.height
        var out = Image(width: side, height: side, channels: field.channels, format: field.format)
        field.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for c in 0..<field.channels {
                    let sp = src.baseAddress! + c * w * h, dp = dst.baseAddress! + c * side * side
                    for yy in 0..<side {
                        let gy = y0 + yy
                        for xx in 0..<side {
                            let gx = x0 + xx
                            if gx >= 0 && gx < w && gy >= 0 && gy < h {
                                dp[yy * side + xx] = sp[gy * w + gx]
                            } else if case .constant(let v) = padding {
                                dp[yy * side + xx] = v
                            } else {
                                dp[yy * side + xx] = sp[min(h - 1, max(0, gy)) * w + min(w - 1, max(0, gx))]
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
