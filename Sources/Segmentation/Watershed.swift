/// Marker selection for the watershed: regional maxima of a surface (the distance transform of
/// the nuclei mask) that are *significant* — an h-maxima criterion computed by dynamics. Pixels
/// of the mask are visited from high to low; each regional maximum starts a basin; when two
/// basins meet at level v, the lower one (peak p) survives as a marker only if p − v ≥ `h` and
/// its peak is at least `minDistance` pixels from the other's, otherwise it is absorbed. This
/// equals h-maxima by morphological reconstruction plus peak_local_max-style suppression, in a
/// single ordering + union-find pass.
///
/// Works on a *padded* patch: the mask must be zero on the outer ring of pixels (one object's
/// bounding box grown by one pixel, as the segmenter cuts it), so neighbours need no bounds checks.
public enum Markers {
    /// Marker image (ids 1…k at the peak pixels, 0 elsewhere) and the number of markers.
    /// `order` lists the mask pixels by descending `surface`, then ascending index (computed by a
    /// sort when nil; the segmenter passes a counting sort of the integer squared distances).
    public static func significantMaxima(_ surface: [Float], mask: [UInt8], width w: Int, height h: Int,
                                         minHeight: Float, minDistance: Float = 0,
                                         connectivity: Connectivity = .eight, order: [Int32]? = nil) -> (markers: [Int32], count: Int) {
        let n = w * h
        precondition(surface.count == n && mask.count == n)
        precondition(ringIsEmpty(mask, width: w, height: h), "Markers.significantMaxima needs a mask that is zero on the outer ring")
        let order = order ?? sortedOrder(surface, mask: mask)
        var parentA = [Int32](repeating: -1, count: n)        // -1: not yet visited
        var peakA = [Int32](repeating: -1, count: n)          // per root: its peak pixel
        var keptA = [Bool](repeating: false, count: n)        // per peak pixel: survived as a marker
        let md2 = minDistance * minDistance
        let offsets = neighbourOffsets(connectivity, width: w)
        parentA.withUnsafeMutableBufferPointer { pb in
        peakA.withUnsafeMutableBufferPointer { kb in
        keptA.withUnsafeMutableBufferPointer { keb in
        surface.withUnsafeBufferPointer { sb in
            let parent = pb.baseAddress!, peak = kb.baseAddress!, kept = keb.baseAddress!, sf = sb.baseAddress!
            @inline(__always) func find(_ x: Int32) -> Int32 {
                var x = x
                while parent[Int(x)] != x { let g = parent[Int(parent[Int(x)])]; parent[Int(x)] = g; x = g }
                return x
            }
            for p32 in order {
                let p = Int(p32)
                parent[p] = p32; peak[p] = p32
                let level = sf[p]
                var rp = p32  // p's root, kept current through the unions below
                for o in offsets {
                    let q = p + o
                    guard parent[q] >= 0 else { continue }
                    let rq = find(Int32(q))
                    if rq == rp { continue }
                    // The basin with the higher peak absorbs the other; is the lower peak significant?
                    let a = peak[Int(rp)], b = peak[Int(rq)]
                    let (hi, lo) = sf[Int(a)] > sf[Int(b)] || (sf[Int(a)] == sf[Int(b)] && a < b) ? (a, b) : (b, a)
                    if sf[Int(lo)] - level >= minHeight && lo != p32 {
                        let dxp = Float(Int(lo) % w - Int(hi) % w), dyp = Float(Int(lo) / w - Int(hi) / w)
                        if dxp * dxp + dyp * dyp >= md2 { kept[Int(lo)] = true }
                    }
                    let (root, child) = peak[Int(rp)] == hi ? (rp, rq) : (rq, rp)
                    parent[Int(child)] = root
                    rp = root
                }
            }
            // The highest peak of every connected region is always a marker.
            for p32 in order where find(p32) == p32 { kept[Int(peak[Int(p32)])] = true }
        }
        }
        }
        }
        var markers = [Int32](repeating: 0, count: n)
        var count: Int32 = 0
        for i in 0..<n where keptA[i] { count += 1; markers[i] = count }
        return (markers, Int(count))
    }

    /// Whether visiting `order` (a padded patch of width `w`) ever starts a second basin — a pixel
    /// none of whose neighbours was visited before it. When it never does, `significantMaxima`
    /// would merge nothing and return exactly one marker (the first pixel), so a caller can skip it:
    /// most components are single nuclei, and this check costs neighbour loads only, no union-find.
    static func hasSingleBasin(_ order: [Int32], count n: Int, width w: Int, connectivity: Connectivity) -> Bool {
        guard order.count > 1 else { return true }
        let offsets = neighbourOffsets(connectivity, width: w)
        var visitedA = [UInt8](repeating: 0, count: n)
        return visitedA.withUnsafeMutableBufferPointer { vb in
            let visited = vb.baseAddress!
            visited[Int(order[0])] = 1
            for p32 in order.dropFirst() {
                let p = Int(p32)
                var touches = false
                for o in offsets where visited[p + o] != 0 { touches = true; break }
                if !touches { return false }
                visited[p] = 1
            }
            return true
        }
    }

