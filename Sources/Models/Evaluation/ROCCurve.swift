import Foundation

/// A receiver operating characteristic curve for one positive class and its area (AUC).
///
/// Serves the first paper's section 2.3.4 ("ROC: evaluates the trade-off between sensitivity and
/// specificity"). The curve has one point per *distinct* score, so tied scores give a diagonal
/// step and the trapezoidal area equals the Mann–Whitney statistic
/// P(score₊ > score₋) + ½·P(score₊ = score₋).
public struct ROCCurve: Sendable, Hashable, Codable {
    /// False-positive rate (1 − specificity) of each point, from 0 to 1.
    public let falsePositiveRate: [Double]
    /// True-positive rate (sensitivity) of each point, from 0 to 1.
    public let truePositiveRate: [Double]
    /// The score threshold (predict positive when score ≥ threshold) of every point but the first,
    /// which is the "nothing positive" origin: `thresholds.count == falsePositiveRate.count - 1`.
    public let thresholds: [Double]
    /// Area under the curve (trapezoidal, equal to the Mann–Whitney statistic).
    public let auc: Double

    enum CodingKeys: String, CodingKey {
        case falsePositiveRate = "fpr", truePositiveRate = "tpr", thresholds, auc
    }

    /// The curve of `scores` (higher = more positive) against `positives`; `nil` when either
    /// the positives or the negatives are missing (AUC undefined). Non-finite scores are refused (`nil`).
    public init?(scores: [Double], positives: [Bool]) {
        precondition(scores.count == positives.count, "ROC: scores and labels differ in length")
        let p = positives.filter { $0 }.count, n = positives.count - p
        guard p > 0, n > 0, scores.allSatisfy(\.isFinite) else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var fpr = [0.0], tpr = [0.0], thr: [Double] = []
        var tp = 0, fp = 0, i = 0
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count, scores[order[i]] == s {      // a whole group of tied scores at once
                if positives[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            fpr.append(Double(fp) / Double(n)); tpr.append(Double(tp) / Double(p)); thr.append(s)
        }
        var area = 0.0
        for k in 1..<fpr.count { area += (fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2 }
        falsePositiveRate = fpr; truePositiveRate = tpr; thresholds = thr; auc = area
    }

    /// AUC as the Mann–Whitney U statistic with mid-ranks for ties, divided by n₊·n₋;
    /// `nil` when either class is missing. Independent of the curve construction (used to cross-check it).
    public static func mannWhitneyAUC(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "AUC: scores and labels differ in length")
        let p = positives.filter { $0 }.count, n = positives.count - p
        guard p > 0, n > 0, scores.allSatisfy(\.isFinite) else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPositives = 0.0, i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let midRank = Double(i + j + 2) / 2          // ranks are 1-based
            for k in i...j where positives[order[k]] { rankSumPositives += midRank }
            i = j + 1
        }
        return (rankSumPositives - Double(p * (p + 1)) / 2) / (Double(p) * Double(n))
    }

    /// One-vs-rest curves, one per class: class `k` is positive, its probability column is the score.
    /// Entry `k` is `nil` when class `k` is absent from `truth` or is the only class present.
    public static func oneVsRest(truth: [Int], probabilities: [[Float]], classCount: Int) throws -> [ROCCurve?] {
        guard truth.count == probabilities.count else {
            throw EvaluationError.lengthMismatch(what: "probabilities", expected: truth.count, got: probabilities.count)
        }
        for row in probabilities where row.count != classCount {
            throw EvaluationError.lengthMismatch(what: "probability row", expected: classCount, got: row.count)
        }
        for t in truth where !(0..<classCount).contains(t) {
            throw EvaluationError.labelOutOfRange(label: t, classCount: classCount)
        }
        return (0..<classCount).map { k in
            ROCCurve(scores: probabilities.map { Double($0[k]) }, positives: truth.map { $0 == k })
        }
    }
}
