/// How convex an object's mask is: its pixel count over the area of the convex hull of its pixel
/// squares (1 for a convex shape, lower the deeper its concavities). Two nuclei pressed together
/// leave a notch on either side of the neck, most single nuclei do not, so the segmenter only
/// looks for bright cores (`BrightCoreMarkers`) in components below a solidity. The hull is built
/// from each row's leftmost and rightmost pixel corners (monotone chain): O(rows) after one pass.
enum Solidity {
    /// Solidity of the nonzero pixels of `mask` (`w × h`, row-major); 1 for an empty mask.
    static func of(_ mask: [UInt8], width w: Int, height h: Int) -> Double {
        var points: [(x: Double, y: Double)] = []
        var count = 0
        for y in 0..<h {
            var lo = -1, hi = -1
            for x in 0..<w where mask[y * w + x] != 0 {
                if lo < 0 { lo = x }
                hi = x; count += 1
            }
            guard lo >= 0 else { continue }
            points += [(Double(lo), Double(y)), (Double(hi + 1), Double(y)), (Double(lo), Double(y + 1)), (Double(hi + 1), Double(y + 1))]
        }
        guard count > 0 else { return 1 }
        let hull = hullArea(points)
        return hull > 0 ? min(1, Double(count) / hull) : 1
    }

    /// Area of the convex hull of `points` (Andrew's monotone chain, then the shoelace formula).
    static func hullArea(_ points: [(x: Double, y: Double)]) -> Double {
        let p = points.sorted { $0.x < $1.x || ($0.x == $1.x && $0.y < $1.y) }
        guard p.count >= 3 else { return 0 }
        func cross(_ o: (x: Double, y: Double), _ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        var hull: [(x: Double, y: Double)] = []
        for q in p {
            while hull.count >= 2 && cross(hull[hull.count - 2], hull[hull.count - 1], q) <= 0 { hull.removeLast() }
            hull.append(q)
        }
        let lower = hull.count + 1
        for q in p.reversed().dropFirst() {
            while hull.count >= lower && cross(hull[hull.count - 2], hull[hull.count - 1], q) <= 0 { hull.removeLast() }
            hull.append(q)
        }
        hull.removeLast()
        var a = 0.0
        for i in hull.indices {
            let j = (i + 1) % hull.count
            a += hull[i].x * hull[j].y - hull[j].x * hull[i].y
        }
        return abs(a) / 2
    }
}
