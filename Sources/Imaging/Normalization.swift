/// How raw samples become model inputs.
/// Defaults per model family (see `Preprocessing` in Datasets): the GAN uses `[-1, 1]`, CNNs `[0, 1]`;
/// for 16-bit microscopy with hot pixels and a dark offset, per-image percentiles (1st–99.8th, as in
/// the roboscope-zeiss calibration) are the robust choice.
public enum Normalization: Sendable, Hashable, Codable {
    /// `value / maxValue` of the bit depth → [0, 1] (float32 images: per-image min–max).
    case unit
    /// As `unit`, then mapped to [-1, 1].
    case symmetric
    /// Per image and channel, the `low`-th percentile maps to the bottom and the `high`-th to the
    /// top of the range ([-1, 1] when `symmetric`, else [0, 1]), clipping outside.
    case percentile(low: Float, high: Float, symmetric: Bool)
    /// One raw-value range for every image: `low` maps to the bottom and `high` to the top of the range,
    /// clipping outside. Keeps brightness differences between crops (condensed mitotic chromatin is brighter
    /// than interphase chromatin), which per-image percentiles erase; `PreprocessSettings.fittingDatasetRange`
    /// takes the range from a dataset's pooled percentiles.
    case fixed(low: Float, high: Float, symmetric: Bool)

    /// The 1st–99.8th percentile default.
    public static let robustUnit = Normalization.percentile(low: 1, high: 99.8, symmetric: false)
    public static let robustSymmetric = Normalization.percentile(low: 1, high: 99.8, symmetric: true)

    /// The output range.
    public var range: ClosedRange<Float> {
        switch self {
        case .unit: 0...1
        case .symmetric: -1...1
        case .percentile(_, _, let s), .fixed(_, _, let s): s ? -1...1 : 0...1
        }
    }

    /// A stable text form (cache keys, CLI).
    public var description: String {
        switch self {
        case .unit: "unit"
        case .symmetric: "symmetric"
        case let .percentile(l, h, s): "percentile(\(l),\(h),\(s ? "symmetric" : "unit"))"
        case let .fixed(l, h, s): "fixed(\(l),\(h),\(s ? "symmetric" : "unit"))"
        }
    }
}

extension Image {
    /// Normalised float samples, same shape; `summed` is how many channels were added together
    /// into each sample (bit-depth scaling then uses `maxValue × summed`).
    public func normalized(_ n: Normalization, summed: Int = 1) -> Image {
        var out = pixels
        let range = n.range
        for c in 0..<channels {
            let lo: Float, hi: Float
            let plane = c * planeSize ..< (c + 1) * planeSize
            switch n {
            case .unit, .symmetric:
                if format == .float32 {
                    lo = pixels[plane].min() ?? 0; hi = pixels[plane].max() ?? 1
                } else {
                    lo = 0; hi = format.maxValue * Float(max(1, summed))
                }
            case let .percentile(pl, ph, _):
                (lo, hi) = Image.percentiles(pixels[plane], pl, ph)
            case let .fixed(l, h, _):
                (lo, hi) = (l, h)
            }
            let scale = hi > lo ? (range.upperBound - range.lowerBound) / (hi - lo) : 0
            for i in plane {
                let v = range.lowerBound + (pixels[i] - lo) * scale
                out[i] = min(range.upperBound, max(range.lowerBound, v))
            }
        }
        return Image(width: width, height: height, channels: channels, format: .float32, pixels: out)
    }

    /// The linear-interpolated `p1`-th and `p2`-th percentiles of `values`, exactly as
    /// `percentile(values.sorted(), p)` gives them, by selection (quickselect on a scratch copy,
    /// O(n)) instead of a full sort: per-crop percentile normalisation at the microscope runs for
    /// every nucleus of every field.
    public static func percentiles(_ values: ArraySlice<Float>, _ p1: Float, _ p2: Float) -> (Float, Float) {
        let n = values.count
        guard n > 0 else { return (0, 0) }
        func rank(_ p: Float) -> (Int, Float) {
            let pos = Float(n - 1) * min(100, max(0, p)) / 100
            let i = Int(pos.rounded(.down))
            return (i, pos - Float(i))
        }
        let (i1, f1) = rank(min(p1, p2)), (i2, f2) = rank(max(p1, p2))
        // Two selections: rank i1, then rank i2 among what lies above it. The values at ranks
        // i1 + 1 and i2 + 1 (for the interpolation) are then minima of what lies above each.
        var scratch = Array(values)
        let (lo, hi) = scratch.withUnsafeMutableBufferPointer { b -> (Float, Float) in
            let a = b.baseAddress!
            func minimum(_ from: Int, _ to: Int) -> Float {  // of a[from..<to]
                var m = a[from]
                for i in (from + 1)..<max(from + 1, to) where a[i] < m { m = a[i] }
                return m
            }
            select(a, 0, n, i1)
            let v1 = a[i1]
            if i2 > i1 { select(a, i1 + 1, n, i2) }
            let v2 = a[i2]
            let next1 = i1 + 1 < n ? minimum(i1 + 1, i2 > i1 ? i2 + 1 : n) : v1
            let next2 = i2 + 1 < n ? minimum(i2 + 1, n) : v2
            return (v1 + (next1 - v1) * f1, v2 + (next2 - v2) * f2)
        }
        return p1 <= p2 ? (lo, hi) : (hi, lo)
    }

    /// Rearranges `a[lo..<hi]` so that `a[k]` holds the value a sort would put there, with no
    /// larger value before it and no smaller one after it (Hoare quickselect, median of three).
    static func select(_ a: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int, _ k: Int) {
        var l = lo, r = hi - 1
        while r > l {
            if r - l < 16 {  // insertion sort of a short range
                for i in (l + 1)...r {
                    let v = a[i]
                    var j = i - 1
                    while j >= l && a[j] > v { a[j + 1] = a[j]; j -= 1 }
                    a[j + 1] = v
                }
                return
            }
            let m = l + (r - l) / 2
            if a[m] < a[l] { exchange(a, m, l) }
            if a[r] < a[l] { exchange(a, r, l) }
            if a[r] < a[m] { exchange(a, r, m) }
            let pivot = a[m]
            var i = l, j = r
            while i <= j {
                while a[i] < pivot { i += 1 }
                while pivot < a[j] { j -= 1 }
                if i <= j { exchange(a, i, j); i += 1; j -= 1 }
            }
            if k <= j { r = j } else if k >= i { l = i } else { return }
        }
    }

    @inline(__always) static func exchange(_ a: UnsafeMutablePointer<Float>, _ i: Int, _ j: Int) {
        let t = a[i]; a[i] = a[j]; a[j] = t
    }

    /// Linear-interpolated percentile of sorted values (p in 0…100).
    static func percentile(_ sorted: [Float], _ p: Float) -> Float {
        guard !sorted.isEmpty else { return 0 }
        let pos = Float(sorted.count - 1) * min(100, max(0, p)) / 100
        let i = Int(pos.rounded(.down)), f = pos - Float(i)
        return i + 1 < sorted.count ? sorted[i] + (sorted[i + 1] - sorted[i]) * f : sorted[i]
    }
}
