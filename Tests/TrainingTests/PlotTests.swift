import Foundation
import Imaging
@testable import Models
@testable import Plot
@testable import Training
import TestSupport
import Support
import XCTest

/// The SVG plots are well-formed XML and draw the expected number of bars, cells and curves.
final class PlotTests: XCTestCase {
    static func records() -> [EpochRecord] {
        (1...12).map { (e: Int) -> EpochRecord in
            let d = Double(e)
            let vl: Double? = e == 3 ? nil : 2.2 / d
            let va: Double? = e == 3 ? nil : 1 - 0.6 / d
            return EpochRecord(epoch: e, trainLoss: 2 / d, trainAccuracy: 1 - 0.5 / d,
                               valLoss: vl, valAccuracy: va, learningRate: 1e-3, seconds: 1.5)
        }
    }

    func testTrainingCurvesHaveTwoPanelsWithTrainAndValidation() throws {
        let svg = TrainingCurvesPlot(records: Self.records(), title: "Run <1> & co").svg()
        let x = try XCTUnwrap(SVGInspector.parse(svg))
        XCTAssertEqual(x.classes["curve"], 4, "train + validation in loss and accuracy panels")
        XCTAssertEqual(x.classes["frame"], 2)
        XCTAssertTrue(x.texts.contains("Epoch")); XCTAssertTrue(x.texts.contains("Run <1> & co"))
        XCTAssertTrue(x.texts.contains("train")); XCTAssertTrue(x.texts.contains("validation"))
        XCTAssertTrue(x.texts.contains("100%"), "accuracy axis in percent")
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf"))
        // Training-only log: one curve per panel.
        let trainOnly = Self.records().map { var r = $0; r.valLoss = nil; r.valAccuracy = nil; return r }
        XCTAssertEqual(SVGInspector.parse(TrainingCurvesPlot(records: trainOnly).svg())?.classes["curve"], 2)
    }

    func testConfusionMatrixHasOneCellPerPair() throws {
        let r = try EvaluationReport(truth: MetricFixtures.truth, predicted: MetricFixtures.predicted, classes: MetricFixtures.classes)
        let svg = ConfusionMatrixPlot(report: r).svg()
        let x = try XCTUnwrap(SVGInspector.parse(svg))
        XCTAssertEqual(x.classes["cell"], 16)
        XCTAssertTrue(x.texts.contains("75%"), "row percentage of A→A")
        XCTAssertTrue(x.texts.contains("Predicted class")); XCTAssertTrue(x.texts.contains("True class"))
        // Counts appear: 3 (A→A) and 2 (B→B, C→A).
        XCTAssertEqual(x.texts.filter { $0 == "3" }.count, 1)
        XCTAssertEqual(x.texts.filter { $0 == "2" }.count, 2)
    }

    func testROCPlotHasOneCurvePerDefinedClassAndDiagonal() throws {
        let probs: [[Float]] = [[0.7, 0.2, 0.1], [0.4, 0.4, 0.2], [0.3, 0.6, 0.1], [0.5, 0.3, 0.2]]
        // Class z absent from the truth → no curve, listed as n/a.
        let plot = try ROCPlot(truth: [0, 0, 1, 1], probabilities: probs, classes: ["x", "y", "z"])
        let x = try XCTUnwrap(SVGInspector.parse(plot.svg()))
        XCTAssertEqual(x.classes["curve"], 2)
        XCTAssertEqual(x.classes["diagonal"], 1)
        XCTAssertEqual(x.classes["legend-key"], 3)
        // x: positives {0.7, 0.4} vs negatives {0.3, 0.5} → 3 of 4 pairs; y: {0.6, 0.3} vs {0.2, 0.4} → 3 of 4.
        XCTAssertTrue(x.texts.contains("x (AUC 0.750)"), "\(x.texts)")
        XCTAssertTrue(x.texts.contains("y (AUC 0.750)"), "\(x.texts)")
        XCTAssertTrue(x.texts.contains("z (n/a)"))
    }

