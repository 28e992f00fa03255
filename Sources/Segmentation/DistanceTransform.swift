/// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, separable lower
/// envelope of parabolas): for each foreground pixel, the distance to the nearest background
/// pixel (0 on background). Pixels outside the image do not count as background; a mask with
/// no background at all gives +∞ everywhere. O(n) for n pixels; columns, then rows, in parallel.
public enum DistanceTransform {
    /// Squared distances (exact integers stored in Float up to 2²⁴).
    public static func squared(_ mask: [UInt8], width w: Int, height h: Int) -> [Float] {
        precondition(mask.count == w * h)
        let inf = Float.infinity
        var d = [Float](repeating: 0, count: w * h)
        d.withUnsafeMutableBufferPointer { db in
            let dp = db.baseAddress!
            mask.withUnsafeBufferPointer { mb in
                let mp = mb.baseAddress!
                // Columns: 1D transform of the 0/∞ indicator — a two-sweep nearest distance is exact in 1D.
                Parallel.bands(w, minPerBand: 64) { cols in
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
            }
            // Rows: lower envelope of parabolas over the column results.
            Parallel.bands(h, minPerBand: 32) { rows in
                var f = [Float](repeating: 0, count: w), v = [Int](repeating: 0, count: w), z = [Float](repeating: 0, count: w + 1)
                for y in rows {
                    let row = dp + y * w
                    for x in 0..<w { f[x] = row[x] }
                    envelope(f, &v, &z, n: w, out: row)
                }
            }
        }
        return d
    }

    /// Distances in pixels.
    public static func euclidean(_ mask: [UInt8], width w: Int, height h: Int) -> [Float] {
        squared(mask, width: w, height: h).map { $0.squareRoot() }
    }

    /// 1D squared-distance transform of sampled function `f` (may hold +∞).
    @inline(__always)
    static func envelope(_ f: [Float], _ v: inout [Int], _ z: inout [Float], n: Int, out: UnsafeMutablePointer<Float>) {
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
