import Datasets
import Foundation
import Labelling
import Models
import NN
import Support

/// The simulated labelling loop that tells whether choosing crops pays (`cellphase labels simulate`): on each test
/// fold, start from a few labels per class drawn at random from the other folds, then add labels in rounds — picked
/// by a `LabelSuggestion` strategy from the model's probabilities on the still-unlabelled crops, or at random —
/// retrain (from scratch, or — `warmStart` — fine-tuning the previous round's model) and test on the held-out fold
/// after every round. The diverse strategy spreads its picks over the model's embedding (`EmbeddingModel`). The true labels of the picks stand in for
/// the labeller. The premise is the SGAN paper's (*Semi supervised GAN for smart microscopy, fast and data efficient
/// cell cycle classification*, section 1 and Figure 5: a few labels per class); the budgets default to its 5 → 80 per class.
///
/// Every retraining takes the same number of optimiser steps whatever the number of labels (`steps`, within
/// `epochRange`), so a round with more labels is not also a longer training; the first round's model is shared by
/// every strategy (same labels, same seed).
public struct LabellingStudy: Sendable {
    /// How a round's picks are chosen.
    public enum Strategy: String, Sendable, CaseIterable, Codable {
        case random, margin, entropy, diverse

        /// The suggestion strategy behind it (nil: random).
        public var suggestion: LabelSuggestion.Strategy? {
            switch self {
            case .random: nil
            case .margin: .margin
            case .entropy: .entropy
            case .diverse: .diverse
            }
        }
    }

    public var architecture: String
    public var strategies: [Strategy]
    public var initialPerClass: Int
    public var roundSize: Int
    public var finalPerClass: Int
    /// Optimiser steps of each retraining (batch `batchSize`), turned into epochs within `epochRange`.
    public var steps: Int
    public var epochRange: ClosedRange<Int> = 5...300
    public var batchSize = 32
    public var learningRate: Float = 1e-3
    /// Each round after the first fine-tunes the strategy's previous model (same steps, a fresh optimiser and
    /// cosine schedule) instead of training a new one, so a chain of rounds accumulates training as the labels grow.
    public var warmStart = false
    public var seed: UInt64

    public init(architecture: String = "lowdepth", strategies: [Strategy] = Strategy.allCases, initialPerClass: Int = 5,
                roundSize: Int = 70, finalPerClass: Int = 80, steps: Int = 200, seed: UInt64 = 1) {
        self.architecture = architecture; self.strategies = strategies; self.initialPerClass = initialPerClass
        self.roundSize = roundSize; self.finalPerClass = finalPerClass; self.steps = steps; self.seed = seed
    }

    /// One test after a round: labels so far and the held-out fold's figures.
    public struct Point: Sendable, Codable, Hashable {
        public var labels: Int
        public var accuracy: Double
        public var balancedAccuracy: Double
        /// The share of the round's picks (after the first round) whose class the model had called wrong.
        public var picksMisclassified: Double?
        public var seconds: Double
    }

    /// One strategy on one fold.
    public struct Curve: Sendable, Codable, Hashable {
        public var strategy: Strategy
        public var fold: String
        public var points: [Point]
    }

    /// Mean ± std over folds of one strategy at one budget.
    public struct Summary: Sendable, Codable, Hashable {
        public var strategy: Strategy
        public var labels: Int
        public var labelsPerClass: Double
        public var accuracy: SummaryStatistic
        public var balancedAccuracy: SummaryStatistic
        /// Accuracy minus random's at the same budget, mean ± std of the per-fold differences (nil for random).
        public var pairedDifference: SummaryStatistic?
    }

    /// What a study found.
    public struct Result: Sendable, Codable {
        public var classes: [String]
        public var budgets: [Int]
        public var curves: [Curve]
        public var summaries: [Summary]
        public var seconds: Double
        /// How each round retrained: the architecture, its optimiser steps, and whether it fine-tuned the previous model.
        public var architecture: String? = nil
        public var steps: Int? = nil
        public var warmStart: Bool? = nil