    /// Mask pixels by descending surface value, then ascending index (packed integer keys, one sort).
    static func sortedOrder(_ surface: [Float], mask: [UInt8]) -> [Int32] {
        var keys: [UInt64] = []
        for i in surface.indices where mask[i] != 0 { keys.append(UInt64(~orderedBits(surface[i])) << 32 | UInt64(i)) }
        keys.sort()
        return keys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
    }

    /// Mask pixels by descending integer `value` (≥ 1 on the mask), then ascending index: a counting sort, O(n + max).
    static func countingOrder(_ value: UnsafePointer<Int32>, mask: UnsafePointer<UInt8>, count n: Int) -> [Int32] {
        var top: Int32 = 0
        var total = 0
        for i in 0..<n where mask[i] != 0 { top = max(top, value[i]); total += 1 }
        var start = [Int](repeating: 0, count: Int(top) + 2)  // bucket of value v at slot top − v
        for i in 0..<n where mask[i] != 0 { start[Int(top - value[i]) + 1] += 1 }
        for b in 0..<(Int(top) + 1) { start[b + 1] += start[b] }
        var order = [Int32](repeating: 0, count: total)
        for i in 0..<n where mask[i] != 0 {
            let b = Int(top - value[i])
            order[start[b]] = Int32(i); start[b] += 1
        }
        return order
    }

    /// Float bits mapped to an unsigned integer with the same order.
    @inline(__always) static func orderedBits(_ v: Float) -> UInt32 {
        let b = v.bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    /// Index offsets of the 4 or 8 neighbours in a row-major plane of width `w`.
    static func neighbourOffsets(_ c: Connectivity, width w: Int) -> [Int] {
        c == .four ? [-1, 1, -w, w] : [-1, 1, -w, w, -w - 1, -w + 1, w - 1, w + 1]
    }

    /// Whether `mask` is zero on its outer ring (what the unchecked neighbour offsets rely on).
    static func ringIsEmpty(_ mask: [UInt8], width w: Int, height h: Int) -> Bool {
        for x in 0..<w where mask[x] != 0 || mask[(h - 1) * w + x] != 0 { return false }
        for y in 0..<h where mask[y * w] != 0 || mask[y * w + w - 1] != 0 { return false }
        return true
    }
}

/// Marker-controlled watershed by hierarchical-queue flooding (Meyer): labels grow from the
/// markers through the mask, lowest `level` first (FIFO within a level; a pixel reached below
/// the level being flooded joins that level), each pixel taking the label of the neighbour that
/// reached it first. For splitting nuclei the level is `max d² − d²` of the squared distance
/// transform, so basins meet along the necks between touching nuclei. Integer levels make the
/// queue an array of FIFO lists (O(n + levels)) instead of a heap. Pixels outside the mask stay
/// 0, as do mask pixels no marker can reach. Like `Markers`, it needs a mask that is zero on the
/// outer ring.
public enum Watershed {
    /// Flood `markers` (ids > 0) over `mask` in order of `levels` (≥ 0).
    public static func flood(levels: [Int32], markers: [Int32], mask: [UInt8], width w: Int, height h: Int,
                             connectivity: Connectivity = .eight) -> [Int32] {
        let n = w * h
        precondition(levels.count == n && markers.count == n && mask.count == n)
        precondition(Markers.ringIsEmpty(mask, width: w, height: h), "Watershed.flood needs a mask that is zero on the outer ring")
        var top: Int32 = 0
        for i in 0..<n where mask[i] != 0 || markers[i] != 0 { precondition(levels[i] >= 0, "levels must be ≥ 0"); top = max(top, levels[i]) }
        var labels = markers
        let offsets = Markers.neighbourOffsets(connectivity, width: w)
        // One FIFO list per level, linked through `next` (each pixel is queued at most once).
        var head = [Int32](repeating: -1, count: Int(top) + 1), tail = head
        var next = [Int32](repeating: -1, count: n)
        head.withUnsafeMutableBufferPointer { hb in
        tail.withUnsafeMutableBufferPointer { tb in
        next.withUnsafeMutableBufferPointer { nb in
        labels.withUnsafeMutableBufferPointer { lb in
        levels.withUnsafeBufferPointer { vb in
        mask.withUnsafeBufferPointer { mb in
            let hd = hb.baseAddress!, tl = tb.baseAddress!, nx = nb.baseAddress!, lab = lb.baseAddress!
            let lv = vb.baseAddress!, m = mb.baseAddress!
            var current = 0
            @inline(__always) func push(_ p: Int) {
                let l = max(current, Int(lv[p]))
                if tl[l] < 0 { hd[l] = Int32(p) } else { nx[Int(tl[l])] = Int32(p) }
                tl[l] = Int32(p)
            }
            for i in 0..<n where lab[i] != 0 { push(i) }
            while current <= Int(top) {
                let p32 = hd[current]
                if p32 < 0 { current += 1; continue }
                let p = Int(p32)
                hd[current] = nx[p]
                if hd[current] < 0 { tl[current] = -1 }
                let l = lab[p]
                for o in offsets {
                    let q = p + o
                    if lab[q] == 0 && m[q] != 0 { lab[q] = l; push(q) }
                }
            }
        }
        }
        }
        }
        }
        }
        return labels
    }
}
