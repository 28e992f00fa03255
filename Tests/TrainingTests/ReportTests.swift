import Foundation
import Imaging
@testable import Models
@testable import Plot
import TestSupport
@testable import Training
import Support
import XCTest

/// HTML report and training log: sections present, self-contained, written atomically.
final class ReportTests: XCTestCase {
    func testHTMLReportIsSelfContainedWithAllSections() throws {
        let probs: [[Float]] = [[0.7, 0.2, 0.1], [0.4, 0.4, 0.2], [0.3, 0.6, 0.1],
                                [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.1, 0.5, 0.4]]
        let truth = [0, 0, 1, 1, 2, 2], classes = ["G1 <early>", "mitosis", "junk"]
        let report = try EvaluationReport(truth: truth, probabilities: probs, classes: classes)
        let curves = try ROCCurve.oneVsRest(truth: truth, probabilities: probs, classCount: 3)
        let folds = try [EvaluationReport(truth: [0, 1, 2], predicted: [0, 1, 1], classes: classes),
                         EvaluationReport(truth: [0, 1, 2], predicted: [0, 1, 2], classes: classes)]
        let dir = try temporaryFolder(self)
        let url = dir.appendingPathComponent("report.html")
        let recs = (1...5).map { (e: Int) -> EpochRecord in
            let d = Double(e)
            return EpochRecord(epoch: e, trainLoss: 1 / d, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.4 + 0.1 * d,
                               learningRate: 1e-3, seconds: 2)
        }
        try HTMLReport(title: "lowdepth & friends")
            .addDataSummary(classCounts: [("G1 <early>", 10), ("mitosis", 5), ("junk", 5)], note: "synthetic")
            .addSettings([("model", "lowdepth"), ("input size", "64")])
            .addMetrics(report, rocCurves: curves)
            .addTrainingCurves(recs)
            .addCrossValidation(CrossValidationSummary(folds: folds))
            .addNotes("First paragraph.\n\nSecond <b>paragraph</b>.")
            .write(to: url)
        let html = try String(contentsOf: url, encoding: .utf8)
        for heading in ["Data", "Model and settings", "Test metrics", "Confusion matrix", "ROC", "Training curves", "Cross-validation", "Notes"] {
            XCTAssertTrue(html.contains("<h2>\(heading)</h2>"), "missing section \(heading)")
        }
        XCTAssertFalse(html.contains("http"), "no external references")
        XCTAssertFalse(html.contains("<script") || html.contains("<link") || html.contains("src="))
        XCTAssertTrue(html.contains("<style>"))
        XCTAssertTrue(html.contains("G1 &lt;early&gt;")); XCTAssertFalse(html.contains("<early>"))
        XCTAssertTrue(html.contains("Second &lt;b&gt;paragraph&lt;/b&gt;."))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 4, "confusion, ROC, curves, CV confusion")
        XCTAssertTrue(html.contains("Macro average")); XCTAssertTrue(html.contains("Weighted average"))
        XCTAssertTrue(html.contains("<td>lowdepth</td>"))
        XCTAssertTrue(html.contains("best validation accuracy 90.00 % at epoch 5"))
        // CV: accuracies 2/3 and 1 → mean 83.33 %.
        XCTAssertTrue(html.contains("83.33 %"))
        // The report and its figures as SVG and PNG; no temporary file left behind.
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), ["report.html", "figures"])
        let names = ["confusion-matrix", "roc", "training-curves", "cross-validation-confusion-matrix"]
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("figures").path)),
                       Set(names.flatMap { ["\($0).svg", "\($0).png"] }))
        for name in names {
            let svg = try String(contentsOf: dir.appendingPathComponent("figures/\(name).svg"), encoding: .utf8)
            XCTAssertTrue(html.contains(svg.replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: "")
                .trimmingCharacters(in: .newlines)), "\(name).svg is the figure inlined in the page")
            let png = try PNGCodec.read(dir.appendingPathComponent("figures/\(name).png"))
            XCTAssertEqual(png.channels, 3, name)
            XCTAssertGreaterThan(png.width, 300, name)
        }
    }

    func testFigureFilesAreNamedAfterTheirTitlesAndUnique() throws {
        let plot = ModelComparisonPlot(entries: [.init(name: "lowdepth", mean: 0.8, std: 0.05)])
        let report = HTMLReport(title: "figures")
            .addFigure(title: "GAN losses — fold 1 (µ ± σ)", canvas: plot.canvas())
            .addFigure(title: "Model comparison", canvas: plot.canvas())
            .addFigure(title: "Model comparison", canvas: plot.canvas())
            .addFigure(title: "inline only", svg: plot.svg())
        XCTAssertEqual(report.figures.map(\.name), ["gan-losses-fold-1", "model-comparison", "model-comparison-2"])
        XCTAssertEqual(HTMLReport.slug("—"), "figure")
        let dir = try temporaryFolder(self)
        try report.write(to: dir.appendingPathComponent("report.html"))
        let png = try PNGCodec.read(dir.appendingPathComponent("figures/model-comparison-2.png"))
        XCTAssertEqual(png.width, Int(plot.canvas().width.rounded(.up)))
        XCTAssertEqual(png.height, Int(plot.canvas().height.rounded(.up)))
    }

    func testTrainingLogAppendsJSONLinesAndArray() throws {
        let dir = try temporaryFolder(self)
        let recs = [EpochRecord(epoch: 1, trainLoss: 1.5, trainAccuracy: 0.4, valLoss: 1.6, valAccuracy: 0.35, learningRate: 1e-3, seconds: 3.25),
                    EpochRecord(epoch: 2, trainLoss: .nan, trainAccuracy: 0.5, learningRate: 5e-4, seconds: 3)]
        let lines = TrainingLog(url: dir.appendingPathComponent("log.jsonl"))
        XCTAssertEqual(try lines.read(), [])
        for r in recs { try lines.append(r) }
        let text = try String(contentsOf: lines.url, encoding: .utf8)
        let rows = text.split(separator: "\n")
        XCTAssertEqual(rows.count, 2)
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(rows[0].utf8)) as? [String: Any])
        XCTAssertEqual(Set(first.keys), ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "learning_rate", "seconds"])
        XCTAssertEqual(first["seconds"] as? Double, 3.25)
        XCTAssertEqual(first["val_accuracy"] as? Double, 0.35)
        let second = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(rows[1].utf8)) as? [String: Any])
        XCTAssertTrue(second["val_loss"] is NSNull); XCTAssertTrue(second["train_loss"] is NSNull, "NaN loss → null")
        let back = try lines.read()
        XCTAssertEqual(back.count, 2); XCTAssertEqual(back[0], recs[0]); XCTAssertTrue(back[1].trainLoss.isNaN)

        let array = TrainingLog(url: dir.appendingPathComponent("log.json"), format: .jsonArray)
        try array.append(recs[0]); try array.append(recs[0])
        let arr = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: array.url)) as? [[String: Any]])
        XCTAssertEqual(arr.count, 2)
        XCTAssertEqual(try array.read(), [recs[0], recs[0]])
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), ["log.jsonl", "log.json"])

        try "garbage\n".write(to: dir.appendingPathComponent("bad.jsonl"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainingLog(url: dir.appendingPathComponent("bad.jsonl")).read())
    }
}

final class RunReportContentsTests: XCTestCase {
    func testOnlyPresentPartsBecomeSections() throws {
        var c = RunReportContents(title: "grid")
        c.budgetGrid = BudgetGridHeatMap(labelsPerClass: [20, 80], poolSizes: [100, 600], mean: [[0.7, nil], [0.85, 0.9]])
        c.comparison = ModelComparisonPlot(entries: [.init(name: "a", mean: 0.8, std: 0.01)], references: [.sganTransferRoboscope])
        c.notes = "done"
        let html = c.htmlReport().render()
        XCTAssertTrue(html.contains("<h2>Label budget grid</h2>")); XCTAssertTrue(html.contains("<h2>Model comparison</h2>"))
        XCTAssertTrue(html.contains("<h2>Notes</h2>"))
        XCTAssertFalse(html.contains("<h2>Test metrics</h2>")); XCTAssertFalse(html.contains("<h2>Data</h2>"))
        XCTAssertFalse(html.contains("http"))
        XCTAssertEqual(html.components(separatedBy: "class=\"cell").count - 1, 4)
        XCTAssertEqual(c.htmlReport().figures.map(\.name), ["model-comparison", "label-budget-grid"], "written as SVG and PNG too")
    }
}
