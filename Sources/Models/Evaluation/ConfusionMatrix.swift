import Foundation

/// A confusion matrix of counts: `counts[t][p]` is the number of samples whose true class is `t`
/// and whose predicted class is `p` (rows = true, columns = predicted).
///
/// Serves the first paper's section 2.3.4 ("Confusion Matrix: visualizes the classification
/// performance for each class") and the per-fold matrices of the SGAN paper's section 6.
public struct ConfusionMatrix: Sendable, Hashable, Codable {
    /// Number of classes (the matrix is `classCount × classCount`).
    public let classCount: Int
    /// Row-major counts, rows = true class, columns = predicted class.
    public private(set) var counts: [[Int]]

    /// An all-zero matrix for `classCount` classes.
    public init(classCount: Int) {
        self.classCount = classCount
        self.counts = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
    }

    /// Counts the pairs `(truth[i], predicted[i])`; throws on length mismatch or labels outside `0..<classCount`.
    public init(truth: [Int], predicted: [Int], classCount: Int) throws {
        guard classCount > 0 else { throw EvaluationError.noClasses }
        guard truth.count == predicted.count else {
            throw EvaluationError.lengthMismatch(what: "predictions", expected: truth.count, got: predicted.count)
        }
        self.init(classCount: classCount)
        for (t, p) in zip(truth, predicted) {
            for l in [t, p] where !(0..<classCount).contains(l) {
                throw EvaluationError.labelOutOfRange(label: l, classCount: classCount)
            }
            counts[t][p] += 1
        }
    }

    /// Wraps an existing square matrix of counts (rows = true, columns = predicted).
    public init(counts: [[Int]]) throws {
        guard !counts.isEmpty else { throw EvaluationError.noClasses }
        for row in counts where row.count != counts.count {
            throw EvaluationError.lengthMismatch(what: "confusion row", expected: counts.count, got: row.count)
        }
        self.classCount = counts.count
        self.counts = counts
    }

    /// Total number of samples.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    /// Correctly classified samples (the diagonal).
    public var correct: Int { (0..<classCount).reduce(0) { $0 + counts[$1][$1] } }
    /// True positives of class `k` (diagonal entry).
    public func truePositives(_ k: Int) -> Int { counts[k][k] }
    /// Samples of class `k` predicted as another class (row sum minus diagonal).
    public func falseNegatives(_ k: Int) -> Int { support(k) - counts[k][k] }
    /// Samples of other classes predicted as `k` (column sum minus diagonal).
    public func falsePositives(_ k: Int) -> Int { predictedCount(k) - counts[k][k] }
    /// Samples neither truly `k` nor predicted as `k`.
    public func trueNegatives(_ k: Int) -> Int { total - support(k) - predictedCount(k) + counts[k][k] }
    /// Number of samples whose true class is `k` (row sum).
    public func support(_ k: Int) -> Int { counts[k].reduce(0, +) }
    /// Number of samples predicted as `k` (column sum).
    public func predictedCount(_ k: Int) -> Int { counts.reduce(0) { $0 + $1[k] } }

    /// Each row divided by its sum (a row of zeros stays zeros); used for the heat-map colour.
    public var rowNormalized: [[Double]] {
        counts.map { row in
            let s = row.reduce(0, +)
            return row.map { s == 0 ? 0 : Double($0) / Double(s) }
        }
    }

    /// Element-wise sum, e.g. to pool the test folds of a cross-validation.
    public static func + (a: ConfusionMatrix, b: ConfusionMatrix) -> ConfusionMatrix {
        precondition(a.classCount == b.classCount, "confusion matrices of different sizes")
        var r = a
        for i in 0..<a.classCount { for j in 0..<a.classCount { r.counts[i][j] += b.counts[i][j] } }
        return r
    }
}
