import Support

/// k-means clustering (Lloyd's iterations from k-means++ seeds, several seeded restarts, the lowest inertia kept),
/// for the unlabelled-pool analysis of *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle
/// classification*, section 3.1.2 (k = 5 on the blob features of the Mitocheck crops).
public struct KMeans: Sendable, Equatable {
    /// Cluster of each point, 0..<k.
    public var assignments: [Int]
    /// k centroids of `dimension` coordinates.
    public var centroids: [[Double]]
    /// Sum of squared distances from each point to its centroid.
    public var inertia: Double

    /// Clusters `points` (n rows of equal length, all finite) into `k` groups, 1 ≤ k ≤ n. Same seed, same result.
    public static func fit(_ points: [[Double]], k: Int, seed: UInt64, restarts: Int = 4, maxIterations: Int = 300) throws -> KMeans {
        let n = points.count
        guard n > 0 else { throw LabellingError.invalid("k-means needs at least one point") }
        let d = points[0].count
        guard points.allSatisfy({ $0.count == d && $0.allSatisfy(\.isFinite) }) else {
            throw LabellingError.invalid("k-means needs points of equal length with finite coordinates")
        }
        guard (1...n).contains(k) else { throw LabellingError.invalid("k must be between 1 and the number of points (\(n)), got \(k)") }
        var rng = SeededGenerator(seed: seed)
        var best: KMeans?
        for _ in 0..<max(1, restarts) {
            let run = lloyd(points, centroids: plusPlusSeeds(points, k: k, rng: &rng), maxIterations: maxIterations)
            if best == nil || run.inertia < best!.inertia { best = run }
        }
        return best!
    }

    /// k-means++ seeding: the first centre uniformly, each next one with probability ∝ squared distance to the
    /// nearest centre chosen so far.
    static func plusPlusSeeds(_ points: [[Double]], k: Int, rng: inout SeededGenerator) -> [[Double]] {
        var centres = [points[rng.int(below: points.count)]]
        var nearest = points.map { squaredDistance($0, centres[0]) }
        while centres.count < k {
            let total = nearest.reduce(0, +)
            var pick = 0
            if total > 0 {
                var r = rng.unit() * total
                for (i, w) in nearest.enumerated() { r -= w; if r < 0 { pick = i; break }; pick = i }
            } else {
                pick = rng.int(below: points.count)  // every point sits on a centre: duplicates are all that is left
            }
            centres.append(points[pick])
            for i in points.indices { nearest[i] = min(nearest[i], squaredDistance(points[i], points[pick])) }
        }
        return centres
    }

    static func lloyd(_ points: [[Double]], centroids start: [[Double]], maxIterations: Int) -> KMeans {
        let k = start.count, d = points[0].count
        var centroids = start
        var assignments = [Int](repeating: -1, count: points.count)
        for _ in 0..<maxIterations {
            var changed = false
            for (i, p) in points.enumerated() {
                let c = nearestCentroid(p, centroids)
                if c != assignments[i] { assignments[i] = c; changed = true }
            }
            if !changed { break }
            var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: k)
            var counts = [Int](repeating: 0, count: k)
            for (i, p) in points.enumerated() {
                counts[assignments[i]] += 1
                for j in 0..<d { sums[assignments[i]][j] += p[j] }
            }
            for c in 0..<k {
                if counts[c] > 0 {
                    centroids[c] = sums[c].map { $0 / Double(counts[c]) }
                } else {
                    // An empty cluster takes the point farthest from its own centroid.
                    let far = points.indices.max { squaredDistance(points[$0], centroids[assignments[$0]])
                        < squaredDistance(points[$1], centroids[assignments[$1]]) }!
                    centroids[c] = points[far]
                    assignments[far] = c
                }
            }
        }
        let inertia = points.indices.reduce(0) { $0 + squaredDistance(points[$1], centroids[assignments[$1]]) }
        return KMeans(assignments: assignments, centroids: centroids, inertia: inertia)
    }

    static func nearestCentroid(_ p: [Double], _ centroids: [[Double]]) -> Int {
        var best = 0, bestD = Double.infinity
        for (c, q) in centroids.enumerated() {
            let dd = squaredDistance(p, q)
            if dd < bestD { bestD = dd; best = c }
        }
        return best
    }
}

/// Squared Euclidean distance of two vectors of equal length.
@inlinable func squaredDistance(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { let t = a[i] - b[i]; s += t * t }
    return s
}
