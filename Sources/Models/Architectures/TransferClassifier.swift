import Engine
import NN
import Support

/// The transfer-learning classifier of the (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 6.3.3): the SGAN discriminator's
/// convolutional `backbone` (same layer names as `SGANDiscriminator`, so a trained "sgan" bundle's weights load by
/// name) under a new `head` of Dense layers (by default 512 → 256 → 128), each followed by ReLU and batch
/// normalisation, then the logits over the new classes (softmax lives in the loss).
///
/// The head's batch norm uses momentum 0.9 (PyTorch's default) rather than Keras' 0.99, so its running statistics
/// settle within the few steps per epoch a small transfer set gives.
///
/// Stored in bundles as architecture "sgan-transfer": the sgan options (`d_filters`, `d_dropout`, …) plus
/// `head` ("512,256,128").
public final class TransferClassifier: Module, EmbeddingModel {
    /// The paper's head widths (section 6.3.3).
    public static let defaultHead = [512, 256, 128]

    public let config: SGANConfig
    public let headWidths: [Int]
    public let backbone: Sequential
    public let head: Sequential

    /// `config.classes` is the number of new classes.
    public init(_ config: SGANConfig, headWidths: [Int] = TransferClassifier.defaultHead, rng: inout RandomSource) {
        precondition(config.imageSize % 16 == 0, "SGAN image size must be a multiple of 16, got \(config.imageSize)")
        precondition(headWidths.allSatisfy { $0 >= 1 }, "transfer head widths must be ≥ 1, got \(headWidths)")
        self.config = config
        self.headWidths = headWidths
        backbone = SGANDiscriminator.makeBackbone(config, rng: &rng)
        var layers: [(String, Module)] = []
        var inF = config.backboneFeatures
        for (i, w) in headWidths.enumerated() {
            layers.append(("fc\(i + 1)", Dense(inF, w, initializer: .heNormal, rng: &rng)))
            layers.append(("relu\(i + 1)", ReLU()))
            layers.append(("bn\(i + 1)", BatchNorm(w, momentum: 0.9)))
            inF = w
        }
        layers.append(("logits", Dense(inF, config.classes, rng: &rng)))
        head = Sequential(named: layers)
        super.init()
        register(module: backbone, "backbone")
        register(module: head, "head")
    }

    /// Whether training passes apply the backbone's dropout. `TransferLearning` turns it off while the backbone is
    /// frozen or fine-tuned (Keras' base model called with `training=False`, so the head learns from the features it
    /// sees at inference) and on for full retraining. Inference never drops.
    public var backboneDropout = true

    /// Class logits `[N, K]` of images `[N, C, H, W]` prepared like the source SGAN's data ([-1, 1]).
    public override func callAsFunction(_ x: Variable) -> Variable {
        guard !backboneDropout else { return head(backbone(x)) }
        return head(backbone.layers.reduce(x) { $1 is Dropout ? $0 : $1($0) })
    }

    /// The head's last batch-normalised layer `[N, last head width]` (the backbone's features without a head).
    public func embedding(_ x: Variable) -> Variable { head.allButLast(backbone(x)) }

    /// Class logits in inference mode, the backbone as one convolution stack.
    public override func infer(_ x: Tensor) -> Tensor { head(Variable(backbone.infer(x))).value }

    /// The backbone's convolutions, first to last (`backbone.conv1` …).
    public var convolutions: [(name: String, module: Module)] {
        config.discriminatorFilters.indices.compactMap { i in
            backbone.child(at: "conv\(i + 1)").map { ("conv\(i + 1)", $0) }
        }
    }

    /// The configuration a bundle stores: architecture "sgan-transfer", the sgan options and `head`.
    public var modelConfig: ModelConfig { Self.modelConfig(config, headWidths: headWidths) }

    /// See `modelConfig`.
    public static func modelConfig(_ config: SGANConfig, headWidths: [Int]) -> ModelConfig {
        var c = config.modelConfig
        c.architecture = "sgan-transfer"
        c.options["head"] = headWidths.map(String.init).joined(separator: ",")
        return c
    }

    /// Head widths stored in a model configuration (the default when absent or unreadable).
    public static func headWidths(_ model: ModelConfig) -> [Int] {
        guard let s = model.options["head"] else { return defaultHead }
        if s.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
        let w = s.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return w.count == s.split(separator: ",").count && w.allSatisfy { $0 >= 1 } ? w : defaultHead
    }
}
