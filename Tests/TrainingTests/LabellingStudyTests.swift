import Datasets
import Foundation
@testable import Models
@testable import Training
import TestSupport
import XCTest

/// The simulated labelling loop (`LabellingStudy`): its budgets, a real run on synthetic nuclei over two folds (labels
/// grow by the round size, never twice the same crop, the first model shared, the same result for the same seed, a
/// model that learns), its refusals, and the files `cellphase labels simulate` writes.
final class LabellingStudyTests: XCTestCase {
    func testBudgetsRunFromTheInitialToTheFinalLabelsInRounds() throws {
        let paper = LabellingStudy()
        XCTAssertEqual(paper.budgets(classes: 7), [35, 105, 175, 245, 315, 385, 455, 525, 560])
        XCTAssertEqual(LabellingStudy(initialPerClass: 2, roundSize: 5, finalPerClass: 4).budgets(classes: 2), [4, 8])
        XCTAssertEqual(LabellingStudy(initialPerClass: 3, roundSize: 4, finalPerClass: 3).budgets(classes: 2), [6])
        // The same optimiser steps whatever the labels, within the epoch range.
        XCTAssertEqual(paper.epochs(labels: 560), 12)  // ⌈200·32 / 560⌉
        XCTAssertEqual(paper.epochs(labels: 35), 183)
        XCTAssertEqual(paper.epochs(labels: 1), 300)
        XCTAssertEqual(paper.epochs(labels: 100_000), 5)
    }

