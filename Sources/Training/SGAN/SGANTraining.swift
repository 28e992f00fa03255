import Datasets
import Engine
import Foundation
import Imaging
import Models
import NN
import Support

/// One semi-supervised GAN training run on a label budget (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, sections 4.2 and 5): the
/// published iteration repeated over epochs, validation on a stratified 20 % of the labelled budget after every
/// epoch, early stopping with a patience that is a fraction of the epoch budget, every checkpoint above a
/// validation-accuracy threshold written to disk (the best one kept), and the best epoch's networks restored.
///
/// An epoch is one pass over the labelled training rows in batches of N_B = min(`maxBatch`, ⌊N_labelled/2⌋);
/// each batch is one iteration (supervised update on N_B labelled images, unsupervised updates on N_B/2 real
/// unlabelled and N_B/2 generated images, generator update). `Mode.supervisedOnly` runs only the supervised update:
/// the same discriminator without unlabelled or generated data — the baseline of the paper's Figure 5.
public struct SGANTraining {
    /// What the run trains on.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// The SGAN: labelled, unlabelled and generated images.
        case semiSupervised = "sgan"
        /// The same discriminator on the labelled images only.
        case supervisedOnly = "supervised-only"
    }

    /// Settings of a run; defaults are the paper's (Adam 6e-4, β1 0.5, N_B ≤ 100, patience 20 % of the epochs,
    /// checkpoints above 75 % validation accuracy, the section 5 augmentation).
    public struct Options: Sendable, Codable {
        /// Widths, latent size and dropout; `classes` is taken from the data.
        public var config: SGANConfig
        public var mode: Mode = .semiSupervised
        public var epochs = 200
        /// Early stopping after `patienceFraction × epochs` epochs without a better validation accuracy (0: never).
        public var patienceFraction = 0.2
        public var learningRate: Float = 6e-4
        public var beta1: Float = 0.5
        public var maxBatch = 100
        /// Checkpoints are written only for epochs whose validation accuracy reaches this.
        public var checkpointThreshold = 0.75
        public var augmentation: AugmentationSettings? = .paper
        /// Stop after the epoch that crosses this many seconds (the best epoch is still restored).
        public var timeLimit: Double?
        public var seed: UInt64 = 1
        /// The generator's loss: as published, or feature matching.
        public var generatorObjective: SGANIteration.GeneratorObjective = .published

        public init(config: SGANConfig = .light) { self.config = config }

        enum CodingKeys: String, CodingKey {
            case config, mode, epochs, patienceFraction = "patience_fraction", learningRate = "learning_rate", beta1
            case maxBatch = "max_batch", checkpointThreshold = "checkpoint_threshold", augmentation
            case timeLimit = "time_limit", seed, generatorObjective = "generator_objective"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            config = try c.decode(SGANConfig.self, forKey: .config)
            mode = try c.decode(Mode.self, forKey: .mode)
            epochs = try c.decode(Int.self, forKey: .epochs)
            patienceFraction = try c.decode(Double.self, forKey: .patienceFraction)
            learningRate = try c.decode(Float.self, forKey: .learningRate)
            beta1 = try c.decode(Float.self, forKey: .beta1)
            maxBatch = try c.decode(Int.self, forKey: .maxBatch)
            checkpointThreshold = try c.decode(Double.self, forKey: .checkpointThreshold)
            augmentation = try c.decodeIfPresent(AugmentationSettings.self, forKey: .augmentation)
            timeLimit = try c.decodeIfPresent(Double.self, forKey: .timeLimit)
            seed = try c.decode(UInt64.self, forKey: .seed)
            // Runs recorded before the option existed used the published loss.
            generatorObjective = try c.decodeIfPresent(SGANIteration.GeneratorObjective.self, forKey: .generatorObjective) ?? .published
        }

        /// Epochs without improvement before stopping (nil: never stop early).
        public var patience: Int? { patienceFraction > 0 ? max(1, Int((patienceFraction * Double(epochs)).rounded())) : nil }
    }

    /// The losses and validation figures of one epoch (means over its iterations).
    public struct Epoch: Sendable, Codable, Hashable {
        public var epoch: Int
        public var iterations: Int
        /// Supervised cross-entropy of the discriminator's class head.
        public var supervisedLoss: Double
        /// Unsupervised BCE on real unlabelled images (nil when supervised-only).
        public var realLoss: Double?
        /// Unsupervised BCE on generated images.
        public var fakeLoss: Double?
        /// Generator loss through the frozen discriminator.
        public var generatorLoss: Double?
        public var trainAccuracy: Double
        public var validationLoss: Double?
        public var validationAccuracy: Double?
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case epoch, iterations, supervisedLoss = "d_supervised", realLoss = "d_real", fakeLoss = "d_fake"
            case generatorLoss = "g", trainAccuracy = "train_accuracy", validationLoss = "val_loss"
            case validationAccuracy = "val_accuracy", seconds
        }

        /// The figures as named values (for logs and the run registry).
        public var values: [String: Double] {
            var v = ["d_supervised": supervisedLoss, "train_accuracy": trainAccuracy, "seconds": seconds,
                     "iterations": Double(iterations)]
            v["d_real"] = realLoss; v["d_fake"] = fakeLoss; v["g"] = generatorLoss
            v["val_loss"] = validationLoss; v["val_accuracy"] = validationAccuracy
            return v
        }

        /// As a supervised epoch record (class-head loss and accuracy), for the standard training-curve plot.
        public var record: EpochRecord {
            EpochRecord(epoch: epoch, trainLoss: supervisedLoss, trainAccuracy: trainAccuracy, valLoss: validationLoss,
                        valAccuracy: validationAccuracy, learningRate: 0, seconds: seconds)
        }
    }

    /// What a run did.
    public struct Result {
        public var trainer: SGANIteration
        public var history: [Epoch]
        /// 1-based epoch whose networks were restored (nil without validation rows).
        public var bestEpoch: Int?
        public var bestValidationAccuracy: Double?
        public var stopReason: String
        public var iterations: Int
        public var seconds: Double
        /// The checkpoint file of the best epoch, when one reached the threshold.
        public var checkpoint: URL?
        /// Epochs whose validation accuracy reached the threshold (their checkpoints were written).
        public var checkpointEpochs: [Int]
        public var discriminator: SGANDiscriminator { trainer.discriminator }
        public var generator: SGANGenerator { trainer.generator }
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// N_B of the paper for `labelled` training images.
    public static func batchSize(labelled: Int, maximum: Int = 100) -> Int { max(1, min(maximum, labelled / 2)) }

    /// Trains a fresh SGAN on `labelled` rows (and `unlabelled` rows as the real pool), validating on `validation`.
    /// Checkpoints (discriminator and generator, one safetensors file) go to `checkpoints` when given; all but the
    /// best are removed at the end. `onEpoch` sees every epoch; `onCheckpoint` every file written.
    public func fit(data: PreparedDataset, labelled: [Int], unlabelled: [Int], validation: [Int],
                    checkpoints: URL? = nil, onEpoch: (Epoch) throws -> Void = { _ in },
                    onCheckpoint: (Epoch, URL) throws -> Void = { _, _ in }) throws -> Result {
        guard labelled.count >= 2 else { throw SGANTrainingError.tooFewLabels(labelled.count) }
        guard data.side == options.config.imageSize, data.channels == options.config.channels else {
            throw SGANTrainingError.wrongInput(side: data.side, channels: data.channels, config: options.config)
        }
        guard data.range.lowerBound < 0 else { throw SGANTrainingError.wrongRange(data.range) }
        var config = options.config
        config.classes = data.dataset.classes.count
        let trainer = SGANIteration(config: config, seed: options.seed, learningRate: options.learningRate, beta1: options.beta1)
        trainer.generatorObjective = options.generatorObjective
        let nb = Self.batchSize(labelled: labelled.count, maximum: options.maxBatch)
        let semi = options.mode == .semiSupervised
        // The real pool: the unlabelled rows; the labelled training images when there are none.
        let pool = unlabelled.isEmpty ? labelled : unlabelled
        var realStream = RowStream(data: data, rows: pool, batchSize: max(nb / 2, 1), augmentation: options.augmentation,
                                   seed: options.seed ^ 0x5EA1)
        if let checkpoints { try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true) }

        var history: [Epoch] = []
        var best: (accuracy: Double, loss: Double, epoch: Int, state: [Tensor])?
        var written: [(epoch: Int, url: URL)] = []
        var sinceBest = 0, iterations = 0
        var stopReason = "epoch budget (\(options.epochs)) reached"
        let start = Date()
        let parameters = trainer.discriminator.parameters + trainer.generator.parameters
        for epoch in 0..<options.epochs {
            let t0 = Date()
            var sums = (sup: 0.0, real: 0.0, fake: 0.0, gen: 0.0), count = 0, correct = 0, seen = 0
            let batches = BatchIterator(data, rows: labelled, batchSize: nb, shuffle: true, augmentation: options.augmentation,
                                        seed: options.seed, epoch: epoch)
            for batch in batches {
                let images = Tensor(shape: batch.shape, values: batch.data)
                let sup = trainer.supervisedStep(images: images, labels: batch.labels) { logits in
                    correct += Swift.zip(logits.argmaxRows(), batch.labels).filter { $0 == $1 }.count
                }
                sums.sup += Double(sup)
                seen += batch.labels.count
                if semi {
                    let real = realStream.next()
                    sums.real += Double(trainer.realStep(images: real))
                    sums.fake += Double(trainer.fakeStep(count: max(nb / 2, 1)))
                    sums.gen += Double(trainer.generatorStep(count: batch.labels.count, real: real))
                }
                count += 1
            }
            iterations += count
            let n = Double(max(count, 1))
            var record = Epoch(epoch: epoch + 1, iterations: count, supervisedLoss: sums.sup / n,
                               realLoss: semi ? sums.real / n : nil, fakeLoss: semi ? sums.fake / n : nil,
                               generatorLoss: semi ? sums.gen / n : nil,
                               trainAccuracy: Double(correct) / Double(max(seen, 1)), seconds: 0)
            if !validation.isEmpty {
                let v = SupervisedTrainer.validate(trainer.discriminator, data: data, rows: validation, classWeights: nil)
                record.validationLoss = v.loss.isFinite ? v.loss : nil
                record.validationAccuracy = v.accuracy
            }
            record.seconds = Date().timeIntervalSince(t0)
            history.append(record)
            try onEpoch(record)

            if let acc = record.validationAccuracy {
                let loss = record.validationLoss ?? .infinity
                let improved = best == nil || acc > best!.accuracy
                let tie = !improved && acc == best!.accuracy && loss < best!.loss
                sinceBest = improved ? 0 : sinceBest + 1
                if improved || tie {
                    best = (acc, loss, epoch + 1, parameters.map(\.value))
                    if let checkpoints, acc >= options.checkpointThreshold {
                        let url = checkpoints.appendingPathComponent(String(format: "epoch-%04d.safetensors", epoch + 1))
                        try Self.saveCheckpoint(trainer, epoch: record, to: url)
                        written.append((epoch + 1, url))
                        try onCheckpoint(record, url)
                    }
                }
            }
            if let patience = options.patience, sinceBest >= patience, best != nil {
                stopReason = "early stop: no better validation accuracy for \(patience) epochs"
                break
            }
            if let limit = options.timeLimit, Date().timeIntervalSince(start) >= limit {
                stopReason = String(format: "time limit (%.0f s) reached", limit)
                break
            }
            if !record.supervisedLoss.isFinite {
                stopReason = "supervised loss is not finite"
                break
            }
        }
        if let best {
            for (p, v) in Swift.zip(parameters, best.state) { p.value = v }
        }
        // Keep only the best checkpoint on disk.
        let kept = written.last(where: { $0.epoch == best?.epoch })?.url
        for w in written where w.url != kept { try? FileManager.default.removeItem(at: w.url) }
        return Result(trainer: trainer, history: history, bestEpoch: best?.epoch, bestValidationAccuracy: best?.accuracy,
                      stopReason: stopReason, iterations: iterations, seconds: Date().timeIntervalSince(start),
                      checkpoint: kept, checkpointEpochs: written.map(\.epoch))
    }

    /// Both networks in one safetensors file (`discriminator.*`, `generator.*`), written atomically.
    public static func saveCheckpoint(_ trainer: SGANIteration, epoch: Epoch, to url: URL) throws {
        var tensors: [(String, Tensor)] = []
        tensors += trainer.discriminator.stateTensors().map { ("discriminator.\($0.0)", $0.1) }
        tensors += trainer.generator.stateTensors().map { ("generator.\($0.0)", $0.1) }
        let meta = ["format": "cellphase-sgan-checkpoint", "epoch": "\(epoch.epoch)",
                    "val_accuracy": epoch.validationAccuracy.map { String($0) } ?? ""]
        try AtomicFile.write(SafeTensors.encode(tensors, metadata: meta), to: url)
    }

    /// `count` generated images as a contact sheet (8-bit, `columns` tiles per row) for a person to look at.
    public static func contactSheet(_ generator: SGANGenerator, count: Int = 64, columns: Int = 8, seed: UInt64 = 7) -> Image {
        var rng = RandomSource(seed: seed)
        let images = generator.infer(generator.sampleLatent(count, rng: &rng))
        let side = generator.config.imageSize, c = generator.config.channels, size = c * side * side
        let values = images.scalars
        let tiles = (0..<count).map { i in
            Image(width: side, height: side, channels: c, format: .float32,
                  pixels: values[i * size ..< (i + 1) * size].map { ($0 + 1) / 2 })
        }
        let rows = stride(from: 0, to: count, by: columns).map { Array(tiles[$0 ..< min(count, $0 + columns)]) }
        return ContactSheet.render(rows: rows, tile: side, gap: 2, stretch: false)
    }
}