    /// A reliability diagram: one line per series through the occupied bins, the diagonal, one share bar per occupied
    /// bin, each series' ECE in the legend.
    func testReliabilityPlotLinesBarsAndECE() throws {
        // Confidences 0.95 (right 1 of 2) and 0.65 (right 2 of 2): bins 14 and 9; ECE = ½·0.45 + ½·0.35 = 0.4.
        let probs: [[Float]] = [[0.95, 0.05], [0.95, 0.05], [0.35, 0.65], [0.65, 0.35]]
        let truth = [0, 1, 1, 0]
        let raw = ReliabilityPlot.Series(name: "soft-max", probabilities: probs, labels: truth)
        XCTAssertEqual(raw.ece, 0.4, accuracy: 1e-6)
        let soft = ReliabilityPlot.Series(name: "T = 2", probabilities: probs.map { Calibration.scaled($0, temperature: 2) }, labels: truth)
        let x = try XCTUnwrap(SVGInspector.parse(ReliabilityPlot(series: [raw, soft]).svg()))
        XCTAssertEqual(x.classes["curve"], 2)
        XCTAssertEqual(x.classes["diagonal"], 1)
        XCTAssertEqual(x.classes["legend-key"], 3)
        XCTAssertTrue(x.texts.contains("soft-max (ECE 0.400)"), "\(x.texts)")
        XCTAssertTrue(x.texts.contains(String(format: "T = 2 (ECE %.3f)", soft.ece)), "\(x.texts)")
        XCTAssertLessThan(soft.ece, raw.ece)
    }

    func testModelComparisonBarsErrorBarsAndReference() throws {
        let plot = ModelComparisonPlot(entries: [.init(name: "lowdepth", mean: 0.81, std: 0.03),
                                                 .init(name: "efficientnet-b0", mean: 0.88, std: 0.02),
                                                 .init(name: "sgan", mean: 0.9)],
                                       references: [.sganTransferRoboscope])
        let x = try XCTUnwrap(SVGInspector.parse(plot.svg()))
        XCTAssertEqual(x.classes["bar"], 3)
        XCTAssertEqual(x.classes["errorbar"], 2, "no error bar without a std")
        XCTAssertEqual(x.classes["reference"], 1)
        XCTAssertTrue(x.texts.contains("SGAN paper transfer learning 92.41 %"))
        XCTAssertTrue(x.texts.contains("88%"))
    }

    func testLabelBudgetCurvesLinesErrorBarsAndReference() throws {
        let plot = LabelBudgetPlot(series: [
            .init(name: "random", points: [(5, 0.40, 0.05), (15, 0.55, 0.04), (25, 0.62, nil)]),
            .init(name: "margin", points: [(25, 0.70, 0.02), (5, 0.40, 0.05), (15, 0.60, 0.03)]),
            .init(name: "empty", points: []),
        ], reference: ("random at 25 per class", 0.62))
        let x = try XCTUnwrap(SVGInspector.parse(plot.svg()))
        XCTAssertEqual(x.classes["curve"], 2, "no line for a series without points")
        XCTAssertEqual(x.classes["marker"], 6)
        XCTAssertEqual(x.classes["errorbar"], 3 * 5, "three segments per bar, none without a std")
        XCTAssertEqual(x.classes["reference"], 1)
        XCTAssertTrue(x.texts.contains("Labels per class"))
        XCTAssertTrue(x.texts.contains("random at 25 per class"))
        XCTAssertFalse(x.texts.contains("empty"), "no legend entry without a line")
    }

    func testBudgetGridHeatMapCells() throws {
        let labels = [20, 40, 60, 80], pools = [100, 185, 200, 300, 400, 500, 600]
        var mean: [[Double?]] = labels.map { l in pools.map { p in 0.6 + Double(l) / 400 + Double(p) / 10000 } }
        mean[0][6] = nil   // a cell the data could not supply
        let plot = BudgetGridHeatMap(labelsPerClass: labels, poolSizes: pools, mean: mean,
                                     std: labels.map { _ in pools.map { _ in 0.02 } })
        let x = try XCTUnwrap(SVGInspector.parse(plot.svg()))
        XCTAssertEqual(x.classes["cell"], 28, "the paper's 28 configurations")
        XCTAssertEqual(x.classes["missing"], 1)
        XCTAssertTrue(x.texts.contains("n/a"))
        XCTAssertTrue(x.texts.contains("86.0%"), "80 labels, pool 600 → 0.6 + 0.2 + 0.06")
        XCTAssertTrue(x.texts.contains("Unlabelled pool size"))
    }