    func testRefusesSettingsThatCannotRun() throws {
        XCTAssertThrowsError(try LabellingStudy(initialPerClass: 5, finalPerClass: 4).validate(classes: 3)) {
            XCTAssertTrue("\($0.localizedDescription)".contains("≥ the initial"), "\($0)")
        }
        XCTAssertThrowsError(try LabellingStudy(roundSize: 0).validate(classes: 3))
        XCTAssertThrowsError(try LabellingStudy(strategies: []).validate(classes: 3))
        XCTAssertThrowsError(try LabellingStudy().validate(classes: 1))
        XCTAssertThrowsError(try LabellingStudy(architecture: "no-such-net").validate(classes: 3))
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 6, side: 32, root: dir)
        let folds: [(name: String, rows: [Int])] = [("a", Array(stride(from: 0, to: data.count, by: 2))), ("b", Array(stride(from: 1, to: data.count, by: 2)))]
        XCTAssertThrowsError(try LabellingStudy(finalPerClass: 80).run(data: data, folds: folds)) {
            XCTAssertTrue("\($0.localizedDescription)".contains("fold a"), "\($0)")
        }
        XCTAssertThrowsError(try LabellingStudy().run(data: data, folds: [folds[0]]))
    }

    func testRoundsAddPicksOfEachStrategyAndTheModelLearns() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 30, side: 32, root: dir.appendingPathComponent("images"))
        let folds: [(name: String, rows: [Int])] = [("a", Array(stride(from: 0, to: data.count, by: 2))), ("b", Array(stride(from: 1, to: data.count, by: 2)))]
        var study = LabellingStudy(architecture: "lowdepth", initialPerClass: 2, roundSize: 6, finalPerClass: 8, steps: 20, seed: 4)
        study.epochRange = 2...24
        var notes: [String] = []
        let result = try study.run(data: data, folds: folds) { notes.append($0) }
        XCTAssertEqual(result.budgets, [4, 10, 16])
        XCTAssertEqual(notes.count, 2 * (1 + 4 * 2), "one shared first model per fold, then every strategy's rounds")
        XCTAssertTrue(notes.last!.contains("left"), notes.last!)
        XCTAssertEqual(result.curves.count, 2 * 4)
        for fold in ["a", "b"] {
            let mine = result.curves.filter { $0.fold == fold }
            XCTAssertEqual(mine.map(\.strategy), LabellingStudy.Strategy.allCases)
            XCTAssertEqual(Set(mine.map { $0.points[0] }).count, 1, "the first round is shared")
            for c in mine {
                XCTAssertEqual(c.points.map(\.labels), [4, 10, 16])
                XCTAssertNil(c.points[0].picksMisclassified)
                for p in c.points.dropFirst() { XCTAssertTrue((0...1).contains(p.picksMisclassified ?? -1)) }
                for p in c.points { XCTAssertTrue((0...1).contains(p.accuracy) && p.seconds >= 0) }
            }
        }
        // Interphase and metaphase nuclei are easy: with 8 labels per class every strategy is well above chance.
        for s in result.summaries where s.labels == 16 { XCTAssertGreaterThan(s.accuracy.mean, 0.75, "\(s.strategy)") }
        XCTAssertEqual(result.summaries.count, 4 * 3)
        XCTAssertNil(result.summaries.first { $0.strategy == .random }?.pairedDifference)
        let margin = try XCTUnwrap(result.summaries.first { $0.strategy == .margin && $0.labels == 16 })
        let perFold = ["a", "b"].map { f in
            result.curves.first { $0.strategy == .margin && $0.fold == f }!.points[2].accuracy
                - result.curves.first { $0.strategy == .random && $0.fold == f }!.points[2].accuracy
        }
        XCTAssertEqual(margin.pairedDifference?.mean ?? .nan, (perFold[0] + perFold[1]) / 2, accuracy: 1e-12)

        // Same seed, same study.
        let again = try study.run(data: data, folds: folds)
        XCTAssertEqual(again.curves.map { $0.points.map(\.accuracy) }, result.curves.map { $0.points.map(\.accuracy) })

        // The files of `cellphase labels simulate`.
        let out = dir.appendingPathComponent("study")
        try result.write(to: out)
        let csv = try String(contentsOf: out.appendingPathComponent("study.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + 8 * 3)
        XCTAssertEqual(csv[0], "strategy,fold,labels,labels_per_class,accuracy,balanced_accuracy,picks_misclassified,seconds")
        let decoded = try JSONDecoder().decode(LabellingStudy.Result.self, from: Data(contentsOf: out.appendingPathComponent("study.json")))
        XCTAssertEqual(decoded.curves, result.curves)
        let svg = try XCTUnwrap(SVGInspector.parse(String(contentsOf: out.appendingPathComponent("figures/accuracy-vs-labels.svg"), encoding: .utf8)))
        XCTAssertEqual(svg.classes["curve"], 4, "one line per strategy")
        XCTAssertEqual(svg.classes["marker"], 4 * 3)
        XCTAssertEqual(svg.classes["reference"], 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("figures/accuracy-vs-labels.png").path))
        let text = result.text
        XCTAssertTrue(text.contains("margin") && text.contains("− random"), text)
        for s in ["margin", "entropy", "diverse"] {
            XCTAssertTrue(text.contains("\(s): reaches random's 16-label accuracy") || text.contains("\(s): does not reach"), text)
        }
    }

    func testWarmStartedRoundsFineTuneThePreviousModelAndDiverseUsesTheEmbedding() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 30, side: 32, root: dir.appendingPathComponent("images"))
        let folds: [(name: String, rows: [Int])] = [("a", Array(stride(from: 0, to: data.count, by: 2))), ("b", Array(stride(from: 1, to: data.count, by: 2)))]
        var study = LabellingStudy(architecture: "lowdepth", strategies: [.random, .diverse], initialPerClass: 2, roundSize: 6,
                                   finalPerClass: 8, steps: 20, seed: 4)
        study.epochRange = 2...24
        study.warmStart = true
        var notes: [String] = []
        let result = try study.run(data: data, folds: folds) { notes.append($0) }
        XCTAssertEqual(notes.count, 2 * (1 + 2 * 2))
        XCTAssertEqual(notes.filter { $0.contains("(fine-tuned)") }.count, 2 * 2 * 2, "every round after the shared first one")
        XCTAssertFalse(notes.first!.contains("fine-tuned"), notes.first!)
        XCTAssertEqual(result.warmStart, true)
        XCTAssertEqual(result.steps, 20)
        XCTAssertTrue(result.text.hasPrefix("each round: lowdepth, 20 steps, fine-tuning the previous round's model"), result.text)
        for s in result.summaries where s.labels == 16 { XCTAssertGreaterThan(s.accuracy.mean, 0.75, "\(s.strategy)") }
        let again = try study.run(data: data, folds: folds)
        XCTAssertEqual(again.curves.map { $0.points.map(\.accuracy) }, result.curves.map { $0.points.map(\.accuracy) })
        let decoded = try JSONDecoder().decode(LabellingStudy.Result.self, from: JSONEncoder().encode(result))
        XCTAssertEqual(decoded.warmStart, true)
    }

    func testLabelsToReachRandomFinalIsTheFirstBudgetAtItsAccuracy() {
        func point(_ n: Int, _ a: Double) -> LabellingStudy.Point {
            .init(labels: n, accuracy: a, balancedAccuracy: a, picksMisclassified: nil, seconds: 0)
        }
        let curves = [
            LabellingStudy.Curve(strategy: .random, fold: "a", points: [point(4, 0.5), point(8, 0.6), point(12, 0.7)]),
            LabellingStudy.Curve(strategy: .random, fold: "b", points: [point(4, 0.5), point(8, 0.6), point(12, 0.8)]),
            LabellingStudy.Curve(strategy: .margin, fold: "a", points: [point(4, 0.5), point(8, 0.75), point(12, 0.8)]),
            LabellingStudy.Curve(strategy: .margin, fold: "b", points: [point(4, 0.5), point(8, 0.75), point(12, 0.9)]),
            LabellingStudy.Curve(strategy: .entropy, fold: "a", points: [point(4, 0.5), point(8, 0.6), point(12, 0.7)]),
            LabellingStudy.Curve(strategy: .entropy, fold: "b", points: [point(4, 0.5), point(8, 0.6), point(12, 0.7)]),
        ]
        let summaries = LabellingStudy.summaries(curves, strategies: [.random, .margin, .entropy], budgets: [4, 8, 12], classes: 2)
        let result = LabellingStudy.Result(classes: ["I", "M"], budgets: [4, 8, 12], curves: curves, summaries: summaries, seconds: 1)
        XCTAssertEqual(result.labelsToReachRandomFinal(.margin), 8, "0.75 ≥ random's final 0.75")
        XCTAssertNil(result.labelsToReachRandomFinal(.entropy))
        XCTAssertEqual(result.labelsToReachRandomFinal(.random), 12)
        let d = summaries.first { $0.strategy == .margin && $0.labels == 12 }!.pairedDifference!
        XCTAssertEqual(d.mean, 0.1, accuracy: 1e-12)
        XCTAssertEqual(d.std ?? -1, 0, accuracy: 1e-12)
        XCTAssertTrue(result.text.contains("margin: reaches random's 12-label accuracy with 8 labels (67 %)"), result.text)
        XCTAssertTrue(result.text.contains("entropy: does not reach"), result.text)
    }
}
