import Support

/// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, separable lower
/// envelope of parabolas): for each foreground pixel, the distance to the nearest background
/// pixel (0 on background). Pixels outside the image do not count as background; a mask with
/// no background at all gives +∞ everywhere. O(n) for n pixels; columns, then rows — in parallel
/// for a whole plane, serially for one object's patch (the segmenter runs patches in parallel).
public enum DistanceTransform {
    /// Squared distances (exact integers stored in Float up to 2²⁴).
    public static func squared(_ mask: [UInt8], width w: Int, height h: Int) -> [Float] {
        precondition(mask.count == w * h)
        var d = [Float](repeating: 0, count: w * h)
        d.withUnsafeMutableBufferPointer { db in
            mask.withUnsafeBufferPointer { mb in
                squared(mb.baseAddress!, width: w, height: h, into: db.baseAddress!, parallel: true)
            }
        }
        return d
    }

    /// Distances in pixels.
    public static func euclidean(_ mask: [UInt8], width w: Int, height h: Int) -> [Float] {
        squared(mask, width: w, height: h).map { $0.squareRoot() }
    }

    /// Squared distances of `mask` (`w × h`) written to `dp`; `parallel` splits columns and rows over the cores.
    static func squared(_ mp: UnsafePointer<UInt8>, width w: Int, height h: Int, into dp: UnsafeMutablePointer<Float>, parallel: Bool) {
        guard w > 0, h > 0 else { return }
        let inf = Float.infinity
        // Columns: 1D transform of the 0/∞ indicator — a two-sweep nearest distance is exact in 1D.
        func columns(_ cols: Range<Int>) {
            for x in cols {
                var last = -1
                for y in 0..<h {
                    if mp[y * w + x] == 0 { last = y; dp[y * w + x] = 0 } else { dp[y * w + x] = last < 0 ? inf : Float(y - last) }
                }
                last = -1
                for y in stride(from: h - 1, through: 0, by: -1) {
                    if mp[y * w + x] == 0 { last = y } else if last >= 0 { dp[y * w + x] = min(dp[y * w + x], Float(last - y)) }
                    let v = dp[y * w + x]; dp[y * w + x] = v * v
                }
            }
        }
        // Rows: lower envelope of parabolas over the column results.
        func rows(_ rows: Range<Int>) {
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * w + 1)
            let v = UnsafeMutablePointer<Int>.allocate(capacity: w)
            defer { scratch.deallocate(); v.deallocate() }
            let f = scratch, z = scratch + w
            for y in rows {
                let row = dp + y * w
                f.update(from: row, count: w)
                envelope(f, v, z, n: w, out: row)
            }
        }
        if parallel {
            Parallel.bands(w, minPerBand: 64) { columns($0) }
            Parallel.bands(h, minPerBand: 32) { rows($0) }
        } else {
            columns(0..<w)
            rows(0..<h)
        }
    }

    /// 1D squared-distance transform of sampled function `f` (may hold +∞); `v` holds `n`, `z` `n + 1` scratch values.
    @inline(__always)
    static func envelope(_ f: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Int>, _ z: UnsafeMutablePointer<Float>, n: Int,
                         out: UnsafeMutablePointer<Float>) {
        var k = -1
        for q in 0..<n where f[q].isFinite {
            if k < 0 { k = 0; v[0] = q; z[0] = -.infinity; z[1] = .infinity; continue }
            var s: Float
            repeat {
                let p = v[k]
                s = ((f[q] + Float(q * q)) - (f[p] + Float(p * p))) / Float(2 * (q - p))
                if s <= z[k] { k -= 1 } else { break }
            } while k >= 0
            k += 1; v[k] = q; z[k] = k == 0 ? -.infinity : s; z[k + 1] = .infinity
        }
        if k < 0 { for q in 0..<n { out[q] = .infinity }; return }
        var j = 0
        for q in 0..<n {
            while z[j + 1] < Float(q) { j += 1 }
            let dq = q - v[j]
            out[q] = Float(dq * dq) + f[v[j]]
        }
    }
}
