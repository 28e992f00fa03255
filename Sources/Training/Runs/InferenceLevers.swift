import Foundation
import Models

/// What the inference levers gave in one cross-validation, measured on the same model of every fold (paired: same
/// weights, same test crops): test-time augmentation over the 8 symmetries of the square against one view, and the
/// test expected calibration error before and after the temperature fit on the fold's validation split. Accuracy is
/// measured on the authors' folds as mean ± std with the per-fold differences (*Semi supervised GAN for smart
/// microscopy, fast and data efficient cell cycle classification*, section 6: the 4 position-disjoint folds); a lever
/// that helps one fold is not a default. `cellphase cv` prints it, writes it as `inference_levers` and reports it.
public struct InferenceLevers: Sendable, Hashable, Codable {
    public var folds: Int
    /// Accuracy with one view, and with test-time augmentation, per fold.
    public var plainAccuracy: [Double]
    public var ttaAccuracy: [Double]
    public var ttaBalancedAccuracy: [Double]
    /// TTA minus one view, per fold (accuracy points as fractions).
    public var ttaDifference: [Double]
    /// Test ECE of the raw soft-max, after the fold's temperature, and with TTA (calibrated), per fold.
    public var ece: [Double]
    public var calibratedECE: [Double]
    public var ttaECE: [Double]
    /// The temperature of each fold.
    public var temperatures: [Double]
    /// With an ensemble per fold: each member's accuracy per fold (`[fold][member]`), and the ensemble minus its first
    /// member (the single model of the same seed), per fold. Nil for single models.
    public var memberAccuracy: [[Double]]?
    public var ensembleDifference: [Double]?

    enum CodingKeys: String, CodingKey {
        case folds, temperatures, ece
        case memberAccuracy = "member_accuracy", ensembleDifference = "ensemble_difference"
        case plainAccuracy = "plain_accuracy", ttaAccuracy = "tta_accuracy", ttaBalancedAccuracy = "tta_balanced_accuracy"
        case ttaDifference = "tta_difference", calibratedECE = "calibrated_ece", ttaECE = "tta_ece"
    }

    /// The levers of `folds`; nil when any fold did not measure them.
    public init?(_ folds: [Experiment.FoldResult]) {
        guard !folds.isEmpty, folds.allSatisfy({ $0.ttaReport != nil && $0.ttaECE != nil }) else { return nil }
        self.folds = folds.count
        plainAccuracy = folds.map(\.report.accuracy)
        ttaAccuracy = folds.map { $0.ttaReport!.accuracy }
        ttaBalancedAccuracy = folds.map { $0.ttaReport!.balancedAccuracy }
        ttaDifference = zip(ttaAccuracy, plainAccuracy).map { $0 - $1 }
        ece = folds.map { $0.report.ece ?? 0 }
        calibratedECE = folds.map { $0.calibratedECE ?? $0.report.ece ?? 0 }
        ttaECE = folds.compactMap(\.ttaECE)
        temperatures = folds.map { $0.calibration?.temperature ?? 1 }
        if folds.allSatisfy({ !$0.memberReports.isEmpty }) {
            memberAccuracy = folds.map { $0.memberReports.map(\.accuracy) }
            ensembleDifference = folds.map { $0.report.accuracy - $0.memberReports[0].accuracy }
        }
    }

    /// Two lines for the terminal and the report.
    public var text: String {
        func pct(_ v: [Double]) -> String {
            let s = SummaryStatistic(v)
            return String(format: "%.1f ± %.1f %%", 100 * s.mean, 100 * (s.std ?? 0))
        }
        func signed(_ v: [Double]) -> String {
            let s = SummaryStatistic(v)
            return String(format: "%+.1f ± %.1f points", 100 * s.mean, 100 * (s.std ?? 0))
                + " (" + v.map { String(format: "%+.1f", 100 * $0) }.joined(separator: ", ") + ")"
        }
        func mean(_ v: [Double]) -> String { String(format: "%.3f", SummaryStatistic(v).mean) }
        var ensemble = ""
        if let memberAccuracy, let ensembleDifference, let k = memberAccuracy.first?.count {
            ensemble = "ensemble of \(k): \(pct(plainAccuracy)) against its first member's \(pct(memberAccuracy.map { $0[0] })), "
                + "paired \(signed(ensembleDifference)); members' mean \(pct(memberAccuracy.map { $0.reduce(0, +) / Double($0.count) }))\n"
        }
        return ensemble
            + "test-time augmentation (8 views): \(pct(ttaAccuracy)) against \(pct(plainAccuracy)), paired \(signed(ttaDifference))\n"
            + "calibration: test ECE \(mean(ece)) → \(mean(calibratedECE)) (with TTA \(mean(ttaECE))), T "
            + temperatures.map { String(format: "%.2f", $0) }.joined(separator: ", ")
    }
}