        /// The smallest budget at which `strategy`'s mean accuracy reaches random's at the last budget (nil: never,
        /// or no random curve).
        public func labelsToReachRandomFinal(_ strategy: Strategy) -> Int? {
            guard let target = summaries.last(where: { $0.strategy == .random })?.accuracy.mean else { return nil }
            return summaries.first { $0.strategy == strategy && $0.accuracy.mean >= target }?.labels
        }
    }

    /// The label counts after each round: initial·K, then `roundSize` more per round, up to final·K.
    public func budgets(classes k: Int) -> [Int] {
        let first = initialPerClass * k, last = finalPerClass * k
        var out = [first]
        while out.last! < last { out.append(min(out.last! + roundSize, last)) }
        return out
    }

    /// Checks the settings (they come from the command line).
    public func validate(classes k: Int) throws {
        guard k >= 2 else { throw RunError("a labelling study needs at least 2 classes, got \(k)") }
        guard (1...10_000).contains(initialPerClass) else { throw RunError("initial labels per class must be 1…10000, not \(initialPerClass)") }
        guard (initialPerClass...100_000).contains(finalPerClass) else {
            throw RunError("final labels per class (\(finalPerClass)) must be ≥ the initial (\(initialPerClass)) and ≤ 100000")
        }
        guard (1...1_000_000).contains(roundSize) else { throw RunError("round size must be 1…1000000, not \(roundSize)") }
        guard (1...1_000_000).contains(steps) else { throw RunError("steps must be 1…1000000, not \(steps)") }
        guard !strategies.isEmpty else { throw RunError("no strategy to study") }
        _ = try ModelRegistry.entry(architecture)
    }

    /// Epochs of a retraining on `labels` crops.
    public func epochs(labels: Int) -> Int {
        let e = (steps * batchSize + max(labels, 1) - 1) / max(labels, 1)
        return min(max(e, epochRange.lowerBound), epochRange.upperBound)
    }