    func testScaleTicksAndNumberFormat() {
        assertClose(LinearScale(domain: 0...1, range: (0, 100)).ticks(5), [0, 0.2, 0.4, 0.6, 0.8, 1.0].map { $0 }, accuracy: 1e-12)
        XCTAssertEqual(LinearScale(domain: 0...1, range: (300, 0))(0.25), 225)
        XCTAssertEqual(SVGCanvas.num(92.4100001), "92.41")
        XCTAssertEqual(SVGCanvas.num(3), "3")
        XCTAssertEqual(SVGCanvas.num(.nan), "0")
        XCTAssertEqual(SVGCanvas.escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;")
        XCTAssertEqual(Palette.sequential(0), "#440154")
        XCTAssertEqual(Palette.sequential(1), "#fde725")
    }
}

func assertClose(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(a) vs \(b)", file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}

/// Every plot of the reports drawn from realistic inputs and written as SVG and PNG — into `$CELLPHASE_PLOT_DIR` when
/// set (to look at them), else a temporary folder — and checked: both files of each figure exist, the PNG has the
/// canvas size, the SVG is well-formed and names what it draws, and the confusion matrix of a good classifier puts
/// most images on its diagonal.
final class PlotGallery: XCTestCase {
    func testGalleryIsDrawnAndWritten() throws {
        let out = try ProcessInfo.processInfo.environment["CELLPHASE_PLOT_DIR"].map { URL(fileURLWithPath: $0) } ?? temporaryFolder(self)
        var rng = SeededGenerator(seed: 7)
        let classes = ["A", "G2", "M", "PM", "P", "T", "J"]
        var truth: [Int] = [], probs: [[Float]] = []
        for i in 0..<350 {
            let t = i % 7
            var row = (0..<7).map { _ in Float(rng.unit()) }
            row[t] += 1.6 * Float(rng.unit())
            let s = row.reduce(0, +)
            truth.append(t); probs.append(row.map { $0 / s })
        }
        let r = try EvaluationReport(truth: truth, probabilities: probs, classes: classes)
        let diagonal = (0..<7).map { r.confusion[$0][$0] }.reduce(0, +)
        XCTAssertGreaterThan(diagonal, 350 / 2, "the biased probabilities make a mostly-diagonal confusion matrix")
        let labels = [20, 40, 60, 80], pools = [100, 185, 200, 300, 400, 500, 600]
        var mean: [[Double?]] = labels.map { l in pools.map { q in 0.6 + Double(l) / 400 + Double(q) / 10000 } }
        mean[0][6] = nil
        let figures: [(String, SVGCanvas, [String])] = [
            ("curves", TrainingCurvesPlot(records: PlotTests.records()).canvas(), ["Epoch", "Accuracy"]),
            ("confusion", ConfusionMatrixPlot(report: r).canvas(), ["Confusion matrix", "G2", "Predicted class"]),
            ("roc", try ROCPlot(truth: truth, probabilities: probs, classes: classes).canvas(), ["PM"]),
            ("reliability", ReliabilityPlot(series: [.init(name: "soft-max", probabilities: probs, labels: truth)]).canvas(),
             ["Confidence", "ECE"]),
            ("comparison", ModelComparisonPlot(entries: [.init(name: "lowdepth", mean: 0.81, std: 0.03),
                                                         .init(name: "effnet-b0", mean: 0.88, std: 0.02),
                                                         .init(name: "sgan", mean: 0.9)], references: [.sganTransferRoboscope]).canvas(),
             ["lowdepth", "effnet-b0"]),
            ("grid", BudgetGridHeatMap(labelsPerClass: labels, poolSizes: pools, mean: mean,
                                       std: labels.map { _ in pools.map { _ in 0.02 } }).canvas(), ["185"]),
        ]
        for (name, canvas, words) in figures {
            let svgURL = out.appendingPathComponent("\(name).svg")
            try canvas.writeSVGAndPNG(to: svgURL)
            let svg = try String(contentsOf: svgURL, encoding: .utf8)
            let parsed = try XCTUnwrap(SVGInspector.parse(svg), name)
            for w in words { XCTAssertTrue(parsed.texts.contains { $0.contains(w) }, "\(name): no text '\(w)'") }
            let png = try PNGCodec.read(out.appendingPathComponent("\(name).png"))
            XCTAssertEqual(png.width, Int(canvas.width.rounded(.up)), name)
            XCTAssertEqual(png.height, Int(canvas.height.rounded(.up)), name)
            XCTAssertTrue(png.pixels.contains { $0 < 100 }, "\(name).png has dark ink")
        }
    }
}
