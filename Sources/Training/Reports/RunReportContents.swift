import Foundation
import Models
import Plot

/// Everything one run can put in its HTML report, each part optional; `htmlReport()` lays them out in
/// the standard order (data, model and settings, metrics + confusion + ROC, curves, cross-validation,
/// model comparison, budget grid, notes). Serves the single per-run report of issue 4 — the first
/// paper's section 2.3.4 figures — and the SGAN paper's sections 5–6 (fold statistics, Figures 4 and 5).
public struct RunReportContents: Sendable {
    public var title: String
    public var classCounts: [(String, Int)] = []
    public var dataNote: String?
    public var settings: [(String, String)] = []
    public var evaluation: EvaluationReport?
    /// One-vs-rest ROC curves in class order (from `ROCCurve.oneVsRest`).
    public var rocCurves: [ROCCurve?]?
    public var trainingLog: [EpochRecord] = []
    public var crossValidation: CrossValidationSummary?
    /// Reliability diagram of the test calls (raw and calibrated), written as `figures/reliability.svg`.
    public var reliability: ReliabilityPlot?
    public var comparison: ModelComparisonPlot?
    public var budgetGrid: BudgetGridHeatMap?
    public var notes: String?

    public init(title: String) { self.title = title }

    /// The assembled report (sections only for the parts that are present).
    public func htmlReport(generated: Date = Date()) -> HTMLReport {
        let r = HTMLReport(title: title, generated: generated)
        if !classCounts.isEmpty { r.addDataSummary(classCounts: classCounts, note: dataNote) }
        if !settings.isEmpty { r.addSettings(settings) }
        if let evaluation { r.addMetrics(evaluation, rocCurves: rocCurves) }
        if !trainingLog.isEmpty { r.addTrainingCurves(trainingLog) }
        if let crossValidation { r.addCrossValidation(crossValidation) }
        if let reliability {
            r.addFigure(title: "Calibration", canvas: reliability.canvas(),
                        caption: "Accuracy against confidence over 15 equal bins of the test calls; on the diagonal a confidence of 0.9 is right nine times in ten. ECE: mean gap weighted by the bars.",
                        name: "reliability")
        }
        if let comparison { r.addFigure(title: "Model comparison", canvas: comparison.canvas(), caption: "Mean accuracy over folds; error bars ± one standard deviation.") }
        if let budgetGrid { r.addFigure(title: "Label budget grid", canvas: budgetGrid.canvas(), caption: "Mean test accuracy per labelled budget and unlabelled pool size (SGAN paper, Figure 4).") }
        if let notes { r.addNotes(notes) }
        return r
    }

    /// Writes the report atomically to `url`, its figures as SVG and PNG in `figures/` beside it.
    public func write(to url: URL) throws { try htmlReport().write(to: url) }
}
