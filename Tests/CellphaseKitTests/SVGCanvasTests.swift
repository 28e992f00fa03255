import Foundation
import XCTest
@testable import CellphaseKit

/// The SVG text of every plot is byte-for-byte what it was before the canvas learnt to rasterise: each plot, drawn
/// from fixed inputs, is compared with its file in `Golden/` (written by the SVG-only canvas). Set
/// `CELLPHASE_UPDATE_GOLDEN=1` to rewrite the files after an intended change of the drawing.
final class SVGCanvasTests: XCTestCase {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// The plots with their golden file names (fixed inputs, nothing random).
    static func plots() throws -> [(name: String, svg: String)] {
        let r = try EvaluationReport(truth: MetricsTests.truth, predicted: MetricsTests.predicted, classes: MetricsTests.classes)
        let probs: [[Float]] = [[0.7, 0.2, 0.1], [0.4, 0.4, 0.2], [0.3, 0.6, 0.1], [0.5, 0.3, 0.2]]
        let labels = [20, 40, 60, 80], pools = [100, 185, 200, 300, 400, 500, 600]
        var mean: [[Double?]] = labels.map { l in pools.map { p in 0.6 + Double(l) / 400 + Double(p) / 10000 } }
        mean[0][6] = nil
        let epochs = (1...8).map { (e: Int) -> SGANTraining.Epoch in
            let d = Double(e)
            let real: Double? = e == 4 ? nil : 0.7
            return SGANTraining.Epoch(epoch: e, iterations: 10, supervisedLoss: 2 / d, realLoss: real, fakeLoss: 0.6 + 0.01 * d,
                                      generatorLoss: 0.9, trainAccuracy: 1 - 0.4 / d, validationLoss: nil,
                                      validationAccuracy: 1 - 0.5 / d, seconds: 2)
        }
        return [
            ("curves", TrainingCurvesPlot(records: PlotTests.records(), title: "Run <1> & co").svg()),
            ("confusion", ConfusionMatrixPlot(report: r).svg()),
            ("roc", try ROCPlot(truth: [0, 0, 1, 1], probabilities: probs, classes: ["x", "y", "z"]).svg()),
            ("comparison", ModelComparisonPlot(entries: [.init(name: "lowdepth", mean: 0.81, std: 0.03),
                                                         .init(name: "efficientnet-b0", mean: 0.88, std: 0.02),
                                                         .init(name: "sgan", mean: 0.9)],
                                               references: [.sganTransferRoboscope]).svg()),
            ("grid", BudgetGridHeatMap(labelsPerClass: labels, poolSizes: pools, mean: mean,
                                       std: labels.map { _ in pools.map { _ in 0.02 } }).svg()),
            ("sgan-losses", SGANLossPlot(epochs: epochs).svg()),
        ]
    }

    func testSVGTextUnchanged() throws {
        let update = ProcessInfo.processInfo.environment["CELLPHASE_UPDATE_GOLDEN"] == "1"
        for (name, svg) in try Self.plots() {
            let url = Self.golden.appendingPathComponent("\(name).svg")
            if update { try AtomicFile.write(svg, to: url); continue }
            let expected = try String(contentsOf: url, encoding: .utf8)
            XCTAssertEqual(svg, expected, "\(name).svg differs from its golden file")
        }
    }
}
