import Foundation
import Support

/// A histogram of raw intensities over `[lower, upper]` in equal bins — 16-bit aware: 4096 bins
/// over the field's actual range resolve a 16-bit image far better than 256 fixed bins would.
public struct Histogram: Sendable, Equatable {
    public var counts: [Int]
    public var lower: Float
    public var upper: Float

    public var binWidth: Float { counts.isEmpty ? 1 : max(upper - lower, Float.leastNormalMagnitude) / Float(counts.count) }

    public init(counts: [Int], lower: Float, upper: Float) {
        self.counts = counts; self.lower = lower; self.upper = upper
    }

    /// Histogram of `values` over their own [min, max], computed in parallel bands.
    public init(_ values: [Float], bins: Int = 4096) {
        precondition(bins > 0)
        var (lo, hi) = Self.range(values)
        if values.isEmpty { lo = 0; hi = 0 }
        var scale = hi > lo ? Float(bins) / (hi - lo) : 0
        if !scale.isFinite { scale = 0 }
        // A background-corrected field is clipped at 0: a large share of its pixels sit at the
        // minimum. Counting them into one bin makes every increment wait for the previous one, so
        // values at the minimum rotate through `spread` spare slots after the bins instead.
        let spread = 16, stride = bins + spread
        let bands = Parallel.bandCount(values.count, minPerBand: 1 << 16)
        var partial = [UInt32](repeating: 0, count: stride * bands)
        values.withUnsafeBufferPointer { v in
            partial.withUnsafeMutableBufferPointer { p in
                let vp = v.baseAddress, pp = p.baseAddress!
                Parallel.indexedBands(values.count, minPerBand: 1 << 16) { b, range in
                    let h = pp + b * stride
                    for i in range {
                        let x = vp![i]
                        // NaN and −∞ count with the minimum, +∞ with the maximum (they never reach Int()).
                        let bin = x <= lo || x.isNaN ? bins + (i & (spread - 1))
                            : x.isFinite ? min(bins - 1, Int((x - lo) * scale)) : bins - 1
                        h[bin] &+= 1
                    }
                }
            }
        }
        var counts = [Int](repeating: 0, count: bins)
        for b in 0..<bands {
            for i in 0..<bins { counts[i] += Int(partial[b * stride + i]) }
            for i in bins..<stride { counts[0] += Int(partial[b * stride + i]) }
        }
        self.init(counts: counts, lower: lo, upper: hi)
    }

    /// Minimum and maximum of `values`, in parallel bands.
    static func range(_ values: [Float]) -> (Float, Float) {
        let bands = Parallel.bandCount(values.count, minPerBand: 1 << 16)
        var los = [Float](repeating: .greatestFiniteMagnitude, count: bands), his = [Float](repeating: -.greatestFiniteMagnitude, count: bands)
        values.withUnsafeBufferPointer { v in
            los.withUnsafeMutableBufferPointer { lb in
                his.withUnsafeMutableBufferPointer { hb in
                    let vp = v.baseAddress, lp = lb.baseAddress!, hp = hb.baseAddress!
                    Parallel.indexedBands(values.count, minPerBand: 1 << 16) { b, range in
                        var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
                        for i in range { let x = vp![i]; if x.isFinite { lo = Swift.min(lo, x); hi = Swift.max(hi, x) } }
                        lp[b] = lo; hp[b] = hi
                    }
                }
            }
        }
        let lo = los.min()!, hi = his.max()!
        return lo <= hi ? (lo, hi) : (0, 0)   // no finite value at all
    }

    /// Bin index holding `value`.
    public func bin(of value: Float) -> Int {
        let s = upper > lower ? Float(counts.count) / (upper - lower) : 0
        let x = (value - lower) * s
        guard x.isFinite else { return x > 0 ? counts.count - 1 : 0 }
        return min(counts.count - 1, max(0, Int(x)))
    }

    /// The lower edge of bin `i`.
    public func edge(_ i: Int) -> Float { lower + Float(i) * binWidth }

    /// The value below which `p` percent of the samples lie (bin resolution).
    public func percentile(_ p: Double) -> Float {
        let total = counts.reduce(0, +)
        guard total > 0 else { return lower }
        let target = Double(total) * min(100, max(0, p)) / 100
        var acc = 0
        for (i, c) in counts.enumerated() {
            acc += c
            if Double(acc) >= target { return edge(i + 1) }
        }
        return upper
    }
}

