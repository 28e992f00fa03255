#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Datasets
import Engine
import Foundation
import Imaging
import Models
import NN
import Support

/// Mini-batch supervised training of a classifier on a prepared dataset (first paper *Live Cell Stage Classification Using Deep Learning*, section 2.3.3:
/// Adam, learning rate 1e-3, batch 32, cross-entropy, up to 50 epochs with early stopping and a learning-rate
/// scheduler, on-the-fly augmentation), keeping the weights of the best validation epoch.
///
/// Early stopping never fires during the warm-up (`EarlyStopping.warmup` epochs): batch-normalised networks sit at
/// chance on validation for their first ~15 epochs on roboscope-zeiss (see its SOURCE.md), so a stopper that
/// trusted those epochs would stop a model that has not started learning. The best-epoch checkpoint is kept in
/// memory (and restored at the end); `Options.log` writes every epoch to a JSON-lines `TrainingLog`.
public struct SupervisedTrainer {
    /// Which validation figure drives early stopping, plateau detection and the best-epoch checkpoint.
    public enum Monitor: String, Sendable, Codable, CaseIterable {
        /// Validation cross-entropy (lower is better).
        case loss
        /// Validation accuracy (higher is better).
        case accuracy
        /// Mean per-class recall on validation (higher is better; equals accuracy on balanced data).
        case balancedAccuracy = "balanced-accuracy"
    }

    /// Stop when the monitored figure has not improved for `patience` epochs, but never before `warmup` epochs.
    public struct EarlyStopping: Sendable, Codable, Hashable {
        public var patience: Int
        public var warmup: Int
        /// Improvement smaller than this does not count.
        public var minDelta: Double
        public init(patience: Int = 10, warmup: Int = 15, minDelta: Double = 0) {
            self.patience = patience; self.warmup = warmup; self.minDelta = minDelta
        }
    }

    /// Learning-rate schedule.
    public enum Schedule: Sendable, Codable, Hashable {
        case constant
        /// Multiply the rate by `factor` when the monitored figure has not improved for `patience` epochs
        /// (after the warm-up), not below `minimum` (Keras' ReduceLROnPlateau).
        case reduceOnPlateau(factor: Double, patience: Int, minimum: Double)
        /// Cosine decay from the initial rate to `minimum` over the planned epochs.
        case cosine(minimum: Double)

        public static let plateau = Schedule.reduceOnPlateau(factor: 0.5, patience: 5, minimum: 1e-5)

        /// Parses `constant`, `plateau`, `cosine`.
        public init?(name: String) {
            switch name.lowercased() {
            case "constant", "none": self = .constant
            case "plateau", "reduce-on-plateau": self = .plateau
            case "cosine": self = .cosine(minimum: 1e-5)
            default: return nil
            }
        }

        public var name: String {
            switch self {
            case .constant: "constant"
            case .reduceOnPlateau: "plateau"
            case .cosine: "cosine"
            }
        }
    }

    /// Settings of a run.
    public struct Options: Sendable {
        public var epochs = 50
        public var batchSize = 32
        public var learningRate: Float = 1e-3
        public var augmentation: AugmentationSettings? = .paper
        /// Weight classes inversely to their frequency in the training rows (only when the counts differ).
        public var balanceClasses = true
        public var monitor: Monitor = .balancedAccuracy
        /// nil: train all `epochs`.
        public var earlyStopping: EarlyStopping? = EarlyStopping()
        public var schedule: Schedule = .plateau
        /// Per-epoch JSON-lines log (appended to).
        public var log: TrainingLog?
        public var seed: UInt64 = 0
        /// Before each validation, batch-norm statistics are recomputed over up to this many training images
        /// (unaugmented, dropout off; `recalibrateBatchNorm`); 0 keeps the running averages of training.
        public var batchNormCalibrationImages = 512
        /// Models trained with different seeds on the same split and averaged (`Ensemble`); 1 trains one model. Read
        /// by `Experiment.train`, which runs this trainer once per member.
        public var members = 1
        /// Blend each training batch with a shuffled copy of itself (`BatchMixing`: mixup or CutMix); nil trains on the
        /// crops as they are.
        public var mixing: BatchMixing?
        /// The ensemble member (1-based) this run trains, written into every epoch record; nil for a single model.
        public var member: Int?
        /// Semi-supervised consistency training on the unlabelled rows `fit` is given (`ConsistencyTraining`,
        /// FixMatch); nil, or no unlabelled rows, trains on the labels alone.
        public var consistency: ConsistencyTraining?
        public init() {}
    }