/// Errors of an SGAN run (SGAN paper section 5: budgets the data cannot supply, inputs the networks cannot take).
public enum SGANTrainingError: Error, CustomStringConvertible, Equatable {
    case tooFewLabels(Int)
    case wrongInput(side: Int, channels: Int, config: SGANConfig)
    case wrongRange(ClosedRange<Float>)

    public var description: String {
        switch self {
        case let .tooFewLabels(n): return "SGAN training needs at least 2 labelled training images, got \(n)"
        case let .wrongInput(side, channels, config):
            return "SGAN: data are \(channels)-channel \(side)×\(side) px, the networks take \(config.channels)-channel \(config.imageSize)×\(config.imageSize)"
        case let .wrongRange(r):
            return "SGAN: data must be normalised to [-1, 1] (the generator's tanh range), got [\(r.lowerBound), \(r.upperBound)]"
        }
    }
}

/// An endless stream of augmented batches over `rows`, reshuffled on every pass (the real pool of an SGAN).
struct RowStream {
    let data: PreparedDataset
    let rows: [Int]
    let batchSize: Int
    let augmentation: AugmentationSettings?
    let seed: UInt64
    private var pass = 0
    private var iterator: BatchIterator?

    init(data: PreparedDataset, rows: [Int], batchSize: Int, augmentation: AugmentationSettings?, seed: UInt64) {
        self.data = data; self.rows = rows; self.batchSize = min(batchSize, rows.count)
        self.augmentation = augmentation; self.seed = seed
    }

    mutating func next() -> Tensor {
        while true {
            if iterator == nil {
                iterator = BatchIterator(data, rows: rows, batchSize: batchSize, shuffle: true, dropLast: true,
                                         augmentation: augmentation, seed: seed, epoch: pass)
                pass += 1
            }
            if let b = iterator!.next() { return Tensor(shape: b.shape, values: b.data) }
            iterator = nil
        }
    }
}
