/// Marker selection for the watershed: regional maxima of a surface (the distance transform of
/// the nuclei mask) that are *significant* — an h-maxima criterion computed by dynamics. Pixels
/// of the mask are visited from high to low; each regional maximum starts a basin; when two
/// basins meet at level v, the lower one (peak p) survives as a marker only if p − v ≥ `h` and
/// its peak is at least `minDistance` pixels from the other's, otherwise it is absorbed. This
/// equals h-maxima by morphological reconstruction plus peak_local_max-style suppression, in a
/// single sort + union-find pass.
public enum Markers {
    /// Marker image (ids 1…k at the peak pixels, 0 elsewhere) and the number of markers.
    public static func significantMaxima(_ surface: [Float], mask: [UInt8], width w: Int, height h: Int,
                                         minHeight: Float, minDistance: Float = 0,
                                         connectivity: Connectivity = .eight) -> (markers: [Int32], count: Int) {
        let n = w * h
        // Visit order: value descending, then index ascending — sorted as packed integer keys.
        var keys: [UInt64] = []
        keys.reserveCapacity(n)
        for i in 0..<n where mask[i] != 0 { keys.append(UInt64(~orderedBits(surface[i])) << 32 | UInt64(i)) }
        keys.sort()
        let order = keys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
        var parentA = [Int32](repeating: -1, count: n)        // -1: not yet visited
        var peakA = [Int32](repeating: -1, count: n)          // per root: its peak pixel
        var keptA = [Bool](repeating: false, count: n)        // per peak pixel: survived as a marker
        let md2 = minDistance * minDistance
        let offsets = neighbourOffsets(connectivity)
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
                let p = Int(p32), px = p % w, py = p / w
                parent[p] = p32; peak[p] = p32
                let level = sf[p]
                for (dx, dy) in offsets {
                    let qx = px + dx, qy = py + dy
                    guard qx >= 0, qx < w, qy >= 0, qy < h else { continue }
                    let q = qy * w + qx
                    guard parent[q] >= 0 else { continue }
                    let rq = find(Int32(q)), rp = find(p32)
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
                }
            }
            // The highest peak of every connected region is always a marker.
            for p32 in order where find(p32) == p32 { kept[Int(peak[Int(p32)])] = true }
        }
        }
        }
        }
        let kept = keptA
        var markers = [Int32](repeating: 0, count: n)
        var count: Int32 = 0
        for i in 0..<n where kept[i] { count += 1; markers[i] = count }
        return (markers, Int(count))
    }

    /// Float bits mapped to an unsigned integer with the same order.
    @inline(__always) static func orderedBits(_ v: Float) -> UInt32 {
        let b = v.bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    static func neighbourOffsets(_ c: Connectivity) -> [(Int, Int)] {
        c == .four ? [(-1, 0), (1, 0), (0, -1), (0, 1)]
                   : [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1)]
    }
}

/// Marker-controlled watershed by priority-queue flooding (Meyer): labels grow from the
/// markers through the mask, lowest `surface` first (FIFO among equal levels), each pixel
/// taking the label of the neighbour that reached it first. For splitting nuclei, the surface
/// is the negated distance transform, so basins meet along the necks between touching nuclei.
/// Pixels outside the mask stay 0; mask pixels no marker can reach stay 0.
public enum Watershed {
    /// Flood `markers` (ids > 0) over `mask`; `levels` is how finely the surface range is quantised.
    public static func flood(surface: [Float], markers: [Int32], mask: [UInt8], width w: Int, height h: Int,
                             connectivity: Connectivity = .eight, levels: Int = 1 << 16) -> [Int32] {
        let n = w * h
        precondition(surface.count == n && markers.count == n && mask.count == n)
        var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
        for i in 0..<n where mask[i] != 0 || markers[i] != 0 { lo = min(lo, surface[i]); hi = max(hi, surface[i]) }
        let scale = hi > lo ? Float(levels - 1) / (hi - lo) : 0
        var labels = markers
        var queue = FloodQueue(capacity: n / 4 + 16)
        let offsets = Markers.neighbourOffsets(connectivity)
        @inline(__always) func level(_ i: Int) -> UInt32 { UInt32(max(0, (surface[i] - lo) * scale)) }
        for i in 0..<n where markers[i] != 0 { queue.push(level: level(i), Int32(i)) }
        while !queue.isEmpty {
            let (_, p32) = queue.pop()
            let p = Int(p32), px = p % w, py = p / w, l = labels[p]
            for (dx, dy) in offsets {
                let qx = px + dx, qy = py + dy
                guard qx >= 0, qx < w, qy >= 0, qy < h else { continue }
                let q = qy * w + qx
                if labels[q] == 0 && mask[q] != 0 {
                    labels[q] = l
                    queue.push(level: level(q), Int32(q))
                }
            }
        }
        return labels
    }
}
