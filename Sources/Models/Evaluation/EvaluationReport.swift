import Foundation

/// Areas under the one-vs-rest ROC curves: per class, their macro mean, and for two classes the
/// binary AUC of the second class (the positive one, e.g. "mitosis" in interphase-vs-mitosis).
/// Serves the first paper's section 2.3.4 (ROC) for binary and multi-class models.
public struct AUCSummary: Sendable, Hashable, Codable {
    /// Mean of the defined per-class AUCs; `nil` when none is defined.
    public var macro: Double?
    /// Class name → one-vs-rest AUC (`null` when the class is absent from the test set or is the only one present).
    public var perClass: [String: Double?]
    /// With exactly two classes, the AUC of class index 1 scored by its probability; otherwise `nil`.
    public var binary: Double?

    enum CodingKeys: String, CodingKey { case macro, perClass = "per_class", binary }

    public init(macro: Double?, perClass: [String: Double?], binary: Double?) {
        self.macro = macro; self.perClass = perClass; self.binary = binary
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(macro, forKey: .macro)
        try c.encode(perClass, forKey: .perClass)
        try c.encode(binary, forKey: .binary)
    }
}

/// Everything measured on one test set: accuracy, balanced accuracy, per-class
/// precision/recall/specificity/F1/support, macro and weighted averages, the confusion matrix and AUCs.
/// Its JSON is the object `cellphase evaluate --json` prints (keys `accuracy`, `balanced_accuracy`,
/// `macro_f1`, `per_class`, `confusion`, `auc`, `classes`, …).
///
/// Serves the first paper's section 2.3.4 (accuracy, PPV, sensitivity, F1, confusion matrix, ROC) and
/// the per-fold test results of the SGAN paper's sections 5–6. See `ClassMetrics` for the conventions
/// on classes never predicted and classes absent from the test set.
public struct EvaluationReport: Sendable, Hashable, Codable {
    /// Class names, index = label.
    public var classes: [String]
    /// Correct / total.
    public var accuracy: Double
    /// Mean recall over the classes present in the test set.
    public var balancedAccuracy: Double
    /// Macro-averaged F1 (over the classes present in the test set) — same as `macro.f1`.
    public var macroF1: Double
    /// Class name → figures.
    public var perClass: [String: ClassMetrics]
    /// Unweighted means over the classes present in the test set.
    public var macro: AveragedMetrics
    /// Support-weighted means.
    public var weighted: AveragedMetrics
    /// Counts, rows = true class, columns = predicted class.
    public var confusion: [[Int]]
    /// One-vs-rest AUCs; `nil` when no probabilities were given.
    public var auc: AUCSummary?
    /// Number of test samples.
    public var samples: Int
    /// Expected calibration error of the probabilities (`Calibration`, 15 bins); `nil` when none were given.
    public var ece: Double?

    enum CodingKeys: String, CodingKey {
        case classes, accuracy, balancedAccuracy = "balanced_accuracy", macroF1 = "macro_f1"
        case perClass = "per_class", macro, weighted, confusion, auc, samples, ece
    }

    /// Evaluates predicted labels (and optionally class probabilities, one row per sample, for ROC/AUC).
    public init(truth: [Int], predicted: [Int], probabilities: [[Float]]? = nil, classes: [String]) throws {
        guard !classes.isEmpty else { throw EvaluationError.noClasses }
        var seen = Set<String>()
        for c in classes where !seen.insert(c).inserted { throw EvaluationError.duplicateClassName(c) }
        guard !truth.isEmpty else { throw EvaluationError.emptyTestSet }
        let cm = try ConfusionMatrix(truth: truth, predicted: predicted, classCount: classes.count)
        let metrics = (0..<classes.count).map { ClassMetrics(confusion: cm, class: $0) }
        self.classes = classes
        self.samples = cm.total
        self.accuracy = Double(cm.correct) / Double(cm.total)
        self.macro = AveragedMetrics(metrics, weighted: false)
        self.weighted = AveragedMetrics(metrics, weighted: true)
        self.balancedAccuracy = macro.recall
        self.macroF1 = macro.f1
        self.perClass = Dictionary(uniqueKeysWithValues: zip(classes, metrics))
        self.confusion = cm.counts
        if let probabilities {
            let curves = try ROCCurve.oneVsRest(truth: truth, probabilities: probabilities, classCount: classes.count)
            let defined = curves.compactMap { $0?.auc }
            self.auc = AUCSummary(
                macro: defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count),
                perClass: Dictionary(uniqueKeysWithValues: zip(classes, curves.map { $0?.auc })),
                binary: classes.count == 2 ? curves[1]?.auc : nil)
            self.ece = Calibration.expectedCalibrationError(probabilities, labels: truth)
        } else {
            self.auc = nil
        }
    }

    /// Evaluates class probabilities, predicting the most probable class (first one on ties).
    public init(truth: [Int], probabilities: [[Float]], classes: [String]) throws {
        let predicted = probabilities.map { row in row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0 }
        try self.init(truth: truth, predicted: predicted, probabilities: probabilities, classes: classes)
    }

    /// The confusion matrix as a value.
    public var confusionMatrix: ConfusionMatrix { try! ConfusionMatrix(counts: confusion) }

    /// Figures of the classes in label order.
    public var orderedPerClass: [(name: String, metrics: ClassMetrics)] {
        classes.compactMap { n in perClass[n].map { (n, $0) } }
    }

    /// Pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(classes, forKey: .classes)
        try c.encode(accuracy, forKey: .accuracy)
        try c.encode(balancedAccuracy, forKey: .balancedAccuracy)
        try c.encode(macroF1, forKey: .macroF1)
        try c.encode(perClass, forKey: .perClass)
        try c.encode(macro, forKey: .macro)
        try c.encode(weighted, forKey: .weighted)
        try c.encode(confusion, forKey: .confusion)
        try c.encode(auc, forKey: .auc)
        try c.encode(samples, forKey: .samples)
        try c.encodeIfPresent(ece, forKey: .ece)
    }
}
