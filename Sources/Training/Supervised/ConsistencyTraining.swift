import Datasets
import Engine
import Foundation
import Imaging
import NN
import Support

/// Semi-supervised training by consistency with confident pseudo-labels — FixMatch (Sohn et al. 2020), the method
/// issue 14 asks to set beside the SGAN of *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle
/// classification* (section 6.2 compares it only with supervised models): at each step the model classifies a
/// weakly augmented view of each unlabelled crop; where it is confident (top probability ≥ `threshold`) that call
/// becomes the target for a strongly augmented view of the same crop. The loss is the labelled cross-entropy plus
/// `weight` × the pseudo-labelled one averaged over all `ratio × batch` unlabelled crops (the unconfident count as
/// zero), so the unlabelled term grows as the model grows confident. `SupervisedTrainer` runs it when
/// `Options.consistency` is set and it is given unlabelled rows; everything else (schedule, validation, the best
/// epoch, batch-norm recalibration) is the supervised trainer's.
public struct ConsistencyTraining: Sendable, Hashable, Codable {
    /// Confidence a weak view's call needs to become a target.
    public var threshold: Double
    /// Unlabelled crops per labelled crop in a step (FixMatch's μ).
    public var ratio: Int
    /// Weight of the pseudo-labelled loss (FixMatch's λ_u).
    public var weight: Double
    /// The weak view (the labelled crops get the trainer's own augmentation).
    public var weak: AugmentationSettings
    /// The strong view.
    public var strong: AugmentationSettings
    /// Distribution alignment (ReMixMatch, Berthelot et al. 2020): before thresholding, each weak-view probability
    /// vector is multiplied by uniform / (running mean of the model's weak-view probabilities) and renormalised, so
    /// classes the model already calls often on the pool do not take over the pseudo-labels (the label budget is
    /// balanced: N per class).
    public var alignment: Bool

    public init(threshold: Double = 0.95, ratio: Int = 2, weight: Double = 1, weak: AugmentationSettings = .paper,
                strong: AugmentationSettings = .strong, alignment: Bool = false) {
        self.threshold = threshold; self.ratio = ratio; self.weight = weight; self.weak = weak; self.strong = strong
        self.alignment = alignment
    }

    /// Momentum of the running mean of weak-view probabilities that alignment divides by (per step).
    static let alignmentMomentum = 0.95

    /// FixMatch's threshold 0.95 and weight 1; μ = 2 instead of its 7 (two cores: each unlabelled crop costs a
    /// forward pass on its weak view and, when confident, a training pass on its strong one).
    public static let fixMatch = ConsistencyTraining()

    /// Labelled passes per epoch so that one epoch also sees the unlabelled pool about once: an epoch stays "one
    /// pass over the labelled crops" when they outnumber the pool's batches, and repeats them (each pass its own
    /// shuffle and augmentation) when a small label budget would otherwise end the epoch after a few steps.
    public func passes(labelled: Int, unlabelled: Int, batchSize: Int) -> Int {
        let labelledBatches = max(1, (labelled + batchSize - 1) / batchSize)
        let unlabelledBatches = (unlabelled + ratio * batchSize - 1) / (ratio * batchSize)
        return max(1, Int((Double(unlabelledBatches) / Double(labelledBatches)).rounded()))
    }

    /// What one step saw of the unlabelled crops.
    public struct StepCounts: Sendable, Hashable {
        /// Unlabelled crops in the step.
        public var unlabelled = 0
        /// Of those, confident enough to train on.
        public var confident = 0
        /// The pseudo-labels of the confident crops, in the order their strong views follow the labelled rows (one
        /// step's; `add` sums only the counts).
        public var pseudoLabels: [Int] = []
        /// Confident crops whose hidden label is known (a pool drawn from labelled data), and how many of those
        /// pseudo-labels were right: a diagnostic only, never used in training.
        public var known = 0, right = 0

        mutating func add(_ o: StepCounts) {
            unlabelled += o.unlabelled; confident += o.confident; known += o.known; right += o.right
        }
    }

