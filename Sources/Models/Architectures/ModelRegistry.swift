import Engine
import Foundation
import NN
import Support

/// What is needed to rebuild a model exactly: its registered architecture name, input side and channels, class
/// count and architecture-specific options. Stored in every model bundle (`bundle.json`).
public struct ModelConfig: Sendable, Hashable, Codable {
    public var architecture: String
    public var inputSide: Int
    public var channels: Int
    public var classes: Int
    /// Architecture options (e.g. `"filters": "32,64,128"`); empty for the standard configuration.
    public var options: [String: String]

    enum CodingKeys: String, CodingKey {
        case architecture, inputSide = "input_side", channels, classes, options
    }

    public init(architecture: String, inputSide: Int, channels: Int = 1, classes: Int, options: [String: String] = [:]) {
        self.architecture = architecture; self.inputSide = inputSide; self.channels = channels
        self.classes = classes; self.options = options
    }

    /// The NCHW shape of a batch of `n` inputs.
    public func inputShape(batch n: Int) -> [Int] { [n, channels, inputSide, inputSide] }
}

/// Errors raised when building, feeding or initialising a named model.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unknownArchitecture(String, known: [String])
    case inputTooSmall(architecture: String, side: Int, minimum: Int)
    case invalidConfig(String)
    case wrongInputShape(architecture: String, expected: [Int], got: [Int])
    case pretrainedNothingLoaded(file: String, architecture: String)

    public var description: String {
        switch self {
        case let .unknownArchitecture(name, known):
            return "unknown model architecture '\(name)'; known: \(known.joined(separator: ", "))"
        case let .inputTooSmall(a, side, minimum):
            return "\(a): input side \(side) px is too small (minimum \(minimum))"
        case let .invalidConfig(m):
            return "invalid model configuration: \(m)"
        case let .wrongInputShape(a, expected, got):
            return "\(a): input has shape \(got), the model expects [N, \(expected[1]), \(expected[2]), \(expected[3])] (N ≥ 1)"
        case let .pretrainedNothingLoaded(file, a):
            return "\(file): no tensor matches \(a) by name (expected torchvision naming, e.g. 'features.0.0.weight' or 'conv1.weight')"
        }
    }
}

