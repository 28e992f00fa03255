import Foundation
import RunRegistry
import TestSupport
import XCTest
@testable import Training

/// Label-budget curves from a real registry file: one method per kind and model, the budget from the key, mean ± std
/// over the finished folds only, and groups that cannot make a curve refused by name.
final class BudgetCurvesTests: XCTestCase {
    func testCurvesComeFromTheFinishedFoldsOfEachGroup() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try RunRegistry(url: dir.appendingPathComponent("runs.sqlite"))
        func record(_ kind: String, _ key: String, _ group: String, _ accuracy: Double?, seconds: Double = 10) throws {
            let id = try registry.begin(kind: kind, key: key, group: group, configJSON: "{}", seed: 1)
            if let accuracy { try registry.finish(run: id, accuracy: accuracy, seconds: seconds) } else { try registry.fail(run: id, message: "stopped") }
        }
        for (fold, a) in [("cv1", 0.70), ("cv2", 0.80), ("cv3", 0.75)] {
            try record("semi", "resnet18/l20-uall/\(fold)", "semi:a", a)
            try record("semi-baseline", "resnet18/l20-uall/\(fold)", "base:a", a - 0.05)
            try record("semi", "resnet18/l80-uall/\(fold)", "semi:b", a + 0.1)
            try record("baseline", "baseline/l80-uall/\(fold)", "sgan:b", 0.6)
        }
        try record("semi", "resnet18/l80-uall/cv4", "semi:b", nil)  // an unfinished fold does not count
        let curves = try BudgetCurves(groups: try ["semi:a", "base:a", "semi:b", "sgan:b"].map { ($0, nil, try registry.runs(group: $0)) })
        XCTAssertEqual(curves.cells.map(\.method), ["baseline", "semi resnet18", "semi resnet18", "semi-baseline resnet18"])
        XCTAssertEqual(curves.cells.map(\.labelsPerClass), [80, 20, 80, 20])
        let semi20 = curves.cells[1]
        XCTAssertEqual(semi20.mean, 0.75, accuracy: 1e-12)
        XCTAssertEqual(semi20.std ?? 0, 0.05, accuracy: 1e-12)
        XCTAssertEqual(semi20.folds.map(\.name), ["cv1", "cv2", "cv3"])
        XCTAssertEqual(semi20.seconds, 30)
        XCTAssertEqual(curves.cells[2].folds.count, 3, "the failed fold is left out")
        XCTAssertTrue(curves.markdown.contains("| semi resnet18 | 20 | 75.0 ± 5.0 % | 70.0, 80.0, 75.0 | 30 |"), curves.markdown)
        let plot = curves.plot(reference: ("all labels", 0.8))
        XCTAssertEqual(plot.series.map(\.name), ["baseline", "semi resnet18", "semi-baseline resnet18"])
        XCTAssertEqual(plot.series[1].points.map(\.labelsPerClass), [20, 80])
        XCTAssertTrue(plot.svg().contains("all labels"))

        XCTAssertThrowsError(try BudgetCurves(groups: [("semi:a", nil, try registry.runs(group: "semi:a")), ("again", nil, try registry.runs(group: "semi:a"))])) {
            XCTAssertEqual($0 as? BudgetCurvesError, .twice(method: "semi resnet18", labelsPerClass: 20, groups: ["semi:a", "again"]))
        }
        // Named, two variants of one method make two lines.
        let named = try BudgetCurves(groups: [("semi:a", nil, try registry.runs(group: "semi:a")), ("semi:a", "variant", try registry.runs(group: "semi:a"))])
        XCTAssertEqual(named.cells.map(\.method), ["semi resnet18", "variant"])
        XCTAssertThrowsError(try BudgetCurves(groups: [("none", nil, [])])) { XCTAssertEqual($0 as? BudgetCurvesError, .noFinishedRuns(group: "none")) }
        try record("cv", "resnet18/cv1", "cv:x", 0.8)
        XCTAssertThrowsError(try BudgetCurves(groups: [("cv:x", nil, try registry.runs(group: "cv:x"))])) {
            XCTAssertEqual($0 as? BudgetCurvesError, .noBudget(group: "cv:x", key: "resnet18/cv1"))
        }
    }
}