    /// What a run did.
    public struct Result: Sendable {
        public var history: [EpochRecord]
        /// 1-based epoch whose weights were restored (nil without validation rows).
        public var bestEpoch: Int?
        /// Whether early stopping ended the run before `epochs`.
        public var stoppedEarly: Bool
        public var seconds: Double
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// Trains `model` on `train` rows of `data`, validating on `validation` rows after each epoch, and restores the
    /// best validation epoch's parameters (weights and batch-norm statistics) at the end. With
    /// `options.consistency`, the `unlabelled` rows (their labels, if any, unused) join every step (FixMatch).
    /// `progress` is called after each epoch.
    @discardableResult
    public func fit(_ model: Module, data: PreparedDataset, train: [Int], validation: [Int], unlabelled: [Int] = [],
                    progress: (EpochRecord) -> Void = { _ in }) throws -> Result {
        precondition(!train.isEmpty, "SupervisedTrainer: no training rows")
        let classes = data.dataset.classes.count
        let weights = options.balanceClasses ? Self.balancedWeights(train.map { data.labels[$0] }, classes: classes) : nil
        let optimizer = Adam(parameters: model.trainableParameters, learningRate: options.learningRate)
        var lr = Double(options.learningRate)
        var history: [EpochRecord] = []
        var best: (score: Double, epoch: Int, state: [Tensor])?
        var sinceBest = 0, sincePlateauCut = 0
        var stoppedEarly = false
        var tapeSeeds = RandomSource(seed: options.seed ^ 0x7A9E)
        // Up to `batchNormCalibrationImages` training rows evenly spread (none when the model has no batch norm).
        let calibrationLimit = model.modules.contains { $0 is BatchNorm } ? options.batchNormCalibrationImages : 0
        let calibrationRows = calibrationLimit > 0
            ? Swift.stride(from: 0, to: train.count, by: Swift.max(1, train.count / calibrationLimit)).prefix(calibrationLimit).map { train[$0] }
            : []
        let consistency = unlabelled.isEmpty ? nil : options.consistency
        let views = consistency.map {
            UnlabelledViews(data, rows: unlabelled, batchSize: $0.ratio * options.batchSize, settings: $0, seed: options.seed ^ 0x11F7)
        }
        var poolMean: [Double]?
        let passes = consistency?.passes(labelled: train.count, unlabelled: unlabelled.count, batchSize: options.batchSize) ?? 1
        let start = Date()
        for epoch in 0..<options.epochs {
            if case let .cosine(minimum) = options.schedule, options.epochs > 1 {
                let t = Double(epoch) / Double(options.epochs - 1)
                lr = minimum + (Double(options.learningRate) - minimum) * 0.5 * (1 + cos(Double.pi * t))
            }
            optimizer.setLearningRate(Float(lr))
            var lossSum = 0.0, correct = 0, seen = 0
            var unlabelledCounts = ConsistencyTraining.StepCounts()
            let t0 = Date()
            for pass in 0..<passes {
                let batches = BatchIterator(data, rows: train, batchSize: options.batchSize, shuffle: true,
                                            augmentation: options.augmentation, seed: options.seed, epoch: epoch * passes + pass)
                for batch in batches {
                    // A batch of one breaks batch norm's statistics; skip the odd leftover sample.
                    if batch.labels.count < 2 && train.count >= 2 { continue }
                    let tape = Tape(training: true, seed: tapeSeeds.next())
                    let logits: Variable, loss: Variable
                    if let consistency, let views {
                        let (weak, strong) = views.next()
                        let s = consistency.step(model, labelled: batch, weak: weak, strong: strong, classWeights: weights,
                                                 tape: tape, weakSeed: tapeSeeds.next(),
                                                 poolMean: &poolMean)
                        logits = s.logits; loss = s.loss
                        unlabelledCounts.add(s.counts)
                    } else if let mixing = options.mixing {
                        var g = SeededGenerator(seed: options.seed ^ 0x3C1D, stream: UInt64(epoch), UInt64(batch.rows.first ?? 0))
                        let m = mixing.mix(batch, using: &g)
                        logits = model(tape.constant(Tensor(shape: batch.shape, values: m.data)))
                        loss = sparseCrossEntropy(logits: logits, labels: batch.labels, classWeights: weights) * m.lambda
                            + sparseCrossEntropy(logits: logits, labels: m.partnerLabels, classWeights: weights) * (1 - m.lambda)
                    } else {
                        logits = model(tape.constant(Tensor(shape: batch.shape, values: batch.data)))
                        loss = sparseCrossEntropy(logits: logits, labels: batch.labels, classWeights: weights)
                    }
                    tape.backward(loss)
                    optimizer.step()
                    lossSum += Double(loss.value.scalar) * Double(batch.labels.count)
                    correct += Swift.zip(logits.value.argmaxRows(), batch.labels).filter { $0 == $1 }.count
                    seen += batch.labels.count
                }
            }
            var record = EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(max(seen, 1)),
                                     trainAccuracy: Double(correct) / Double(max(seen, 1)),
                                     learningRate: lr, seconds: 0)
            if consistency != nil {
                let c = unlabelledCounts
                record.confidentFraction = Double(c.confident) / Double(max(c.unlabelled, 1))
                record.pseudoLabelAccuracy = c.known > 0 ? Double(c.right) / Double(c.known) : nil
            }
            // Statistics matter where they are used: before each validation, and for the weights the run returns.
            if !calibrationRows.isEmpty && (!validation.isEmpty || epoch == options.epochs - 1) {
                recalibrateBatchNorm(model, batches: BatchIterator(data, rows: calibrationRows, batchSize: options.batchSize, shuffle: false, seed: 0)
                    .lazy.filter { $0.labels.count >= 2 }.map { Tensor(shape: $0.shape, values: $0.data) })
            }
            var score: Double?
            if !validation.isEmpty {
                let v = Self.validate(model, data: data, rows: validation, classWeights: weights)
                record.valLoss = v.loss; record.valAccuracy = v.accuracy
                switch options.monitor {
                case .loss: score = -v.loss
                case .accuracy: score = v.accuracy
                case .balancedAccuracy: score = v.balancedAccuracy
                }
                if let s = score, !s.isFinite { score = -.infinity }
            }
            record.seconds = Date().timeIntervalSince(t0)
            record.member = options.member
            history.append(record)
            try options.log?.append(record)
            progress(record)

            guard let score else { continue }
            let minDelta = options.earlyStopping?.minDelta ?? 0
            // A tie on accuracy takes the later epoch when its loss is lower, without resetting the patience.
            let improved = best == nil || score > best!.score + minDelta
            let tie = !improved && score == best!.score && options.monitor != .loss
                && (record.valLoss ?? .infinity) < (history[best!.epoch - 1].valLoss ?? .infinity)
            if improved {
                sinceBest = 0; sincePlateauCut = 0
            } else {
                sinceBest += 1; sincePlateauCut += 1
            }
            if improved || tie { best = (improved ? score : best!.score, epoch + 1, model.parameters.map(\.value)) }
            let warmup = options.earlyStopping?.warmup ?? 0
            if case let .reduceOnPlateau(factor, patience, minimum) = options.schedule,
               epoch + 1 >= warmup, sincePlateauCut >= patience, lr > minimum {
                lr = max(minimum, lr * factor)
                sincePlateauCut = 0
            }
            if let es = options.earlyStopping, epoch + 1 >= es.warmup, sinceBest >= es.patience {
                stoppedEarly = epoch + 1 < options.epochs
                break
            }
        }
        if let best {
            for (p, v) in Swift.zip(model.parameters, best.state) { p.value = v }
        }
        return Result(history: history, bestEpoch: best?.epoch, stoppedEarly: stoppedEarly,
                      seconds: Date().timeIntervalSince(start))
    }

