import Support

/// Removes uneven illumination and the camera offset before thresholding, so one global
/// threshold fits the whole field.
///
/// `.blockMinimum(block:)` is a fast approximation of a rolling-ball / morphological-opening
/// background: the minimum of each `block × block` tile (a coarse grey erosion; use a block
/// about twice the nucleus diameter so every tile holds background), smoothed over the 3×3
/// neighbouring tiles and bilinearly interpolated back to full size. One pass over the field
/// plus a fused interpolate-and-subtract pass (the full-size background is never stored); the
/// result is clipped at 0.
public enum BackgroundCorrection: Sendable, Hashable {
    /// No correction.
    case none
    /// Subtract a constant (e.g. the camera offset).
    case constant(Float)
    /// Subtract the interpolated block-minimum background described above.
    case blockMinimum(block: Int)

    /// The corrected plane (`value − background`, clipped at 0).
    public func apply(_ plane: [Float], width w: Int, height h: Int) throws -> [Float] {
        var out = plane
        try apply(to: &out, width: w, height: h)
        return out
    }

    /// Corrects `plane` in place (the segmenter's own smoothed plane: no second full-size array).
    public func apply(to plane: inout [Float], width w: Int, height h: Int) throws {
        switch self {
        case .none: return
        case .constant(let c):
            for i in plane.indices { plane[i] = max(0, plane[i] - c) }
        case .blockMinimum(let b):
            guard b >= 2 else { throw SegmentationError.invalidParameter("background block must be ≥ 2 pixels, got \(b)") }
            // Every background row is computed from the tile minima before any row is corrected.
            let tiles = Self.tileBackground(plane, width: w, height: h, block: b)
            plane.withUnsafeMutableBufferPointer { p in
                let pp = p.baseAddress!
                Self.backgroundRows(tiles, width: w, height: h, block: b) { y, bg in
                    let row = pp + y * w
                    for x in 0..<w { row[x] = max(0, row[x] - bg[x]) }
                }
            }
        }
    }

    /// The background estimate itself (full size), for inspection.
    public static func blockMinimumBackground(_ plane: [Float], width w: Int, height h: Int, block b: Int) -> [Float] {
        var out = [Float](repeating: 0, count: w * h)
        let tiles = tileBackground(plane, width: w, height: h, block: b)
        out.withUnsafeMutableBufferPointer { o in
            let op = o.baseAddress!
            backgroundRows(tiles, width: w, height: h, block: b) { y, bg in (op + y * w).update(from: bg, count: w) }
        }
        return out
    }

    /// The background level at each tile centre: the tile minima, smoothed over 3×3 tiles.
    static func tileBackground(_ plane: [Float], width w: Int, height h: Int, block b: Int) -> [Float] {
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
                                for x in (gx * b) ..< min(w, (gx + 1) * b) { m = Swift.min(m, row[x]) }
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
        return smooth
    }

    /// Interpolates the tile levels one row at a time (row bands in parallel) and hands each row
    /// to `body(y, row)`, so correction never materialises the full-size background.
    static func backgroundRows(_ smooth: [Float], width w: Int, height h: Int, block b: Int,
                               _ body: (Int, UnsafePointer<Float>) -> Void) {
        let gw = (w + b - 1) / b, gh = (h + b - 1) / b
        // Bilinear interpolation between tile centres: the column weights once, then per row a
        // vertical blend of two tile rows and a horizontal blend with the precomputed weights.
        func coordinate(_ i: Int, _ cells: Int) -> (Int, Int, Float) {
            let f = min(Float(cells - 1), max(0, (Float(i) + 0.5) / Float(b) - 0.5))
            let i0 = Int(f)
            return (i0, min(cells - 1, i0 + 1), f - Float(i0))
        }
        let columns = UnsafeMutablePointer<(Int, Int, Float)>.allocate(capacity: w)
        defer { columns.deallocate() }
        for x in 0..<w { columns[x] = coordinate(x, gw) }
        smooth.withUnsafeBufferPointer { sb in
            let sp = sb.baseAddress!
            Parallel.bands(h, minPerBand: 64) { rows in
                let tiles = UnsafeMutablePointer<Float>.allocate(capacity: gw), row = UnsafeMutablePointer<Float>.allocate(capacity: w)
                defer { tiles.deallocate(); row.deallocate() }
                for y in rows {
                    let (y0, y1, ty) = coordinate(y, gh)
                    for gx in 0..<gw { tiles[gx] = sp[y0 * gw + gx] * (1 - ty) + sp[y1 * gw + gx] * ty }
                    for x in 0..<w {
                        let (a, c, tx) = columns[x]
                        row[x] = tiles[a] * (1 - tx) + tiles[c] * tx
                    }
                    body(y, row)
                }
            }
        }
    }
}
