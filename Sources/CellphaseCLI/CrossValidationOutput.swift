import Foundation
import Models
import Training

/// What `cellphase cv` and `cellphase transfer` print for one cross-validated model (the fold statistics of the
/// SGAN paper, sections 5–6): one JSON object, or a few lines of text.
extension Console {
    /// `CrossValidationSummary`'s JSON (`accuracy_mean`, `accuracy_std`, `per_fold`, `per_class`, `confusion`, …)
    /// plus `model`, `seconds` and the per-fold names, times, best epochs and epochs run.
    static func crossValidationObject(model: String, summary: CrossValidationSummary, folds: [Experiment.FoldResult],
                                      seconds: Double) throws -> [String: Any] {
        var o = try dictionary(summary)
        o["model"] = model
        o["seconds"] = seconds
        o["fold_names"] = folds.map(\.name)
        o["fold_seconds"] = folds.map(\.seconds)
        o["fold_best_epochs"] = folds.map { $0.bestEpoch ?? 0 }
        o["fold_epochs_run"] = folds.map(\.history.count)
        if let levers = InferenceLevers(folds) { o["inference_levers"] = try dictionary(levers) }
        return o
    }

    /// Accuracy mean ± std with its 95 % CI, balanced accuracy, macro F1, then one line per class.
    static func crossValidationText(model: String, summary s: CrossValidationSummary, seconds: Double) -> String {
        var lines = [String(format: "%@: accuracy %.1f ± %.1f %% (95 %% CI %.1f–%.1f), balanced accuracy %.1f ± %.1f %%, macro F1 %.3f ± %.3f, %d folds, %.0f s",
                            model, 100 * s.accuracy.mean, 100 * (s.accuracy.std ?? 0), 100 * (s.accuracy.ci95?[0] ?? s.accuracy.mean),
                            100 * (s.accuracy.ci95?[1] ?? s.accuracy.mean), 100 * s.balancedAccuracy.mean,
                            100 * (s.balancedAccuracy.std ?? 0), s.macroF1.mean, s.macroF1.std ?? 0, s.folds, seconds)]
        for name in s.classes {
            if let pc = s.perClass[name] {
                lines.append(String(format: "  %-10@ recall %5.1f %%  precision %5.1f %%  F1 %.3f", name as NSString,
                                    100 * (pc.recallMean ?? 0), 100 * (pc.precisionMean ?? 0), pc.f1?.mean ?? 0))
            }
        }
        return lines.joined(separator: "\n")
    }
}
