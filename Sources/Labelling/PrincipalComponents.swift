/// Principal component analysis by the eigen-decomposition (cyclic Jacobi rotations) of the covariance matrix: the
/// 2-D projection of the pool in *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle
/// classification*, section 3.1.2 (Figure 2, coloured by k-means cluster).
public struct PrincipalComponents: Sendable, Equatable {
    /// Mean of every input coordinate (subtracted before projecting).
    public var mean: [Double]
    /// Unit-length component directions, largest variance first; each one's largest coefficient is positive.
    public var components: [[Double]]
    /// Variance along each component (eigenvalues of the covariance, divisor n − 1).
    public var variances: [Double]
    /// Share of the total variance along each component.
    public var explainedRatio: [Double]

    /// The first `count` principal components of `points` (n ≥ 2 rows of equal length ≥ 1, finite).
    public static func fit(_ points: [[Double]], count: Int = 2) throws -> PrincipalComponents {
        let n = points.count
        guard n >= 2, let d = points.first?.count, d >= 1,
              points.allSatisfy({ $0.count == d && $0.allSatisfy(\.isFinite) }) else {
            throw LabellingError.invalid("PCA needs at least 2 points of equal, non-zero length with finite coordinates")
        }
        let keep = min(max(1, count), d)
        var mean = [Double](repeating: 0, count: d)
        for p in points { for j in 0..<d { mean[j] += p[j] } }
        mean = mean.map { $0 / Double(n) }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for p in points {
            for a in 0..<d {
                let da = p[a] - mean[a]
                for b in a..<d { cov[a][b] += da * (p[b] - mean[b]) }
            }
        }
        for a in 0..<d { for b in a..<d { cov[a][b] /= Double(n - 1); cov[b][a] = cov[a][b] } }
        let (values, vectors) = jacobiEigen(cov)
        let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        let total = values.reduce(0) { $0 + max(0, $1) }
        var components: [[Double]] = [], variances: [Double] = []
        for i in order.prefix(keep) {
            var v = (0..<d).map { vectors[$0][i] }
            if let big = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[big] < 0 { v = v.map { -$0 } }
            components.append(v); variances.append(max(0, values[i]))
        }
        return PrincipalComponents(mean: mean, components: components, variances: variances,
                                   explainedRatio: variances.map { total > 0 ? $0 / total : 0 })
    }

    /// Coordinates of `p` along each component.
    public func project(_ p: [Double]) -> [Double] {
        components.map { c in zip(c.indices, c).reduce(0) { $0 + $1.1 * (p[$1.0] - mean[$1.0]) } }
    }

    /// Eigenvalues and eigenvectors (as columns) of a symmetric matrix by cyclic Jacobi rotations.
    static func jacobiEigen(_ matrix: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
        let d = matrix.count
        var a = matrix
        var v = (0..<d).map { i in (0..<d).map { $0 == i ? 1.0 : 0.0 } }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<d { for q in (p + 1)..<max(p + 1, d) { off += a[p][q] * a[p][q] } }
            if off < 1e-22 { break }
            for p in 0..<d {
                for q in (p + 1)..<max(p + 1, d) where abs(a[p][q]) > 1e-300 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<d {  // A ← Jᵀ A J
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq; a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<d {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk; a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<d {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq; v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<d).map { a[$0][$0] }, v)
    }
}
