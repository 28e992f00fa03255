/// Removes uneven illumination and the camera offset before thresholding, so one global
/// threshold fits the whole field.
///
/// `.blockMinimum(block:)` is a fast approximation of a rolling-ball / morphological-opening
/// background: the minimum of each `block × block` tile (a coarse grey erosion; use a block
/// about twice the nucleus diameter so every tile holds background), smoothed over the 3×3
/// neighbouring tiles and bilinearly interpolated back to full size. One pass over the field
/// plus an interpolation pass (≈ 2 ms for 2048×2048 on 2 cores); the result is clipped at 0.
public enum BackgroundCorrection: Sendable, Hashable {
    /// No correction.
    case none
    /// Subtract a constant (e.g. the camera offset).
    case constant(Float)
    /// Subtract the interpolated block-minimum background described above.
    case blockMinimum(block: Int)

    /// The corrected plane (`value − background`, clipped at 0).
    public func apply(_ plane: [Float], width w: Int, height h: Int) throws -> [Float] {
        switch self {
        case .none: return plane
        case .constant(let c): return plane.map { max(0, $0 - c) }
        case .blockMinimum(let b):
            guard b >= 2 else { throw SegmentationError.invalidParameter("background block must be ≥ 2 pixels, got \(b)") }
            let bg = Self.blockMinimumBackground(plane, width: w, height: h, block: b)
            var out = [Float](repeating: 0, count: w * h)
            out.withUnsafeMutableBufferPointer { o in
                plane.withUnsafeBufferPointer { p in
                    bg.withUnsafeBufferPointer { g in
                        let op = o.baseAddress!, pp = p.baseAddress!, gp = g.baseAddress!
                        Parallel.bands(h, minPerBand: 64) { rows in
                            for i in (rows.lowerBound * w) ..< (rows.upperBound * w) { op[i] = max(0, pp[i] - gp[i]) }
                        }
                    }
                }
            }
            return out
        }
    }

    /// The background estimate itself (full size), for inspection.
    public static func blockMinimumBackground(_ plane: [Float], width w: Int, height h: Int, block b: Int) -> [Float] {
        let gw = (w + b - 1) / b, gh = (h + b - 1) / b
        var grid = [Float](repeating: .greatestFiniteMagnitude, count: gw * gh)
        plane.withUnsafeBufferPointer { p in
            grid.withUnsafeMutableBufferPointer { g in
                let pp = p.baseAddress!, gp = g.baseAddress!
                Parallel.bands(gh, minPerBand: 1) { gRows in
                    for gy in gRows {
                        for y in (gy * b) ..< min(h, (gy + 1) * b) {
                            let row = pp + y * w
                            for gx in 0..<gw {
                                var m = gp[gy * gw + gx]
                                for x in (gx * b) ..< min(w, (gx + 1) * b) { m = min(m, row[x]) }
                                gp[gy * gw + gx] = m
                            }
                        }
                    }
                }
            }
        }
        // 3×3 mean of tiles (tiles fully covered by a nucleus are pulled toward their neighbours).
        var smooth = grid
        for gy in 0..<gh {
            for gx in 0..<gw {
                var s: Float = 0, n: Float = 0
                for dy in -1...1 { for dx in -1...1 {
                    let yy = gy + dy, xx = gx + dx
                    if yy >= 0 && yy < gh && xx >= 0 && xx < gw { s += grid[yy * gw + xx]; n += 1 }
                } }
                smooth[gy * gw + gx] = s / n
            }
        }
        // Bilinear interpolation between tile centres.
        var out = [Float](repeating: 0, count: w * h)
        out.withUnsafeMutableBufferPointer { o in
            let op = o.baseAddress!
            Parallel.bands(h, minPerBand: 64) { rows in
                for y in rows {
                    let fy = min(Float(gh - 1), max(0, (Float(y) + 0.5) / Float(b) - 0.5))
                    let y0 = Int(fy), y1 = min(gh - 1, y0 + 1), ty = fy - Float(y0)
                    let row = op + y * w
                    for x in 0..<w {
                        let fx = min(Float(gw - 1), max(0, (Float(x) + 0.5) / Float(b) - 0.5))
                        let x0 = Int(fx), x1 = min(gw - 1, x0 + 1), tx = fx - Float(x0)
                        let top = smooth[y0 * gw + x0] * (1 - tx) + smooth[y0 * gw + x1] * tx
                        let bot = smooth[y1 * gw + x0] * (1 - tx) + smooth[y1 * gw + x1] * tx
                        row[x] = top * (1 - ty) + bot * ty
                    }
                }
            }
        }
        return out
    }
}
