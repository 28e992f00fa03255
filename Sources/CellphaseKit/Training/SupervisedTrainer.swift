import Datasets
import Engine
import Foundation
import Imaging
import NN

/// Mini-batch supervised training of a classifier on a prepared dataset (first paper `000_…txt`, section 2.3.3:
/// Adam, learning rate 1e-3, batch 32, cross-entropy, on-the-fly augmentation), keeping the weights of the
/// epoch with the best validation accuracy.
public struct SupervisedTrainer {
    /// Settings of a run.
    public struct Options: Sendable {
        public var epochs = 20
        public var batchSize = 32
        public var learningRate: Float = 1e-3
        public var augmentation: AugmentationSettings? = .paper
        /// Weight classes inversely to their frequency in the training rows.
        public var balanceClasses = true
        public var seed: UInt64 = 0
        public init() {}
    }

    /// One epoch's figures.
    public struct Epoch: Sendable, Codable {
        public var epoch: Int
        public var trainLoss: Float
        public var trainAccuracy: Float
        public var validationAccuracy: Float?
        public var seconds: Double
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// Trains `model` on `train` rows of `data`, validating on `validation` rows after each epoch, and restores the
    /// best validation epoch's parameters at the end. `progress` is called after each epoch.
    @discardableResult
    public func fit(_ model: Module, data: PreparedDataset, train: [Int], validation: [Int],
                    progress: (Epoch) -> Void = { _ in }) -> [Epoch] {
        let classes = data.dataset.classes.count
        let weights = options.balanceClasses ? Self.balancedWeights(train.map { data.labels[$0] }, classes: classes) : nil
        let optimizer = Adam(parameters: model.trainableParameters, learningRate: options.learningRate)
        var history: [Epoch] = []
        var best: (accuracy: Float, state: [Tensor])?
        var tapeSeeds = RandomSource(seed: options.seed ^ 0x7A9E)
        for epoch in 0..<options.epochs {
            var lossSum: Float = 0, correct = 0, seen = 0
            let t0 = Date()
            let batches = BatchIterator(data, rows: train, batchSize: options.batchSize, shuffle: true,
                                        augmentation: options.augmentation, seed: options.seed, epoch: epoch)
            for batch in batches {
                let tape = Tape(training: true, seed: tapeSeeds.next())
                let logits = model(tape.constant(Tensor(shape: batch.shape, values: batch.data)))
                let loss = sparseCrossEntropy(logits: logits, labels: batch.labels, classWeights: weights)
                tape.backward(loss)
                optimizer.step()
                lossSum += loss.value.scalar * Float(batch.labels.count)
                correct += Swift.zip(logits.value.argmaxRows(), batch.labels).filter { $0 == $1 }.count
                seen += batch.labels.count
            }
            let valAccuracy = validation.isEmpty ? nil : Self.accuracy(model, data: data, rows: validation)
            let record = Epoch(epoch: epoch + 1, trainLoss: lossSum / Float(max(seen, 1)),
                               trainAccuracy: Float(correct) / Float(max(seen, 1)),
                               validationAccuracy: valAccuracy, seconds: Date().timeIntervalSince(t0))
            history.append(record)
            progress(record)
            if let v = valAccuracy, v > (best?.accuracy ?? -1) {
                best = (v, model.parameters.map(\.value))
            }
        }
        if let best {
            for (p, v) in Swift.zip(model.parameters, best.state) { p.value = v }
        }
        return history
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

    /// Per-class weights n / (k · count_c), so each class contributes equally (absent classes weigh 0).
    public static func balancedWeights(_ labels: [Int], classes: Int) -> [Float] {
        var counts = [Int](repeating: 0, count: classes)
        for l in labels { counts[l] += 1 }
        return counts.map { $0 == 0 ? 0 : Float(labels.count) / Float(classes * $0) }
    }
}