    /// One step's forward pass and loss: pseudo-labels from the weak views (a training-mode pass, batch statistics,
    /// no gradient), then one training pass over the labelled crops followed by the strong views of the confident
    /// ones. Returns the logits of the labelled rows' pass (the first `labelled.labels.count` rows) and the loss.
    /// `poolMean` is the running mean of weak-view probabilities that `alignment` keeps between steps.
    func step(_ model: Module, labelled: Batch, weak: Batch, strong: Batch, classWeights: [Float]?, tape: Tape,
              weakSeed: UInt64, poolMean: inout [Double]?) -> (logits: Variable, loss: Variable, counts: StepCounts) {
        precondition(weak.rows == strong.rows, "weak and strong views of different crops")
        let probabilities = model(Tape(training: true, seed: weakSeed).constant(Tensor(shape: weak.shape, values: weak.data)))
            .softmax().value
        let k = probabilities.shape[1]
        var p = probabilities.scalars
        if alignment { Self.align(&p, classes: k, poolMean: &poolMean) }
        var counts = StepCounts(unlabelled: weak.rows.count)
        var confident: [(row: Int, label: Int)] = []
        for (i, arg) in Tensor(shape: probabilities.shape, values: p).argmaxRows().enumerated() {
            guard Double(p[i * k + arg]) >= threshold else { continue }
            confident.append((i, arg))
            if weak.labels[i] >= 0 { counts.known += 1; if weak.labels[i] == arg { counts.right += 1 } }
        }
        counts.confident = confident.count
        counts.pseudoLabels = confident.map(\.label)
        let size = labelled.data.count / max(labelled.labels.count, 1)
        var data = labelled.data
        data.reserveCapacity(data.count + confident.count * size)
        for c in confident { data += strong.data[c.row * size ..< (c.row + 1) * size] }
        var shape = labelled.shape
        shape[0] = labelled.labels.count + confident.count
        let logits = model(tape.constant(Tensor(shape: shape, values: data)))
        // Labelled: the (class-weighted) mean; pseudo-labelled: weight / (all unlabelled crops of the step) each.
        let u = Float(weight) / Float(max(weak.rows.count, 1))
        let loss = sparseCrossEntropy(logits: logits, labels: labelled.labels + confident.map(\.label),
                                      sampleWeights: meanWeights(labels: labelled.labels, classWeights: classWeights)
                                          + [Float](repeating: u, count: confident.count))
        return (logits, loss, counts)
    }

    /// Distribution alignment of `rows × classes` probabilities in place: the running mean is updated with this
    /// batch's mean first, then each row is multiplied by (1/K) / mean and renormalised.
    static func align(_ p: inout [Float], classes k: Int, poolMean: inout [Double]?) {
        let n = p.count / k
        guard n > 0 else { return }
        var batch = [Double](repeating: 0, count: k)
        for i in 0..<n { for j in 0..<k { batch[j] += Double(p[i * k + j]) / Double(n) } }
        let mean = poolMean.map { zip($0, batch).map { alignmentMomentum * $0 + (1 - alignmentMomentum) * $1 } } ?? batch
        poolMean = mean
        let scale = mean.map { 1 / (Double(k) * max($0, 1e-6)) }
        for i in 0..<n {
            var total = 0.0
            for j in 0..<k { total += Double(p[i * k + j]) * scale[j] }
            for j in 0..<k { p[i * k + j] = Float(Double(p[i * k + j]) * scale[j] / max(total, 1e-30)) }
        }
    }
}

/// Endless pairs of weak and strong views of the same unlabelled crops, `batchSize` at a time: each pass over
/// `rows` in its own seeded order, each view augmented from its own seed, built ahead on a background queue
/// (`BatchIterator`). Same seed, same pairs.
final class UnlabelledViews {
    private let data: PreparedDataset
    private let rows: [Int]
    private let batchSize: Int
    private let settings: ConsistencyTraining
    private let seed: UInt64
    private var pass = -1
    private var weak: BatchIterator?
    private var strong: BatchIterator?

    init(_ data: PreparedDataset, rows: [Int], batchSize: Int, settings: ConsistencyTraining, seed: UInt64) {
        precondition(!rows.isEmpty && batchSize > 0)
        self.data = data; self.rows = rows; self.batchSize = batchSize; self.settings = settings; self.seed = seed
    }

    func next() -> (weak: Batch, strong: Batch) {
        if let w = weak?.next(), let s = strong?.next() { return (w, s) }
        pass += 1
        var g = SeededGenerator(seed: seed, stream: 0x5E41, UInt64(pass))
        let order = g.shuffled(rows)
        // A pool at least one batch large drops its short last batch (a batch of one breaks batch statistics).
        let dropLast = rows.count >= batchSize
        weak = BatchIterator(data, rows: order, batchSize: batchSize, shuffle: false, dropLast: dropLast,
                             augmentation: settings.weak, seed: seed ^ 0x3EA7, epoch: pass)
        strong = BatchIterator(data, rows: order, batchSize: batchSize, shuffle: false, dropLast: dropLast,
                               augmentation: settings.strong, seed: seed ^ 0x5A0B, epoch: pass)
        return (weak!.next()!, strong!.next()!)
    }
}
