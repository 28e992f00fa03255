import Foundation
@testable import Models
@testable import Plot
@testable import Training
import TestSupport
import Support
import XCTest

/// The SVG text of every plot is byte-for-byte what it was before the canvas kept structured primitives: each plot,
/// drawn from fixed inputs, is compared with its file in `Golden/` (written by the string-building canvas). Set
/// `CELLPHASE_UPDATE_GOLDEN=1` to rewrite the files after an intended change of the drawing.
final class SVGCanvasTests: XCTestCase {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// The report's plots with their golden file names (fixed inputs, nothing random).
    static func canvases() throws -> [(name: String, canvas: SVGCanvas)] {
        let r = try EvaluationReport(truth: MetricFixtures.truth, predicted: MetricFixtures.predicted, classes: MetricFixtures.classes)
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
            ("curves", TrainingCurvesPlot(records: PlotTests.records(), title: "Run <1> & co").canvas()),
            ("confusion", ConfusionMatrixPlot(report: r).canvas()),
            ("roc", try ROCPlot(truth: [0, 0, 1, 1], probabilities: probs, classes: ["x", "y", "z"]).canvas()),
            ("comparison", ModelComparisonPlot(entries: [.init(name: "lowdepth", mean: 0.81, std: 0.03),
                                                         .init(name: "efficientnet-b0", mean: 0.88, std: 0.02),
                                                         .init(name: "sgan", mean: 0.9)],
                                               references: [.sganTransferRoboscope]).canvas()),
            ("grid", BudgetGridHeatMap(labelsPerClass: labels, poolSizes: pools, mean: mean,
                                       std: labels.map { _ in pools.map { _ in 0.02 } }).canvas()),
            ("sgan-losses", SGANLossPlot(epochs: epochs).canvas()),
        ]
    }

    func testSVGTextUnchanged() throws {
        let update = ProcessInfo.processInfo.environment["CELLPHASE_UPDATE_GOLDEN"] == "1"
        for (name, canvas) in try Self.canvases() {
            let svg = canvas.render()
            let url = Self.golden.appendingPathComponent("\(name).svg")
            if update { try AtomicFile.write(svg, to: url); continue }
            let expected = try String(contentsOf: url, encoding: .utf8)
            XCTAssertEqual(svg, expected, "\(name).svg differs from its golden file")
        }
    }
}

extension SVGCanvasTests {
    func testPrimitivesAreKeptStructured() throws {
        var panel = SVGCanvas(width: 10, height: 10, title: "panel")
        panel.polyline([(0, 0), (.nan, 1), (2, 2)], stroke: "#000", dash: "6 4")
        panel.text("µ ± σ", x: 1, y: 2, size: 9, anchor: "end", bold: true, rotate: -45)
        var c = SVGCanvas(width: 20, height: 20, title: "outer")
        c.embed(panel, dx: 3, dy: 4)
        XCTAssertEqual(c.elements.count, 1)
        guard case let .group(dx, dy, inner) = c.elements[0] else { return XCTFail("\(c.elements[0])") }
        XCTAssertEqual(dx, 3); XCTAssertEqual(dy, 4); XCTAssertEqual(inner.count, 2)
        guard case let .polyline(points, _, width, dash, _, _) = inner[0] else { return XCTFail("\(inner[0])") }
        XCTAssertEqual(points.count, 2, "the non-finite point is dropped"); XCTAssertEqual(width, 2); XCTAssertEqual(dash, "6 4")
        guard case let .text(s, _, _, size, anchor, _, bold, rotate, _) = inner[1] else { return XCTFail("\(inner[1])") }
        XCTAssertEqual(s, "µ ± σ"); XCTAssertEqual(size, 9); XCTAssertEqual(anchor, "end"); XCTAssertTrue(bold); XCTAssertEqual(rotate, -45)
        XCTAssertEqual(CanvasElement.dashLengths("6 4"), [6, 4]); XCTAssertEqual(CanvasElement.dashLengths("2,3"), [2, 3])
        XCTAssertEqual(CanvasElement.dashLengths(nil), [])
        XCTAssertTrue(c.render().contains("<g transform=\"translate(3 4)\">\n<polyline points=\"0,0 2,2\""))
    }
}