    /// Validation figures in inference mode.
    public static func validate(_ model: Module, data: PreparedDataset, rows: [Int], classWeights: [Float]?)
        -> (loss: Double, accuracy: Double, balancedAccuracy: Double) {
        let probs = predict(model, data: data, rows: rows)
        let k = probs.shape[1]
        let p = probs.scalars
        var loss = 0.0, wsum = 0.0
        var hits = [Int](repeating: 0, count: k), counts = [Int](repeating: 0, count: k)
        for (i, r) in rows.enumerated() {
            let y = data.labels[r]
            let w = Double(classWeights?[y] ?? 1)
            loss -= w * log(max(Double(p[i * k + y]), 1e-12)); wsum += w
            var arg = 0
            for j in 1..<k where p[i * k + j] > p[i * k + arg] { arg = j }
            counts[y] += 1
            if arg == y { hits[y] += 1 }
        }
        let present = (0..<k).filter { counts[$0] > 0 }
        let balanced = present.reduce(0.0) { $0 + Double(hits[$1]) / Double(counts[$1]) } / Double(max(present.count, 1))
        return (loss / max(wsum, 1e-12), Double(hits.reduce(0, +)) / Double(max(rows.count, 1)), balanced)
    }

    /// Class probabilities `[rows, classes]` in inference mode.
    public static func predict(_ model: Module, data: PreparedDataset, rows: [Int], batchSize: Int = 64) -> Tensor {
        var out: [Float] = []
        var classes = 0
        for batch in BatchIterator(data, rows: rows, batchSize: batchSize, shuffle: false, seed: 0) {
            let probs = model(Variable(Tensor(shape: batch.shape, values: batch.data))).softmax().value
            classes = probs.shape[1]
            out += probs.scalars
        }
        return Tensor(shape: [rows.count, classes], values: out)
    }

    /// Fraction of `rows` classified correctly.
    public static func accuracy(_ model: Module, data: PreparedDataset, rows: [Int]) -> Float {
        guard !rows.isEmpty else { return 0 }
        let predicted = predict(model, data: data, rows: rows).argmaxRows()
        let correct = Swift.zip(predicted, rows.map { data.labels[$0] }).filter { $0 == $1 }.count
        return Float(correct) / Float(rows.count)
    }

    /// Per-class weights n / (k · count_c), so each class contributes equally (absent classes weigh 0);
    /// nil when every class present has the same count (weighting would change nothing).
    public static func balancedWeights(_ labels: [Int], classes: Int) -> [Float]? {
        var counts = [Int](repeating: 0, count: classes)
        for l in labels { counts[l] += 1 }
        let present = counts.filter { $0 > 0 }
        if Set(present).count <= 1 { return nil }
        return counts.map { $0 == 0 ? 0 : Float(labels.count) / Float(classes * $0) }
    }
}
