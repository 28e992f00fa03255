import Engine
import NN
import Support

/// Layer widths and regularisation of a semi-supervised GAN (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 4.1).
///
/// The paper gives no widths; `.classic` is the Keras semi-supervised GAN it builds on (128 filters in every
/// block, ≈ 454 k discriminator parameters, 101.5 MFLOP per 64×64 image; generator ≈ 766 MFLOP per image).
public struct SGANConfig: Codable, Sendable, Equatable {
    public var imageSize = 64
    public var channels = 1
    public var classes = 5
    /// Filters of the four stride-2 discriminator blocks.
    public var discriminatorFilters = [128, 128, 128, 128]
    /// Filters of the four stride-2 generator blocks (from 4×4 up to the image size).
    public var generatorFilters = [128, 128, 128, 128]
    public var latentSize = 500
    public var discriminatorDropout: Float = 0.25
    public var generatorDropout: Float = 0
    public var leakySlope: Float = 0.2

    public init() {}

    /// The classic Keras SGAN with `classes` outputs.
    public static func classic(classes: Int = 5) -> SGANConfig {
        var c = SGANConfig()
        c.classes = classes
        return c
    }

    /// cellphase's default: DCGAN-style widths that halve as resolution doubles — discriminator 32→64→128→256
    /// filters, generator 256→128→64→32 — the lightest pair that stays within one point of `.classic` on real crops at
    /// the same 5-minute budget and keeps the SGAN ahead of its supervised-only baseline at 20 labels (docs/sgan.md).
    public static let light: SGANConfig = {
        var c = SGANConfig()
        c.discriminatorFilters = [32, 64, 128, 256]
        c.generatorFilters = [256, 128, 64, 32]
        return c
    }()

    /// The configuration a model bundle stores (`architecture` "sgan"; widths, latent size, dropout and slope as
    /// options, so `ModelRegistry.make` rebuilds the discriminator exactly).
    public var modelConfig: ModelConfig {
        ModelConfig(architecture: "sgan", inputSide: imageSize, channels: channels, classes: classes, options: [
            "d_filters": discriminatorFilters.map(String.init).joined(separator: ","),
            "g_filters": generatorFilters.map(String.init).joined(separator: ","),
            "latent": "\(latentSize)", "d_dropout": "\(discriminatorDropout)", "g_dropout": "\(generatorDropout)",
            "leaky_slope": "\(leakySlope)",
        ])
    }

    /// Reads a bundle's configuration back (missing options keep the classic values).
    public init(_ model: ModelConfig) {
        self.init()
        imageSize = model.inputSide; channels = model.channels; classes = model.classes
        func ints(_ k: String) -> [Int]? { model.options[k].map { $0.split(separator: ",").compactMap { Int($0) } } }
        if let f = ints("d_filters"), f.count == 4 { discriminatorFilters = f }
        if let f = ints("g_filters"), f.count == 4 { generatorFilters = f }
        if let v = model.options["latent"].flatMap(Int.init) { latentSize = v }
        if let v = model.options["d_dropout"].flatMap(Float.init) { discriminatorDropout = v }
        if let v = model.options["g_dropout"].flatMap(Float.init) { generatorDropout = v }
        if let v = model.options["leaky_slope"].flatMap(Float.init) { leakySlope = v }
    }

    /// Discriminator multiply-adds ×2 per image (convolutions and head).
    public var discriminatorFLOPs: Double {
        var side = imageSize, inC = channels, total = 0.0
        for f in discriminatorFilters {
            side = (side + 1) / 2
            total += 2 * Double(side * side * f * inC * 9)
            inC = f
        }
        return total + 2 * Double(inC * side * side * classes)
    }

    /// Generator multiply-adds ×2 per image (projection, transposed convolutions, output convolution).
    public var generatorFLOPs: Double {
        var side = seedSide, inC = generatorFilters[0]
        var total = 2 * Double(latentSize * inC * side * side)
        for f in generatorFilters {
            side *= 2
            total += 2 * Double(side * side * f * inC * 4)  // 4×4 kernel, stride 2: 4 taps per output pixel
            inC = f
        }
        return total + 2 * Double(side * side * inC * channels * 9)
    }

    /// Length of the flattened backbone output (last block's filters × (image size / 16)²).
    public var backboneFeatures: Int { discriminatorFilters[discriminatorFilters.count - 1] * seedSide * seedSide }