    /// Runs the study over `folds` (each fold's rows are its test set; the labelled rows of the others are the pool).
    /// `note` receives one line per retraining, with the time left.
    public func run(data: PreparedDataset, folds: [(name: String, rows: [Int])],
                    note: (String) -> Void = { _ in }) throws -> Result {
        let k = data.dataset.classes.count
        try validate(classes: k)
        guard folds.count >= 2 else { throw RunError("a labelling study needs at least 2 folds, got \(folds.count)") }
        let budgets = budgets(classes: k)
        let config = try Experiment.config(architecture: architecture, data: data)
        let start = Date()
        let eta = TimeLeft(total: folds.count * (1 + strategies.count * (budgets.count - 1)))
        var done = 0
        var curves: [Curve] = []
        for (f, fold) in folds.enumerated() {
            let test = Set(fold.rows)
            let pool = data.labels.indices.filter { data.labels[$0] >= 0 && !test.contains($0) }
            var g = SeededGenerator(seed: seed, stream: UInt64(f))
            var initial: [Int] = []
            for c in 0..<k { initial += g.shuffled(pool.filter { data.labels[$0] == c }).prefix(initialPerClass) }
            initial.sort()
            guard budgets.last! <= pool.count else {
                throw RunError("fold \(fold.name): \(budgets.last!) labels asked for but its pool holds \(pool.count) crops")
            }
            func round(_ labelled: [Int], strategy: String, from previous: Module? = nil) throws -> (point: Point, model: Module) {
                let t0 = Date()
                var o = SupervisedTrainer.Options()
                o.epochs = epochs(labels: labelled.count)
                o.batchSize = batchSize
                o.learningRate = learningRate
                o.schedule = .cosine(minimum: Double(learningRate) / 100)
                o.earlyStopping = nil
                o.seed = Experiment.foldSeed(seed, fold: f)
                let model: Module
                if let previous {
                    model = try ModelRegistry.make(config, seed: o.seed)
                    try model.loadState(of: previous)
                    try SupervisedTrainer(options: o).fit(model, data: data, train: labelled, validation: [])
                } else {
                    model = try Experiment.train(config, data: data, train: labelled, validation: [], options: o).model
                }
                let report = try Experiment.evaluate(model, data: data, rows: fold.rows).report
                let seconds = Date().timeIntervalSince(t0)
                done += 1
                note("\(fold.name) \(strategy): \(labelled.count) labels, \(o.epochs) epochs\(previous == nil ? "" : " (fine-tuned)"), test accuracy "
                     + String(format: "%.1f %% (%.0f s)", 100 * report.accuracy, seconds) + "  " + eta.text(done: done))
                return (Point(labels: labelled.count, accuracy: report.accuracy, balancedAccuracy: report.balancedAccuracy,
                              seconds: seconds), model)
            }
            let first = try round(initial, strategy: "start")
            // What a model says about the crops not yet labelled (indexes into `pool`): probabilities, and the embedding
            // when the strategy spreads over it. The first model's is shared by every strategy (same labels).
            func seen(by model: Module, unlabelled: [Int], embedding: Bool) -> (probabilities: [[Float]], embedding: [[Double]]?) {
                let rows = unlabelled.map { pool[$0] }
                return (Experiment.probabilityRows(model, data: data, rows: rows),
                        embedding ? Experiment.embeddingRows(model, data: data, rows: rows)?.map { $0.map(Double.init) } : nil)
            }
            let initialSet = Set(initial)
            let firstUnlabelled = pool.indices.filter { !initialSet.contains(pool[$0]) }
            let firstSeen = seen(by: first.model, unlabelled: firstUnlabelled, embedding: strategies.contains(.diverse))
            for strategy in strategies {
                var labelled = initialSet
                var points = [first.point]
                var model = first.model
                for (r, budget) in budgets.enumerated().dropFirst() {
                    let unlabelled = pool.indices.filter { !labelled.contains(pool[$0]) }
                    let view = r == 1 ? firstSeen : seen(by: model, unlabelled: unlabelled, embedding: strategy == .diverse)
                    let n = budget - labelled.count
                    let chosen: [Int]  // positions in `unlabelled`
                    if let s = strategy.suggestion {
                        chosen = try LabelSuggestion.pick(n, strategy: s, probabilities: view.probabilities,
                                                          embedding: s == .diverse ? view.embedding : nil, seed: seed).map(\.index)
                    } else {
                        var rg = SeededGenerator(seed: seed, stream: UInt64(f), UInt64(r))
                        chosen = Array(rg.shuffled(Array(unlabelled.indices)).prefix(n))
                    }
                    let wrong = chosen.filter { Classifier.argmax(view.probabilities[$0]) != data.labels[pool[unlabelled[$0]]] }.count
                    for i in chosen { labelled.insert(pool[unlabelled[i]]) }
                    var next = try round(labelled.sorted(), strategy: strategy.rawValue, from: warmStart ? model : nil)
                    next.point.picksMisclassified = chosen.isEmpty ? nil : Double(wrong) / Double(chosen.count)
                    points.append(next.point)
                    model = next.model
                }
                curves.append(Curve(strategy: strategy, fold: fold.name, points: points))
            }
        }
        return Result(classes: data.dataset.classes, budgets: budgets, curves: curves,
                      summaries: Self.summaries(curves, strategies: strategies, budgets: budgets, classes: k),
                      seconds: Date().timeIntervalSince(start), architecture: architecture, steps: steps, warmStart: warmStart)
    }

    /// Mean ± std over folds per strategy and budget, with the paired difference to random on the same folds.
    public static func summaries(_ curves: [Curve], strategies: [Strategy], budgets: [Int], classes k: Int) -> [Summary] {
        var out: [Summary] = []
        for s in strategies {
            for (b, labels) in budgets.enumerated() {
                let mine = curves.filter { $0.strategy == s && b < $0.points.count }
                guard !mine.isEmpty else { continue }
                var differences: [Double] = []
                for c in mine {
                    if s != .random, let r = curves.first(where: { $0.strategy == .random && $0.fold == c.fold }), b < r.points.count {
                        differences.append(c.points[b].accuracy - r.points[b].accuracy)
                    }
                }
                out.append(Summary(strategy: s, labels: labels, labelsPerClass: Double(labels) / Double(k),
                                   accuracy: SummaryStatistic(mine.map { $0.points[b].accuracy }),
                                   balancedAccuracy: SummaryStatistic(mine.map { $0.points[b].balancedAccuracy }),
                                   pairedDifference: differences.isEmpty ? nil : SummaryStatistic(differences)))
            }
        }
        return out
    }
}
