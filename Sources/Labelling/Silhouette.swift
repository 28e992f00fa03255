/// The mean silhouette coefficient of a clustering (Rousseeuw 1987): for each point, (b − a) / max(a, b) with a its
/// mean distance to the rest of its cluster and b its mean distance to the nearest other cluster; points alone in
/// their cluster score 0. The SGAN paper reports 0.382 for k = 5 on the Mitocheck pool (*Semi supervised GAN for
/// smart microscopy, fast and data efficient cell cycle classification*, section 3.1.2).
public enum Silhouette {
    /// Mean silhouette over `points` (Euclidean), or nil when there are fewer than 2 clusters or as many clusters as
    /// points (the coefficient is undefined). Above `maxPoints` points, the mean is taken over an evenly spaced
    /// sample of that many points (their a and b still measured against every point).
    public static func score(_ points: [[Double]], assignments: [Int], maxPoints: Int = 4000) -> Double? {
        let n = points.count
        guard n == assignments.count, n > 0 else { return nil }
        let k = (assignments.max() ?? -1) + 1
        guard assignments.allSatisfy({ $0 >= 0 }) else { return nil }
        var sizes = [Int](repeating: 0, count: k)
        for a in assignments { sizes[a] += 1 }
        let used = sizes.filter { $0 > 0 }.count
        guard used >= 2, used < n else { return nil }
        let rows = n <= maxPoints ? Array(0..<n) : (0..<maxPoints).map { $0 * n / maxPoints }
        var total = 0.0
        for i in rows {
            let own = assignments[i]
            if sizes[own] == 1 { continue }
            var sums = [Double](repeating: 0, count: k)
            for j in 0..<n where j != i { sums[assignments[j]] += squaredDistance(points[i], points[j]).squareRoot() }
            let a = sums[own] / Double(sizes[own] - 1)
            var b = Double.infinity
            for c in 0..<k where c != own && sizes[c] > 0 { b = min(b, sums[c] / Double(sizes[c])) }
            let m = max(a, b)
            total += m > 0 ? (b - a) / m : 0
        }
        return total / Double(rows.count)
    }
}
