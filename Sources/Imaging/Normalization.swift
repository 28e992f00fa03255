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

    /// The 1st–99.8th percentile default.
    public static let robustUnit = Normalization.percentile(low: 1, high: 99.8, symmetric: false)
    public static let robustSymmetric = Normalization.percentile(low: 1, high: 99.8, symmetric: true)

    /// The output range.
    public var range: ClosedRange<Float> {
        switch self {
        case .unit: 0...1
        case .symmetric: -1...1
        case .percentile(_, _, let s): s ? -1...1 : 0...1
        }
    }

    /// A stable text form (cache keys, CLI).
    public var description: String {
        switch self {
        case .unit: "unit"
        case .symmetric: "symmetric"
        case let .percentile(l, h, s): "percentile(\(l),\(h),\(s ? "symmetric" : "unit"))"
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
                let sorted = pixels[plane].sorted()
                lo = Image.percentile(sorted, pl); hi = Image.percentile(sorted, ph)
            }
            let scale = hi > lo ? (range.upperBound - range.lowerBound) / (hi - lo) : 0
            for i in plane {
                let v = range.lowerBound + (pixels[i] - lo) * scale
                out[i] = min(range.upperBound, max(range.lowerBound, v))
            }
        }
        return Image(width: width, height: height, channels: channels, format: .float32, pixels: out)
    }

    /// Linear-interpolated percentile of sorted values (p in 0…100).
    static func percentile(_ sorted: [Float], _ p: Float) -> Float {
        guard !sorted.isEmpty else { return 0 }
        let pos = Float(sorted.count - 1) * min(100, max(0, p)) / 100
        let i = Int(pos.rounded(.down)), f = pos - Float(i)
        return i + 1 < sorted.count ? sorted[i] + (sorted[i + 1] - sorted[i]) * f : sorted[i]
    }
}
