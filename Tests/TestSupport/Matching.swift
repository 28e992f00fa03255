/// Greedy one-to-one matching of expected points to found points within `maxDistance`, closest pairs first
/// (how the segmentation and field tests pair placed nuclei with detected objects). Returns (expected, found) index pairs.
public func greedyMatch(_ expected: [(Double, Double)], _ found: [(Double, Double)], maxDistance: Double) -> [(Int, Int)] {
    var cand: [(Double, Int, Int)] = []
    for (i, e) in expected.enumerated() {
        for (j, f) in found.enumerated() {
            let dx = e.0 - f.0, dy = e.1 - f.1
            let d = (dx * dx + dy * dy).squareRoot()
            if d <= maxDistance { cand.append((d, i, j)) }
        }
    }
    cand.sort { $0.0 < $1.0 }
    var usedE = Set<Int>(), usedF = Set<Int>(), out: [(Int, Int)] = []
    for (_, i, j) in cand where !usedE.contains(i) && !usedF.contains(j) {
        usedE.insert(i); usedF.insert(j); out.append((i, j))
    }
    return out
}
