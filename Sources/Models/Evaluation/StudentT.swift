import Foundation

/// Two-sided 95 % quantiles of Student's t distribution, for confidence intervals over folds.
/// Serves the "mean ± std and 95 % CI" of the SGAN paper's sections 5–6 (budget grid, Table 2).
public enum StudentT {
    /// t₀.₉₇₅ for 1…30 degrees of freedom (scipy.stats.t.ppf(0.975, df), rounded to 4 decimals).
    public static let quantile975: [Double] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
        2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
        2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ]

    /// t₀.₉₇₅ with `degreesOfFreedom` ≥ 1, the normal 1.96 beyond 30.
    public static func twoSided95(degreesOfFreedom df: Int) -> Double {
        precondition(df >= 1, "Student t needs at least one degree of freedom")
        return df <= quantile975.count ? quantile975[df - 1] : 1.959964
    }
}

/// Mean, sample standard deviation (n − 1) and Student-t 95 % confidence interval of a few values
/// (one per fold). Serves the "mean ± std" of both papers' cross-validations (SGAN paper sections 5–6).
public struct SummaryStatistic: Sendable, Hashable, Codable {
    public var mean: Double
    /// Sample standard deviation (divisor n − 1); `nil` for a single value.
    public var std: Double?
    /// mean ± t₀.₉₇₅(n − 1)·std/√n; `nil` for a single value.
    public var ci95: [Double]?
    public var n: Int

    enum CodingKeys: String, CodingKey { case mean, std, ci95, n }

    /// Summarises `values` (at least one).
    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "summary of no values")
        n = values.count
        mean = values.reduce(0, +) / Double(n)
        if n > 1 {
            let m = mean
            let s = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
            let h = StudentT.twoSided95(degreesOfFreedom: n - 1) * s / Double(n).squareRoot()
            std = s; ci95 = [mean - h, mean + h]
        } else {
            std = nil; ci95 = nil
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean, forKey: .mean); try c.encode(std, forKey: .std)
        try c.encode(ci95, forKey: .ci95); try c.encode(n, forKey: .n)
    }
}