    /// Side of the feature map the generator starts from (image size / 16).
    public var seedSide: Int { imageSize / 16 }
}

/// The SGAN discriminator: a shared backbone of four [Conv 3×3 stride 2 "same", LeakyReLU, Dropout] blocks,
/// flattened into K class logits (section 4.1.1). The supervised head is softmax over the logits; the
/// unsupervised head is D(x) = Z/(Z+1) = sigmoid(logsumexp(logits)), computed stably by the trainer.
public final class SGANDiscriminator: Module, EmbeddingModel {
    public let config: SGANConfig
    public let backbone: Sequential
    public let head: Dense

    public init(_ config: SGANConfig, rng: inout RandomSource) {
        precondition(config.imageSize % 16 == 0, "SGAN image size must be a multiple of 16, got \(config.imageSize)")
        self.config = config
        backbone = Self.makeBackbone(config, rng: &rng)
        head = Dense(config.backboneFeatures, config.classes, rng: &rng)
        super.init()
        register(module: backbone, "backbone")
        register(module: head, "head")
    }

    /// The shared backbone: conv1/act1/drop1 … conv4/act4/drop4, flatten (the names transfer learning loads by,
    /// section 6.3).
    public static func makeBackbone(_ config: SGANConfig, rng: inout RandomSource) -> Sequential {
        var layers: [(String, Module)] = []
        var inC = config.channels
        for (i, f) in config.discriminatorFilters.enumerated() {
            layers.append(("conv\(i + 1)", Conv2D(inC, f, kernel: 3, stride: 2, padding: .same, rng: &rng)))
            layers.append(("act\(i + 1)", LeakyReLU(config.leakySlope)))
            layers.append(("drop\(i + 1)", Dropout(config.discriminatorDropout)))
            inC = f
        }
        layers.append(("flatten", Flatten()))
        return Sequential(named: layers)
    }

    /// Class logits `[N, K]` of images `[N, C, H, W]` in [-1, 1].
    public override func callAsFunction(_ x: Variable) -> Variable { head(backbone(x)) }

    /// The flattened last convolution block `[N, backboneFeatures]`.
    public func embedding(_ x: Variable) -> Variable { backbone(x) }

    /// Class logits in inference mode, the backbone as one convolution stack (section 6: classification on the fly).
    public override func infer(_ x: Tensor) -> Tensor { head(Variable(backbone.infer(x))).value }
}

/// The SGAN generator: z ~ N(0, I) → Dense → LeakyReLU → four stride-2 transposed-convolution blocks
/// (LeakyReLU, optional dropout) → 3×3 convolution to the image channels → tanh in [-1, 1] (section 4.1.2).
public final class SGANGenerator: Module {
    public let config: SGANConfig
    public let project: Dense
    public let body: Sequential

    public init(_ config: SGANConfig, rng: inout RandomSource) {
        self.config = config
        let s = config.seedSide
        let first = config.generatorFilters[0]
        project = Dense(config.latentSize, first * s * s, rng: &rng)
        var layers: [(String, Module)] = [("act0", LeakyReLU(config.leakySlope))]
        var inC = first
        for (i, f) in config.generatorFilters.enumerated() {
            layers.append(("up\(i + 1)", ConvTranspose2D(inC, f, kernel: 4, stride: 2, padding: .same, rng: &rng)))
            layers.append(("act\(i + 1)", LeakyReLU(config.leakySlope)))
            if config.generatorDropout > 0 { layers.append(("drop\(i + 1)", Dropout(config.generatorDropout))) }
            inC = f
        }
        layers.append(("out", Conv2D(inC, config.channels, kernel: 3, stride: 1, padding: .same, rng: &rng)))
        body = Sequential(named: layers)
        super.init()
        register(module: project, "project")
        register(module: body, "body")
    }

    /// Images `[N, C, H, W]` in [-1, 1] from latent vectors `[N, latentSize]`.
    public override func callAsFunction(_ z: Variable) -> Variable {
        let s = config.seedSide
        let h = project(z).reshaped([z.shape[0], config.generatorFilters[0], s, s])
        return body(h).tanh()
    }

    /// Latent vectors z ~ N(0, I).
    public func sampleLatent(_ n: Int, rng: inout RandomSource) -> Tensor {
        Tensor.normal([n, config.latentSize], rng: &rng)
    }
}
