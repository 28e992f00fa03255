/// Pixel adjacency for components and flooding. 8-connectivity joins diagonal neighbours.
public enum Connectivity: Int, Sendable, Hashable, Codable {
    case four = 4, eight = 8
}

/// Connected-component labelling of a binary mask with a two-pass union-find scan
/// (Rosenfeld–Pfaltz with path-halving): pass 1 gives provisional labels and records
/// equivalences with the already-visited neighbours (W, N, and for 8-connectivity NW, NE);
/// pass 2 resolves them. Objects are numbered 1…n in raster order of their first pixel.
public enum ConnectedComponents {
    /// Labels of the nonzero pixels of `mask`.
    public static func label(_ mask: [UInt8], width w: Int, height h: Int, connectivity: Connectivity = .eight) -> LabelImage {
        precondition(mask.count == w * h)
        var labels = [Int32](repeating: 0, count: w * h)
        var parent: [Int32] = [0]
        parent.reserveCapacity(4096)
        @inline(__always) func find(_ x: Int32, _ parent: inout [Int32]) -> Int32 {
            var x = x
            while parent[Int(x)] != x {
                let g = parent[Int(parent[Int(x)])]
                parent[Int(x)] = g; x = g
            }
            return x
        }
        @inline(__always) func union(_ a: Int32, _ b: Int32, _ parent: inout [Int32]) -> Int32 {
            let ra = find(a, &parent), rb = find(b, &parent)
            if ra == rb { return ra }
            if ra < rb { parent[Int(rb)] = ra; return ra }
            parent[Int(ra)] = rb; return rb
        }
        let eight = connectivity == .eight
        mask.withUnsafeBufferPointer { mb in
            labels.withUnsafeMutableBufferPointer { lb in
                let m = mb.baseAddress!, l = lb.baseAddress!
                for y in 0..<h {
                    let row = y * w
                    for x in 0..<w where m[row + x] != 0 {
                        var cur: Int32 = 0
                        if x > 0, l[row + x - 1] != 0 { cur = l[row + x - 1] }
                        if y > 0 {
                            let up = row - w + x
                            if l[up] != 0 { cur = cur == 0 ? l[up] : union(cur, l[up], &parent) }
                            if eight {
                                if x > 0, l[up - 1] != 0 { cur = cur == 0 ? l[up - 1] : union(cur, l[up - 1], &parent) }
                                if x + 1 < w, l[up + 1] != 0 { cur = cur == 0 ? l[up + 1] : union(cur, l[up + 1], &parent) }
                            }
                        }
                        if cur == 0 {
                            cur = Int32(parent.count); parent.append(cur)
                        }
                        l[row + x] = cur
                    }
                }
            }
        }
        // Resolve: final ids in raster order of first appearance.
        var final = [Int32](repeating: 0, count: parent.count)
        var next: Int32 = 0
        labels.withUnsafeMutableBufferPointer { lb in
            for i in 0..<(w * h) where lb[i] != 0 {
                let r = find(lb[i], &parent)
                if final[Int(r)] == 0 { next += 1; final[Int(r)] = next }
                lb[i] = final[Int(r)]
            }
        }
        return LabelImage(width: w, height: h, labels: labels, count: Int(next))
    }
}
