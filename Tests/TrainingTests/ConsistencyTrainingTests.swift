import Datasets
import Engine
import Foundation
import Imaging
import NN
import TestSupport
import XCTest
@testable import Models
@testable import Training

/// FixMatch (`ConsistencyTraining`) through the supervised trainer: the loss of one step against its definition, the
/// pool's pace per epoch, a real few-label run on synthetic nuclei, and `semi train`'s budget being `sgan train`'s.
final class ConsistencyTrainingTests: XCTestCase {
    func testPassesRepeatTheLabelsSoAnEpochSeesThePool() {
        let c = ConsistencyTraining.fixMatch  // μ = 2
        XCTAssertEqual(c.passes(labelled: 448, unlabelled: 430, batchSize: 32), 1, "14 labelled batches cover 7 pool batches")
        XCTAssertEqual(c.passes(labelled: 90, unlabelled: 850, batchSize: 32), 5, "3 labelled batches, 14 pool batches")
        XCTAssertEqual(c.passes(labelled: 10, unlabelled: 0, batchSize: 32), 1)
    }

    func testStepLossIsTheLabelledMeanPlusTheConfidentPseudoLabelledSum() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 12, side: 32, root: dir)
        let model = try ModelRegistry.make(ModelConfig(architecture: "scnn", inputSide: 32, classes: 2), seed: 2)
        let labelled = try XCTUnwrap(BatchIterator(data, rows: Array(0..<6) + Array(12..<18), batchSize: 12, shuffle: false,
                                                   augmentation: .paper, seed: 1).next())
        let pool = Array(6..<12) + Array(18..<24)
        let weak = try XCTUnwrap(BatchIterator(data, rows: pool, batchSize: 12, shuffle: false, augmentation: .paper, seed: 2).next())
        let strong = try XCTUnwrap(BatchIterator(data, rows: pool, batchSize: 12, shuffle: false, augmentation: .strong, seed: 3).next())
        XCTAssertNotEqual(weak.data, strong.data, "the two views differ")
        let classWeights: [Float] = [0.5, 2]
        var mean: [Double]?
        for (threshold, weight) in [(1.01, 1.0), (0.0, 1.0), (0.0, 0.0), (0.0, 2.5)] {
            let c = ConsistencyTraining(threshold: threshold, weight: weight)
            let s = c.step(model, labelled: labelled, weak: weak, strong: strong, classWeights: classWeights, tape: Tape(), weakSeed: 9,
                            poolMean: &mean)
            let expectedConfident = threshold > 1 ? 0 : pool.count
            XCTAssertEqual(s.counts.confident, expectedConfident)
            XCTAssertEqual(s.counts.unlabelled, pool.count)
            XCTAssertEqual(s.counts.known, expectedConfident, "the pool's labels are known here")
            XCTAssertEqual(s.logits.shape[0], labelled.labels.count + expectedConfident, "only confident strong views are trained on")
            // By definition, from the returned logits: class-weighted mean over the labelled rows, plus weight / |pool|
            // times the summed cross-entropy of the confident rows against their pseudo-labels.
            let z = s.logits.value.rowArrays()
            func ce(_ row: [Float], _ y: Int) -> Double {
                let m = Double(row.max()!)
                return log(row.reduce(0.0) { $0 + exp(Double($1) - m) }) + m - Double(row[y])
            }
            let w = labelled.labels.map { Double(classWeights[$0]) }
            var want = zip(labelled.labels.indices, w).reduce(0.0) { $0 + $1.1 * ce(z[$1.0], labelled.labels[$1.0]) } / w.reduce(0, +)
            for (j, y) in s.counts.pseudoLabels.enumerated() { want += weight / Double(pool.count) * ce(z[labelled.labels.count + j], y) }
            XCTAssertEqual(Double(s.loss.value.scalar), want, accuracy: 1e-4 * max(1, want), "threshold \(threshold), weight \(weight)")
        }
    }

    func testAlignmentEvensOutTheClassesTheModelFavours() {
        // Two rows that favour class 0: after alignment with the batch's own mean (no history) the mean over rows is
        // pulled toward uniform, every row stays a distribution, and the ranking within a row follows the scale.
        var p: [Float] = [0.9, 0.1, 0.6, 0.4]
        var mean: [Double]?
        ConsistencyTraining.align(&p, classes: 2, poolMean: &mean)
        XCTAssertEqual(mean?[0] ?? 0, 0.75, accuracy: 1e-9)
        XCTAssertEqual(p[0] + p[1], 1, accuracy: 1e-6); XCTAssertEqual(p[2] + p[3], 1, accuracy: 1e-6)
        // Row 0: 0.9/0.75 : 0.1/0.25 = 1.2 : 0.4 → 0.75, 0.25; row 1: 0.8 : 1.6 → 1/3, 2/3.
        XCTAssertEqual(p[0], 0.75, accuracy: 1e-6); XCTAssertEqual(p[2], 1.0 / 3, accuracy: 1e-6)
        XCTAssertEqual((p[0] + p[2]) / 2, 0.5417, accuracy: 1e-3, "closer to uniform than 0.75")
        // The running mean moves by 5 % toward the next batch.
        var q: [Float] = [0.5, 0.5]
        ConsistencyTraining.align(&q, classes: 2, poolMean: &mean)
        XCTAssertEqual(mean?[0] ?? 0, 0.95 * 0.75 + 0.05 * 0.5, accuracy: 1e-9)
    }

    func testFewLabelsWithAPoolLearnAndAreRepeatable() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 48, side: 32, root: dir)
        let folds = Experiment.folds(for: data, k: 2, seed: 1)
        let budget = SGANExperiment.BudgetSpec(labelsPerClass: 10)
        var o = SupervisedTrainer.Options()
        o.epochs = 6; o.seed = 4; o.earlyStopping = nil; o.schedule = .constant
        o.consistency = ConsistencyTraining(threshold: 0.8, alignment: true)
        func run() throws -> (CrossValidationSummary, [Experiment.FoldResult], [String]) {
            var kept: [String] = []
            let (summary, results) = try Experiment.crossValidate(architecture: "scnn", data: data, folds: folds, options: o,
                                                                  budget: budget, inferenceLevers: false,
                                                                  keepModel: { _, config, _, fold in kept.append("\(fold.name) \(config.architecture)") })
            return (summary, results, kept)
        }
        let (summary, results, kept) = try run()
        XCTAssertEqual(kept, folds.map { "\($0.name) scnn" }, "every fold's model is handed over")
        for (i, r) in results.enumerated() {
            // The budget is `Budget.forFold`'s for this fold's seed: what `sgan train` draws for the same fold and seed.
            let train = folds.enumerated().filter { $0.offset != i }.flatMap(\.element.rows)
            let b = try Budget.forFold(labels: data.labels, classNames: data.dataset.classes, trainRows: train, perClass: 10,
                                       unlabelled: nil, stratifiedPool: false, seed: Experiment.foldSeed(o.seed, fold: i))
            XCTAssertEqual([r.trainCount, r.validationCount, r.unlabelledCount], [b.labelled.count, b.validation.count, b.unlabelled.count])
            XCTAssertEqual(r.trainCount + r.validationCount, 20)
            XCTAssertEqual(r.unlabelledCount, train.count - 20)
            let last = try XCTUnwrap(r.history.last)
            let confident = try XCTUnwrap(last.confidentFraction, "consistency epochs record the confident share")
            XCTAssertGreaterThan(confident, 0.3, "the model grows confident on the pool")
            XCTAssertGreaterThan(try XCTUnwrap(last.pseudoLabelAccuracy), 0.7, "most pseudo-labels right (2 classes; aligned)")
            XCTAssertEqual(r.history.count, 6)
        }
        XCTAssertGreaterThan(summary.accuracy.mean, 0.8, "synthetic interphase vs metaphase from 8 labels per class and the pool")
        let again = try run()
        XCTAssertEqual(again.1.map(\.report.accuracy), results.map(\.report.accuracy), "same seed, same result")
        XCTAssertEqual(again.1.map { $0.history.map(\.trainLoss) }, results.map { $0.history.map(\.trainLoss) })
    }
}
