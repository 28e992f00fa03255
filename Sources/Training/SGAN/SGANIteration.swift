import Engine
import Models
import NN
import Support

/// One SGAN training iteration as published (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, sections 4.1 and 4.2):
/// a supervised update on N_B labelled images, an unsupervised update on N_B/2 real unlabelled images, one on
/// N_B/2 generated images — applied in sequence to the shared discriminator — then a generator update through
/// the frozen discriminator. Adam with learning rate 6e-4 and β1 = 0.5 for both networks.
///
/// The unsupervised head D(x) = Z/(Z+1) with Z = Σ exp(logit) equals sigmoid(LSE(logits)), so its binary
/// cross-entropy is computed on LSE as a logit: log D = LSE − softplus(LSE), log(1 − D) = −softplus(LSE),
/// which never overflows (the naive Keras form does for large logits).
public final class SGANIteration {
    public let discriminator: SGANDiscriminator
    public let generator: SGANGenerator
    public let discriminatorOptimizer: Adam
    public let generatorOptimizer: Adam
    public var rng: RandomSource
    /// What the generator update minimises (the published loss by default).
    public var generatorObjective: GeneratorObjective = .published

    /// The generator's training objective.
    public enum GeneratorObjective: String, Sendable, Codable, CaseIterable {
        /// As published (section 4.2): the unsupervised head's BCE with target "real" on generated images.
        case published
        /// Feature matching (Salimans et al. 2016, "Improved techniques for training GANs", section 3.1, the
        /// objective of their semi-supervised GAN): the squared distance between the mean backbone features of a
        /// real unlabelled batch and of a generated one. The generator no longer chases the discriminator's
        /// current verdict, so the game stays balanced when labels are few.
        case featureMatching = "feature-matching"
    }

    /// Losses of one iteration.
    public struct Losses: Sendable, Codable {
        public var supervised: Float
        public var real: Float
        public var fake: Float
        public var generator: Float
    }

    public init(config: SGANConfig, seed: UInt64, learningRate: Float = 6e-4, beta1: Float = 0.5) {
        var rng = RandomSource(seed: seed)
        discriminator = SGANDiscriminator(config, rng: &rng)
        generator = SGANGenerator(config, rng: &rng)
        discriminatorOptimizer = Adam(parameters: discriminator.trainableParameters, learningRate: learningRate,
                                      beta1: beta1)
        generatorOptimizer = Adam(parameters: generator.trainableParameters, learningRate: learningRate, beta1: beta1)
        self.rng = rng
    }

    /// Stable BCE of the unsupervised head: target 1 for real images, 0 for generated ones.
    public static func unsupervisedLoss(logits: Variable, real: Bool) -> Variable {
        let n = logits.shape[0]
        return binaryCrossEntropyWithLogits(logits.logSumExp().reshaped([n, 1]),
                                            targets: Tensor(shape: [n, 1], repeating: real ? 1 : 0))
    }

    private func tape() -> Tape { Tape(training: true, seed: rng.next()) }

    /// Supervised update of the discriminator on labelled images `[N, C, H, W]`.
    @discardableResult
    public func supervisedStep(images: Tensor, labels: [Int], classWeights: [Float]? = nil,
                               observe: (_ logits: Tensor) -> Void = { _ in }) -> Float {
        let t = tape()
        let logits = discriminator(t.constant(images))
        let loss = sparseCrossEntropy(logits: logits, labels: labels, classWeights: classWeights)
        observe(logits.value)
        t.backward(loss)
        discriminatorOptimizer.step()
        return loss.value.scalar
    }

    /// Unsupervised update of the discriminator on real unlabelled images.
    @discardableResult
    public func realStep(images: Tensor) -> Float {
        let t = tape()
        let loss = Self.unsupervisedLoss(logits: discriminator(t.constant(images)), real: true)
        t.backward(loss)
        discriminatorOptimizer.step()
        return loss.value.scalar
    }

    /// Unsupervised update of the discriminator on `count` generated images.
    @discardableResult
    public func fakeStep(count: Int) -> Float {
        let fakes = generator(Variable(generator.sampleLatent(count, rng: &rng))).value  // generator in inference
        let t = tape()
        let loss = Self.unsupervisedLoss(logits: discriminator(t.constant(fakes)), real: false)
        t.backward(loss)
        discriminatorOptimizer.step()
        return loss.value.scalar
    }

    /// Generator update on `count` latent vectors through the frozen discriminator (its weights get no gradient).
    /// `real`: the real unlabelled batch whose mean features feature matching aims at (required for it).
    @discardableResult
    public func generatorStep(count: Int, real: Tensor? = nil) -> Float {
        let generatorParams = Set(generator.parameters.map(ObjectIdentifier.init))
        let t = Tape(training: true, seed: rng.next()) { generatorParams.contains(ObjectIdentifier($0)) && $0.requiresGrad }
        let z = t.constant(generator.sampleLatent(count, rng: &rng))
        let loss: Variable
        switch generatorObjective {
        case .published:
            loss = Self.unsupervisedLoss(logits: discriminator(generator(z)), real: true)
        case .featureMatching:
            guard let real else { preconditionFailure("feature matching needs a real batch") }
            let target = Self.batchMean(discriminator.backbone(t.constant(real))).value
            let gap = Self.batchMean(discriminator.backbone(generator(z))) - t.constant(target)
            loss = (gap * gap).mean()
        }
        t.backward(loss)
        generatorOptimizer.step()
        return loss.value.scalar
    }

    /// Mean over the batch axis of features `[N, F]` → `[1, F]` (a product with a constant row of 1/N).
    static func batchMean(_ x: Variable) -> Variable {
        let n = x.shape[0]
        return matmul(x.tape!.constant(Tensor(shape: [1, n], repeating: 1 / Float(n))), x)
    }

    /// The published iteration with batch N_B = `labelled.shape[0]`: supervised on N_B, real on N_B/2 from
    /// `unlabelled`, fake on N_B/2, generator on N_B.
    public func iteration(labelled: Tensor, labels: [Int], unlabelled: Tensor, classWeights: [Float]? = nil) -> Losses {
        let nb = labelled.shape[0]
        let sup = supervisedStep(images: labelled, labels: labels, classWeights: classWeights)
        let real = realStep(images: unlabelled)
        let fake = fakeStep(count: max(nb / 2, 1))
        let gen = generatorStep(count: nb, real: unlabelled)
        return Losses(supervised: sup, real: real, fake: fake, generator: gen)
    }
}