/// The named architectures `cellphase train --model NAME` knows, each with a documented default input size.
///
/// Every model takes `channels`-channel (usually 1-channel microscopy) square inputs of any side ≥ its minimum
/// (32 for all), takes its class count from the data and starts from He initialisation. Parameter names follow
/// torchvision where a torchvision model exists (ResNet, EfficientNet, MobileNetV2), so converted ImageNet
/// weights load by name with `ModelRegistry.loadPretrained`.
public enum ModelRegistry {
    /// One registered architecture.
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        /// Input side used when none is given.
        public let defaultSide: Int
        public let minimumSide: Int
        /// Dotted name of the first convolution's weight (summed over RGB for 1-channel input).
        public let firstConvWeight: String
        /// Name prefix of the classification head (skipped on `--init` when its shape differs).
        public let headPrefix: String
        /// Input sides must be a multiple of this (16 for the SGAN networks' four stride-2 stages).
        public var sideMultiple = 1
        let build: @Sendable (ModelConfig, inout RandomSource) -> Module
    }

    public static let entries: [Entry] = [
        Entry(name: "scnn", summary: "sequential CNN of the first paper (Conv/MaxPool blocks, Dense, Dropout)",
              defaultSide: 64, minimumSide: 32, firstConvWeight: "features.block1.conv.weight", headPrefix: "classifier.logits",
              build: { c, rng in SequentialCNN(inputSide: c.inputSide, channels: c.channels, classes: c.classes, rng: &rng) }),
        Entry(name: "lowdepth", summary: "low-depth CNN of the SGAN paper, section 6.2.2 (3 conv blocks, BN, Dense 256/128)",
              defaultSide: 64, minimumSide: 32, firstConvWeight: "features.block1.conv.weight", headPrefix: "classifier.logits",
              build: { c, rng in LowDepthCNN(inputSide: c.inputSide, channels: c.channels, classes: c.classes, rng: &rng) }),
        Entry(name: "resnet18", summary: "ResNet-18 (basic residual blocks, batch norm; torchvision names)",
              defaultSide: 64, minimumSide: 32, firstConvWeight: "conv1.weight", headPrefix: "fc",
              build: { c, rng in ResNet(.resnet18, channels: c.channels, classes: c.classes, rng: &rng) }),
        Entry(name: "resnet18-small", summary: "ResNet-18 sized for 64-px crops (3×3/1 stem, widths 32–256; torchvision names)",
              defaultSide: 64, minimumSide: 32, firstConvWeight: "conv1.weight", headPrefix: "fc",
              build: { c, rng in ResNet(.resnet18Small, channels: c.channels, classes: c.classes, rng: &rng) }),
        Entry(name: "resnet50", summary: "ResNet-50 (bottleneck residual blocks, batch norm; torchvision names)",
              defaultSide: 64, minimumSide: 32, firstConvWeight: "conv1.weight", headPrefix: "fc",
              build: { c, rng in ResNet(.resnet50, channels: c.channels, classes: c.classes, rng: &rng) }),
        Entry(name: "efficientnet-b0", summary: "EfficientNet-B0 (MBConv, depthwise conv, squeeze-excitation, SiLU; torchvision names)",
              defaultSide: 64, minimumSide: 32, firstConvWeight: "features.0.0.weight", headPrefix: "classifier",
              build: { c, rng in EfficientNetB0(channels: c.channels, classes: c.classes, rng: &rng) }),
        Entry(name: "mobilenet-v2", summary: "MobileNetV2 (inverted residuals, linear bottlenecks, ReLU6; torchvision names)",
              defaultSide: 64, minimumSide: 32, firstConvWeight: "features.0.0.weight", headPrefix: "classifier",
              build: { c, rng in MobileNetV2(channels: c.channels, classes: c.classes, rng: &rng) }),
        Entry(name: "sgan", summary: "SGAN discriminator of the SGAN paper, section 4.1 (4 stride-2 conv blocks, K logits); train with `cellphase sgan train`",
              defaultSide: 64, minimumSide: 32, firstConvWeight: "backbone.conv1.weight", headPrefix: "head", sideMultiple: 16,
              build: { c, rng in SGANDiscriminator(SGANConfig(c), rng: &rng) }),
        Entry(name: "sgan-transfer", summary: "SGAN backbone + Dense 512/256/128 head with ReLU and batch norm, SGAN paper section 6.3; train with `cellphase transfer`",
              defaultSide: 64, minimumSide: 32, firstConvWeight: "backbone.conv1.weight", headPrefix: "head", sideMultiple: 16,
              build: { c, rng in TransferClassifier(SGANConfig(c), headWidths: TransferClassifier.headWidths(c), rng: &rng) }),
    ]

    /// Registered names, in listing order.
    public static var names: [String] { entries.map(\.name) }

    /// The entry called `name` (case-insensitive; `efficientnet_b0`, `mobilenet_v2` also accepted).
    public static func entry(_ name: String) throws -> Entry {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        guard let e = entries.first(where: { $0.name == key }) else {
            throw ModelError.unknownArchitecture(name, known: names)
        }
        return e
    }

    /// Builds the model a configuration describes, He-initialised from `seed` (an `Ensemble`'s member `i` from
    /// `seed + i`).
    public static func make(_ config: ModelConfig, seed: UInt64) throws -> Module {
        if config.architecture == Ensemble.architecture {
            let (member, count) = try Ensemble.members(of: config)
            return Ensemble(members: try (0..<count).map { try make(member, seed: seed &+ UInt64($0)) })
        }
        let e = try entry(config.architecture)
        guard config.inputSide >= e.minimumSide else {
            throw ModelError.inputTooSmall(architecture: e.name, side: config.inputSide, minimum: e.minimumSide)
        }
        guard config.channels >= 1 else { throw ModelError.invalidConfig("channels must be ≥ 1, got \(config.channels)") }
        guard config.classes >= 2 else { throw ModelError.invalidConfig("at least 2 classes needed, got \(config.classes)") }
        if config.inputSide % e.sideMultiple != 0 {
            throw ModelError.invalidConfig("\(e.name): input side must be a multiple of \(e.sideMultiple), got \(config.inputSide)")
        }
        var rng = RandomSource(seed: seed)
        return e.build(config, &rng)
    }

    /// Whether this cellphase can rebuild `config`'s architecture: a registered one, or an `Ensemble` of a registered
    /// one with an allowed member count.
    public static func knows(_ config: ModelConfig) -> Bool {
        if config.architecture == Ensemble.architecture {
            guard let (member, _) = try? Ensemble.members(of: config) else { return false }
            return (try? entry(member.architecture)) != nil
        }
        return (try? entry(config.architecture)) != nil
    }

    /// Throws a clear error unless `shape` is a batch of inputs of this configuration.
    public static func checkInput(_ shape: [Int], for config: ModelConfig) throws {
        let want = config.inputShape(batch: shape.first ?? 0)
        guard shape.count == 4, shape[0] >= 1, shape == want else {
            throw ModelError.wrongInputShape(architecture: config.architecture, expected: want, got: shape)
        }
    }

    /// Loads ImageNet-style weights (a safetensors file converted from torchvision) into `model` by name:
    /// the first convolution's RGB filters are summed into the model's single channel, buffers PyTorch keeps
    /// but we do not (`num_batches_tracked`) are skipped, and the classification head is skipped when its shape
    /// differs (a new head for our classes). Returns the names loaded.
    @discardableResult
    public static func loadPretrained(_ url: URL, into model: Module, config: ModelConfig) throws -> [String] {
        let e = try entry(config.architecture)
        let shapes = Dictionary(model.namedParameters().map { ($0.name, $0.parameter.value.shape) },
                                uniquingKeysWith: { a, _ in a })
        let loaded = try model.loadState(from: url) { name, tensor in
            if name.hasSuffix("num_batches_tracked") { return nil }
            guard let target = shapes[name] else { return nil }
            if name == e.firstConvWeight, tensor.rank == 4, tensor.shape[1] != target[1], target[1] == 1 {
                return (name, sumInputChannels(tensor))
            }
            if name.hasPrefix(e.headPrefix), tensor.shape != target { return nil }
            return (name, tensor)
        }
        guard !loaded.isEmpty else { throw ModelError.pretrainedNothingLoaded(file: url.path, architecture: e.name) }
        return loaded
    }

    /// `[out, in, k, k]` → `[out, 1, k, k]` by summing over the input channels.
    static func sumInputChannels(_ w: Tensor) -> Tensor {
        let o = w.shape[0], i = w.shape[1], kk = w.shape[2] * w.shape[3]
        var out = [Float](repeating: 0, count: o * kk)
        let s = w.scalars
        for a in 0..<o { for c in 0..<i { for k in 0..<kk { out[a * kk + k] += s[(a * i + c) * kk + k] } } }
        return Tensor(shape: [o, 1, w.shape[2], w.shape[3]], values: out)
    }
}
