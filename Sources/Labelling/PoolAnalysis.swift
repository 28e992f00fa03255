/// The analysis of an unlabelled pool that the SGAN paper starts from (*Semi supervised GAN for smart microscopy,
/// fast and data efficient cell cycle classification*, section 3.1.2, Figure 2): features per crop (the blob
/// features of `CropShape`, or a model's output), standardised, k-means with k-means++ seeds, the silhouette score,
/// a 2-D PCA projection and each cluster's medoid — the crop to look at, or to label first.
public struct PoolAnalysis: Sendable {
    /// Names of the feature coordinates.
    public var featureNames: [String]
    /// Raw features, one row per crop.
    public var features: [[Double]]
    /// Cluster of each crop.
    public var clusters: [Int]
    /// Crops per cluster.
    public var clusterSizes: [Int]
    /// Index (into the crops) of each cluster's medoid: the member with the smallest summed distance to the others.
    public var medoids: [Int]
    /// Mean silhouette coefficient (nil for one cluster).
    public var silhouette: Double?
    /// First two principal coordinates of each crop's standardised features.
    public var projection: [[Double]]
    /// Share of the variance along each of the two components.
    public var explainedRatio: [Double]
    /// Standardised features (zero mean, unit variance per coordinate; constant coordinates become 0).
    public var standardised: [[Double]]

    /// Analyses `features` (n ≥ 2 rows) into `k` clusters (2 ≤ k ≤ n; the paper uses 5). Same seed, same result.
    public static func run(features: [[Double]], names: [String], k: Int, seed: UInt64) throws -> PoolAnalysis {
        guard features.count >= 2 else { throw LabellingError.invalid("a pool analysis needs at least 2 crops, got \(features.count)") }
        guard (1...features.count).contains(k) else {
            throw LabellingError.invalid("--k must be between 1 and the number of crops (\(features.count)), got \(k)")
        }
        let z = standardise(features)
        let km = try KMeans.fit(z, k: k, seed: seed)
        let pca = try PrincipalComponents.fit(z, count: 2)
        var sizes = [Int](repeating: 0, count: k)
        for c in km.assignments { sizes[c] += 1 }
        let medoids = (0..<k).map { medoid(of: $0, points: z, assignments: km.assignments, centroid: km.centroids[$0]) }
        return PoolAnalysis(featureNames: names, features: features, clusters: km.assignments, clusterSizes: sizes,
                            medoids: medoids, silhouette: Silhouette.score(z, assignments: km.assignments),
                            projection: z.map { p in let q = pca.project(p); return q.count == 2 ? q : q + [0] },
                            explainedRatio: pca.explainedRatio, standardised: z)
    }

    /// Columns scaled to zero mean and unit standard deviation (constant columns to 0).
    public static func standardise(_ x: [[Double]]) -> [[Double]] {
        guard let d = x.first?.count else { return [] }
        let n = Double(x.count)
        var mean = [Double](repeating: 0, count: d), sd = [Double](repeating: 0, count: d)
        for r in x { for j in 0..<d { mean[j] += r[j] / n } }
        for r in x { for j in 0..<d { sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / n } }
        sd = sd.map { $0.squareRoot() }
        return x.map { r in (0..<d).map { sd[$0] > 1e-12 * max(1, abs(mean[$0])) ? (r[$0] - mean[$0]) / sd[$0] : 0 } }
    }

    /// The member of cluster `c` with the smallest summed distance to the other members (above 2000 members: the
    /// member nearest the centroid, to bound the cost); -1 for an empty cluster.
    static func medoid(of c: Int, points: [[Double]], assignments: [Int], centroid: [Double]) -> Int {
        let members = assignments.indices.filter { assignments[$0] == c }
        guard !members.isEmpty else { return -1 }
        if members.count > 2000 {
            return members.min { squaredDistance(points[$0], centroid) < squaredDistance(points[$1], centroid) }!
        }
        var best = members[0], bestSum = Double.infinity
        for i in members {
            var s = 0.0
            for j in members { s += squaredDistance(points[i], points[j]).squareRoot() }
            if s < bestSum { bestSum = s; best = i }
        }
        return best
    }
}
