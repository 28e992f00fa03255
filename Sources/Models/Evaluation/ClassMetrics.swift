import Foundation

/// One-vs-rest figures of one class: precision (PPV), recall (sensitivity), specificity, F1 and support.
///
/// Serves the first paper's section 2.3.4 (PPV, sensitivity, F1; specificity for the ROC trade-off)
/// and the per-class precision/recall/F1 of the SGAN paper's section 6.3.
///
/// Conventions (no NaN ever reaches JSON; undefined values are `null`):
/// - **Class never predicted** (TP + FP = 0): precision is **0** by convention (as scikit-learn's
///   `zero_division=0`); F1 is then 0 when the class is present.
/// - **Class absent from the test set** (support = 0): recall is **undefined** (`nil`), and so is F1;
///   the class is left out of macro and weighted averages and of balanced accuracy. Its precision is
///   still reported (0 if it was predicted, since every such prediction is wrong).
/// - Specificity TN / (TN + FP) is `nil` when every test sample belongs to the class (no negatives).
public struct ClassMetrics: Sendable, Hashable, Codable {
    /// TP / (TP + FP), 0 when the class is never predicted.
    public var precision: Double
    /// TP / (TP + FN), `nil` when the class is absent from the test set.
    public var recall: Double?
    /// TN / (TN + FP), `nil` when there are no negatives.
    public var specificity: Double?
    /// 2·P·R / (P + R), 0 when P + R = 0, `nil` when recall is undefined.
    public var f1: Double?
    /// Number of test samples of this class.
    public var support: Int
    /// Number of test samples predicted as this class.
    public var predicted: Int

    enum CodingKeys: String, CodingKey { case precision, recall, specificity, f1, support, predicted }

    public init(precision: Double, recall: Double?, specificity: Double?, f1: Double?, support: Int, predicted: Int) {
        self.precision = precision; self.recall = recall; self.specificity = specificity
        self.f1 = f1; self.support = support; self.predicted = predicted
    }

    /// The figures of class `k` from a confusion matrix.
    public init(confusion c: ConfusionMatrix, class k: Int) {
        let tp = c.truePositives(k), fp = c.falsePositives(k), fn = c.falseNegatives(k), tn = c.trueNegatives(k)
        let p = tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp)
        let r: Double? = tp + fn == 0 ? nil : Double(tp) / Double(tp + fn)
        let s: Double? = tn + fp == 0 ? nil : Double(tn) / Double(tn + fp)
        let f: Double? = r.map { r in p + r == 0 ? 0 : 2 * p * r / (p + r) }
        self.init(precision: p, recall: r, specificity: s, f1: f, support: tp + fn, predicted: tp + fp)
    }

    /// Writes every key, with explicit `null` for undefined values (synthesised Codable would drop them).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(precision, forKey: .precision)
        try c.encode(recall, forKey: .recall)
        try c.encode(specificity, forKey: .specificity)
        try c.encode(f1, forKey: .f1)
        try c.encode(support, forKey: .support)
        try c.encode(predicted, forKey: .predicted)
    }
}

/// Averages of the per-class figures: macro (unweighted mean over the classes present in the test
/// set) or weighted by support. Serves the "macro and weighted averages" of the metrics table.
public struct AveragedMetrics: Sendable, Hashable, Codable {
    public var precision: Double
    public var recall: Double
    /// `nil` only when no class has a defined specificity (a single-class test set).
    public var specificity: Double?
    public var f1: Double

    public init(precision: Double, recall: Double, specificity: Double?, f1: Double) {
        self.precision = precision; self.recall = recall; self.specificity = specificity; self.f1 = f1
    }

    /// Averages `metrics` over the classes with support > 0 — uniformly (`weighted == false`)
    /// or by support. Classes absent from the test set never count.
    public init(_ metrics: [ClassMetrics], weighted: Bool) {
        let present = metrics.filter { $0.support > 0 }
        func mean(_ pairs: [(value: Double, weight: Double)]) -> Double? {
            let w = pairs.reduce(0) { $0 + $1.weight }
            return w == 0 ? nil : pairs.reduce(0) { $0 + $1.value * $1.weight } / w
        }
        func weight(_ m: ClassMetrics) -> Double { weighted ? Double(m.support) : 1 }
        precision = mean(present.map { ($0.precision, weight($0)) }) ?? 0
        recall = mean(present.compactMap { m in m.recall.map { ($0, weight(m)) } }) ?? 0
        specificity = mean(present.compactMap { m in m.specificity.map { ($0, weight(m)) } })
        f1 = mean(present.compactMap { m in m.f1.map { ($0, weight(m)) } }) ?? 0
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(precision, forKey: .precision)
        try c.encode(recall, forKey: .recall)
        try c.encode(specificity, forKey: .specificity)
        try c.encode(f1, forKey: .f1)
    }
}
