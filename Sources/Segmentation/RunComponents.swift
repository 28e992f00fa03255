import Support

/// One horizontal run of foreground pixels: row `y`, columns `x0..<x1`.
public struct PixelRun: Sendable, Hashable {
    public var y: Int32, x0: Int32, x1: Int32
    public init(y: Int32, x0: Int32, x1: Int32) { self.y = y; self.x0 = x0; self.x1 = x1 }
}

/// A connected component as its runs (raster order), with its bounding box and area.
public struct RunComponent: Sendable {
    public var runs: ArraySlice<PixelRun>
    public var box: BoundingBox
    public var area: Int
}

/// Connected components of a foreground given as runs (run-length labelling): rows are scanned
/// for runs in parallel bands, runs of consecutive rows that touch (overlap, or meet diagonally
/// under 8-connectivity) are joined by union-find, and the components come out in raster order of
/// their first pixel — the same objects and order as `ConnectedComponents.label`, without a
/// per-pixel label image. A 2048×2048 field holds ~10⁴ runs against 4·10⁶ pixels, so everything
/// after the row scan costs next to nothing, and the scan itself reads the plane once.
public enum RunComponents {
    /// Components of the pixels where `plane[i] >= threshold`.
    public static func components(plane: [Float], width w: Int, height h: Int, threshold t: Float,
                                  connectivity: Connectivity = .eight) -> [RunComponent] {
        precondition(plane.count == w * h)
        let found = plane.withUnsafeBufferPointer { pb in
            let p = pb.baseAddress!
            return scan(width: w, height: h) { y, out in runs(ofRow: p + y * w, y: y, width: w, threshold: t, into: &out) }
        }
        return group(found, connectivity: connectivity)
    }

    /// Components of the nonzero pixels of `mask`.
    public static func components(mask: [UInt8], width w: Int, height h: Int, connectivity: Connectivity = .eight) -> [RunComponent] {
        precondition(mask.count == w * h)
        let found = mask.withUnsafeBufferPointer { mb in
            let m = mb.baseAddress!
            return scan(width: w, height: h) { y, out in
                let row = m + y * w
                var x = 0
                while x < w {
                    if row[x] == 0 { x += 1; continue }
                    let start = x
                    while x < w && row[x] != 0 { x += 1 }
                    out.append(PixelRun(y: Int32(y), x0: Int32(start), x1: Int32(x)))
                }
            }
        }
        return group(found, connectivity: connectivity)
    }

    /// The runs of pixels `>= t` in one row (NaN counts as background), skipping background
    /// eight pixels at a time — most of a field is background.
    @inline(__always)
    static func runs(ofRow p: UnsafePointer<Float>, y: Int, width w: Int, threshold t: Float, into out: inout [PixelRun]) {
        var x = 0
        while x < w {
            while x + 8 <= w && !any(UnsafeRawPointer(p + x).loadUnaligned(as: SIMD8<Float>.self) .>= t) { x += 8 }
            while x < w && !(p[x] >= t) { x += 1 }
            if x >= w { return }
            let start = x
            while x + 8 <= w && all(UnsafeRawPointer(p + x).loadUnaligned(as: SIMD8<Float>.self) .>= t) { x += 8 }
            while x < w && p[x] >= t { x += 1 }
            out.append(PixelRun(y: Int32(y), x0: Int32(start), x1: Int32(x)))
        }
    }

    /// The runs of every row, in raster order (`rowRuns(y, &runs)` appends row y's); row bands in parallel.
    static func scan(width w: Int, height h: Int, _ rowRuns: (Int, inout [PixelRun]) -> Void) -> [PixelRun] {
        guard w > 0, h > 0 else { return [] }
        let bands = Parallel.bandCount(h, minPerBand: 64)
        var perBand = [[PixelRun]](repeating: [], count: bands)
        perBand.withUnsafeMutableBufferPointer { bb in
            let out = bb.baseAddress!
            Parallel.indexedBands(h, minPerBand: 64) { b, rows in
                var local: [PixelRun] = []
                local.reserveCapacity(4096)
                for y in rows { rowRuns(y, &local) }
                out[b] = local
            }
        }
        return perBand.count == 1 ? perBand[0] : Array(perBand.joined())
    }

    /// Joins touching runs of consecutive rows and groups the runs per component.
    static func group(_ runs: [PixelRun], connectivity: Connectivity) -> [RunComponent] {
        let n = runs.count
        guard n > 0 else { return [] }
        let k: Int32 = connectivity == .eight ? 1 : 0
        var parent = [Int32](0..<Int32(n))
        var roots: [Int32] = []
        runs.withUnsafeBufferPointer { rb in
            parent.withUnsafeMutableBufferPointer { pb in
                let r = rb.baseAddress!, p = pb.baseAddress!
                @inline(__always) func find(_ x: Int32) -> Int32 {
                    var x = x
                    while p[Int(x)] != x { let g = p[Int(p[Int(x)])]; p[Int(x)] = g; x = g }
                    return x
                }
                // Rows are contiguous in `runs`; sweep each row against the one above.
                var prevStart = 0, prevEnd = 0, start = 0
                while start < n {
                    let y = r[start].y
                    var end = start
                    while end < n && r[end].y == y { end += 1 }
                    if prevEnd > prevStart && r[prevStart].y == y - 1 {
                        var i = prevStart, j = start
                        while i < prevEnd && j < end {
                            let a = r[i], b = r[j]
                            if a.x0 < b.x1 + k && b.x0 < a.x1 + k {
                                let ra = find(Int32(i)), rb = find(Int32(j))
                                // The smaller index (earlier in raster order) stays the root.
                                if ra < rb { p[Int(rb)] = ra } else if rb < ra { p[Int(ra)] = rb }
                            }
                            if a.x1 < b.x1 { i += 1 } else { j += 1 }
                        }
                    }
                    prevStart = start; prevEnd = end; start = end
                }
                for i in 0..<n { p[i] = find(Int32(i)) }
                for i in 0..<n where p[i] == Int32(i) { roots.append(Int32(i)) }
            }
        }
        // Components numbered by their root — the first run in raster order, so by first pixel.
        var index = [Int32](repeating: -1, count: n)
        for (c, r) in roots.enumerated() { index[Int(r)] = Int32(c) }
        var counts = [Int](repeating: 0, count: roots.count + 1)
        for i in 0..<n { counts[Int(index[Int(parent[i])]) + 1] += 1 }
        for c in 0..<roots.count { counts[c + 1] += counts[c] }
        var sorted = [PixelRun](repeating: PixelRun(y: 0, x0: 0, x1: 0), count: n)
        var fill = counts
        for i in 0..<n {
            let c = Int(index[Int(parent[i])])
            sorted[fill[c]] = runs[i]; fill[c] += 1
        }
        return (0..<roots.count).map { c in
            let slice = sorted[counts[c]..<counts[c + 1]]
            var minX = Int.max, maxX = -1, area = 0
            for r in slice { minX = min(minX, Int(r.x0)); maxX = max(maxX, Int(r.x1) - 1); area += Int(r.x1 - r.x0) }
            return RunComponent(runs: slice, box: BoundingBox(minX: minX, minY: Int(slice.first!.y), maxX: maxX, maxY: Int(slice.last!.y)),
                                area: area)
        }
    }
}