/// Otsu's global threshold: the split of a histogram maximising the between-class variance
/// ω₀ω₁(μ₀ − μ₁)². Foreground is `value ≥ threshold`, where the threshold is the lower edge of
/// the first bin of the upper class. When several splits tie (e.g. empty bins between two
/// modes), the middle one is taken, so two spikes at 10 and 50 give a threshold near 30.
public enum Otsu {
    /// The threshold for a histogram, or nil when it holds fewer than two distinct values.
    public static func threshold(_ h: Histogram) -> Float? {
        let n = h.counts.count
        let total = h.counts.reduce(0, +)
        guard n > 1, total > 0, h.upper > h.lower else { return nil }
        var sumAll = 0.0
        for i in 0..<n { sumAll += Double(i) * Double(h.counts[i]) }
        var w0 = 0.0, sum0 = 0.0, best = -1.0, first = -1, last = -1
        for k in 0..<(n - 1) {
            w0 += Double(h.counts[k]); sum0 += Double(k) * Double(h.counts[k])
            let w1 = Double(total) - w0
            if w0 == 0 || w1 == 0 { continue }
            let m0 = sum0 / w0, m1 = (sumAll - sum0) / w1
            let v = w0 * w1 * (m0 - m1) * (m0 - m1)
            if v > best * (1 + 1e-12) { best = v; first = k; last = k } else if v >= best * (1 - 1e-12) { last = k }
        }
        guard first >= 0 else { return nil }
        // Ties: thresholds between `first + 1` and `last + 1` (bin edges) are all optimal.
        let lo = h.edge(first + 1), hi = h.edge(last + 1)
        return (lo + hi) / 2
    }

    /// Otsu on log(1 + value) of non-negative values, from a fine linear histogram (each linear
    /// bin re-binned at its centre into `bins` log bins), returned in linear units.
    public static func thresholdLog(_ linear: Histogram, bins: Int = 4096) -> Float? {
        guard linear.upper > linear.lower, bins > 1 else { return nil }
        let lo = log1p(max(0, linear.lower)), hi = log1p(max(0, linear.upper))
        guard hi > lo else { return nil }
        var counts = [Int](repeating: 0, count: bins)
        let s = Float(bins) / (hi - lo)
        for (i, c) in linear.counts.enumerated() where c > 0 {
            let centre = linear.edge(i) + linear.binWidth / 2
            counts[min(bins - 1, max(0, Int((log1p(max(0, centre)) - lo) * s)))] += c
        }
        return threshold(Histogram(counts: counts, lower: lo, upper: hi)).map { expm1($0) }
    }

    /// Otsu threshold of raw values via a `bins`-bin histogram over their range.
    public static func threshold(_ values: [Float], bins: Int = 4096) -> Float? {
        threshold(Histogram(values, bins: bins))
    }
}

/// A local (adaptive) threshold: a pixel is foreground when `value > mean(window) − offset`
/// (scikit-image's `threshold_local` with `method="mean"`); use a negative `offset` to demand
/// that nuclei be brighter than their surroundings by |offset|. The window mean comes from an
/// integral image (summed-area table, Double), so the cost is independent of the window size.
public enum AdaptiveThreshold {
    /// Foreground mask (1/0) for a plane.
    public static func mask(_ plane: [Float], width w: Int, height h: Int, window: Int, offset: Float) throws -> [UInt8] {
        guard window >= 1 else { throw SegmentationError.invalidParameter("adaptive window must be ≥ 1, got \(window)") }
        let table = IntegralImage(plane, width: w, height: h)
        let r = window / 2
        var out = [UInt8](repeating: 0, count: w * h)
        out.withUnsafeMutableBufferPointer { o in
            let op = o.baseAddress!
            Parallel.bands(h, minPerBand: 32) { rows in
                for y in rows {
                    let y0 = max(0, y - r), y1 = min(h, y + r + 1)
                    for x in 0..<w {
                        let x0 = max(0, x - r), x1 = min(w, x + r + 1)
                        let mean = table.sum(x0, y0, x1, y1) / Double((x1 - x0) * (y1 - y0))
                        op[y * w + x] = Double(plane[y * w + x]) > mean - Double(offset) ? 1 : 0
                    }
                }
            }
        }
        return out
    }
}

/// A summed-area table: `sum(x0, y0, x1, y1)` is the sum over the half-open rectangle in O(1).
public struct IntegralImage: Sendable {
    public let width: Int, height: Int
    /// `(width + 1) × (height + 1)`, first row and column zero.
    public var table: [Double]

    public init(_ plane: [Float], width w: Int, height h: Int) {
        width = w; height = h
        var t = [Double](repeating: 0, count: (w + 1) * (h + 1))
        t.withUnsafeMutableBufferPointer { tb in
            let tp = tb.baseAddress!
            // Row prefix sums in parallel, then column prefix sums in parallel over columns.
            Parallel.bands(h, minPerBand: 64) { rows in
                for y in rows {
                    var acc = 0.0
                    let o = tp + (y + 1) * (w + 1)
                    for x in 0..<w { acc += Double(plane[y * w + x]); o[x + 1] = acc }
                }
            }
            Parallel.bands(w + 1, minPerBand: 64) { cols in
                for y in 1...max(1, h) where y <= h {
                    let o = tp + y * (w + 1), p = tp + (y - 1) * (w + 1)
                    for x in cols { o[x] += p[x] }
                }
            }
        }
        table = t
    }

    /// Sum over columns x0..<x1 and rows y0..<y1.
    @inline(__always)
    public func sum(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> Double {
        let s = width + 1
        return table[y1 * s + x1] - table[y0 * s + x1] - table[y1 * s + x0] + table[y0 * s + x0]
    }
}
