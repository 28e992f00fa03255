import Foundation

/// Cross-validation result: the per-fold `EvaluationReport`s and mean ± sample std with a Student-t
/// 95 % confidence interval of accuracy, balanced accuracy, macro F1 and every per-class figure.
/// Its JSON is what `cellphase cv --json` (and the SGAN commands) print: `accuracy_mean`,
/// `accuracy_std`, `accuracy_ci95` ([lo, hi]), the same for `balanced_accuracy_*` and `macro_f1_*`,
/// `per_fold`, `per_class`, `confusion` (summed over folds), `classes`, `folds`.
///
/// Serves the stratified k-fold evaluation of issue 4 and the fold statistics of the SGAN paper's
/// sections 5–6 (92.41 ± 1.4 % in its Table 2, the budget grid of Figure 4).
public struct CrossValidationSummary: Sendable, Hashable, Codable {
    /// Per-class figures over the folds: F1 with std and CI, mean precision/recall/specificity, total support.
    /// Folds where a figure is undefined (class absent from that test fold) are left out of its mean.
    public struct PerClass: Sendable, Hashable, Codable {
        public var f1: SummaryStatistic?
        public var precisionMean: Double?
        public var recallMean: Double?
        public var specificityMean: Double?
        public var supportTotal: Int

        enum CodingKeys: String, CodingKey {
            case f1, precisionMean = "precision_mean", recallMean = "recall_mean"
            case specificityMean = "specificity_mean", supportTotal = "support_total"
            case f1Mean = "f1_mean", f1Std = "f1_std", f1CI95 = "f1_ci95"
        }

        public init(f1: SummaryStatistic?, precisionMean: Double?, recallMean: Double?, specificityMean: Double?, supportTotal: Int) {
            self.f1 = f1; self.precisionMean = precisionMean; self.recallMean = recallMean
            self.specificityMean = specificityMean; self.supportTotal = supportTotal
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            f1 = try c.decodeIfPresent(SummaryStatistic.self, forKey: .f1)
            precisionMean = try c.decodeIfPresent(Double.self, forKey: .precisionMean)
            recallMean = try c.decodeIfPresent(Double.self, forKey: .recallMean)
            specificityMean = try c.decodeIfPresent(Double.self, forKey: .specificityMean)
            supportTotal = try c.decode(Int.self, forKey: .supportTotal)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(f1, forKey: .f1)
            try c.encode(f1?.mean, forKey: .f1Mean)
            try c.encode(f1?.std, forKey: .f1Std)
            try c.encode(f1?.ci95, forKey: .f1CI95)
            try c.encode(precisionMean, forKey: .precisionMean)
            try c.encode(recallMean, forKey: .recallMean)
            try c.encode(specificityMean, forKey: .specificityMean)
            try c.encode(supportTotal, forKey: .supportTotal)
        }
    }

    public var classes: [String]
    public var folds: Int
    public var accuracy: SummaryStatistic
    public var balancedAccuracy: SummaryStatistic
    public var macroF1: SummaryStatistic
    /// Macro AUC over folds, when every fold had probabilities and a defined macro AUC.
    public var macroAUC: SummaryStatistic?
    public var perClass: [String: PerClass]
    /// Confusion matrices of all test folds added together.
    public var confusion: [[Int]]
    public var perFold: [EvaluationReport]

    /// Summarises per-fold reports (all with the same class list).
    public init(folds reports: [EvaluationReport]) throws {
        guard let first = reports.first else { throw EvaluationError.noFolds }
        guard reports.allSatisfy({ $0.classes == first.classes }) else { throw EvaluationError.foldClassesDiffer }
        classes = first.classes
        folds = reports.count
        perFold = reports
        accuracy = SummaryStatistic(reports.map(\.accuracy))
        balancedAccuracy = SummaryStatistic(reports.map(\.balancedAccuracy))
        macroF1 = SummaryStatistic(reports.map(\.macroF1))
        let aucs = reports.compactMap { $0.auc?.macro }
        macroAUC = aucs.count == reports.count ? SummaryStatistic(aucs) : nil
        func meanOrNil(_ v: [Double]) -> Double? { v.isEmpty ? nil : v.reduce(0, +) / Double(v.count) }
        var pc: [String: PerClass] = [:]
        for name in first.classes {
            let ms = reports.compactMap { $0.perClass[name] }
            let f1s = ms.compactMap(\.f1)
            pc[name] = PerClass(
                f1: f1s.isEmpty ? nil : SummaryStatistic(f1s),
                precisionMean: meanOrNil(ms.filter { $0.support > 0 }.map(\.precision)),
                recallMean: meanOrNil(ms.compactMap(\.recall)),
                specificityMean: meanOrNil(ms.compactMap(\.specificity)),
                supportTotal: ms.reduce(0) { $0 + $1.support })
        }
        perClass = pc
        confusion = reports.dropFirst().reduce(first.confusionMatrix) { $0 + $1.confusionMatrix }.counts
    }

    enum CodingKeys: String, CodingKey {
        case classes, folds, perClass = "per_class", confusion, perFold = "per_fold"
        case accuracyMean = "accuracy_mean", accuracyStd = "accuracy_std", accuracyCI = "accuracy_ci95"
        case balancedMean = "balanced_accuracy_mean", balancedStd = "balanced_accuracy_std", balancedCI = "balanced_accuracy_ci95"
        case f1Mean = "macro_f1_mean", f1Std = "macro_f1_std", f1CI = "macro_f1_ci95"
        case aucMean = "macro_auc_mean", aucStd = "macro_auc_std", aucCI = "macro_auc_ci95"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(classes, forKey: .classes)
        try c.encode(folds, forKey: .folds)
        try c.encode(accuracy.mean, forKey: .accuracyMean)
        try c.encode(accuracy.std, forKey: .accuracyStd)
        try c.encode(accuracy.ci95, forKey: .accuracyCI)
        try c.encode(balancedAccuracy.mean, forKey: .balancedMean)
        try c.encode(balancedAccuracy.std, forKey: .balancedStd)
        try c.encode(balancedAccuracy.ci95, forKey: .balancedCI)
        try c.encode(macroF1.mean, forKey: .f1Mean)
        try c.encode(macroF1.std, forKey: .f1Std)
        try c.encode(macroF1.ci95, forKey: .f1CI)
        try c.encode(macroAUC?.mean, forKey: .aucMean)
        try c.encode(macroAUC?.std, forKey: .aucStd)
        try c.encode(macroAUC?.ci95, forKey: .aucCI)
        try c.encode(perClass, forKey: .perClass)
        try c.encode(confusion, forKey: .confusion)
        try c.encode(perFold, forKey: .perFold)
    }

    /// Rebuilds the summary from its JSON by re-summarising the stored per-fold reports.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(folds: c.decode([EvaluationReport].self, forKey: .perFold))
    }

    /// Pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
