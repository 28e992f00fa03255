import Datasets
import Engine
import Foundation
import NN
import Support

/// The JSON config saved next to a model's parameters in a plain model folder (`model.safetensors` + `model.json`,
/// written by `Classifier.saveFolder`): enough to rebuild an SGAN discriminator or a low-depth CNN for inference
/// without a full bundle.
public struct ClassifierConfig: Codable, Sendable, Equatable {
    /// "sgan" (SGAN discriminator, SGAN paper section 4.1.1) or "lowdepth" (the paper's low-depth CNN, 6.2.2).
    public var architecture: String
    public var classes: [String]
    public var preprocessing: PreprocessSettings
    public var channels: Int
    /// SGAN layer widths (architecture "sgan").
    public var sgan: SGANConfig?
    /// Convolution filters (architecture "lowdepth").
    public var filters: [Int]?
    public var metrics: [String: Double]?
    public var name: String?
    /// How the training crops framed their nucleus (optional).
    public var cropFraming: CropFraming?

    public init(architecture: String, classes: [String], preprocessing: PreprocessSettings, channels: Int = 1,
                sgan: SGANConfig? = nil, filters: [Int]? = nil, metrics: [String: Double]? = nil, name: String? = nil,
                cropFraming: CropFraming? = nil) {
        self.architecture = architecture; self.classes = classes; self.preprocessing = preprocessing; self.channels = channels
        self.sgan = sgan; self.filters = filters; self.metrics = metrics; self.name = name; self.cropFraming = cropFraming
    }

    /// Builds the (untrained) module this config describes.
    public func makeModule(seed: UInt64 = 0) throws -> Module {
        var rng = RandomSource(seed: seed)
        switch architecture {
        case "sgan":
            var c = sgan ?? SGANConfig.classic(classes: classes.count)
            c.classes = classes.count; c.channels = channels; c.imageSize = preprocessing.side
            return SGANDiscriminator(c, rng: &rng)
        case "lowdepth":
            return LowDepthCNN(inputSide: preprocessing.side, channels: channels, classes: classes.count,
                               filters: filters ?? [32, 64, 128], rng: &rng)
        default:
            throw ClassifierError.badModel("unknown architecture '\(architecture)' (known: sgan, lowdepth)")
        }
    }

    /// The bundle description of the model this config rebuilds.
    var bundleInfo: BundleInfo {
        var model = ModelConfig(architecture: architecture, inputSide: preprocessing.side, channels: channels, classes: classes.count)
        if let sgan { model = sgan.modelConfig; model.channels = channels; model.classes = classes.count; model.inputSide = preprocessing.side }
        if let filters { model.options["filters"] = filters.map(String.init).joined(separator: ",") }
        return BundleInfo(model: model, classes: classes, preprocessing: preprocessing, augmentation: nil, data: nil, seed: 0,
                          cropFraming: cropFraming)
    }
}

/// Errors of loading a model for classification.
public enum ClassifierError: Error, LocalizedError, Equatable {
    case badModel(String)

    public var errorDescription: String? {
        switch self {
        case let .badModel(m): "model: \(m)"
        }
    }
}

extension Classifier {
    /// Class names of roboscope-zeiss in folder order (used by the untrained timing model).
    public static let roboscopeClasses = ["A", "I", "J", "M", "P", "PM", "T"]

    /// Loads a classifier from what `--model` names:
    /// - a model bundle (`NAME.cellphase/` with `bundle.json`, written by `train`, `sgan`, `transfer`),
    /// - a folder holding `model.safetensors` + `model.json` (a `ClassifierConfig`),
    /// - a `.safetensors` file with its `.json` config beside it, or
    /// - `untrained-sgan`: the default SGAN discriminator (`SGANConfig.light`, widths 32→64→128→256, what
    ///   `cellphase sgan` trains) with 7 roboscope classes and random weights — for timing and plumbing only, its
    ///   classes mean nothing; `untrained-sgan-classic`: the same with the classic 128-wide discriminator.
    public static func load(_ spec: String) throws -> Classifier {
        if spec == "untrained-sgan" { return untrainedSGAN() }
        if spec == "untrained-sgan-classic" { return untrainedSGAN(.classic()) }
        var url = URL(fileURLWithPath: spec)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw ClassifierError.badModel("\(spec): no such file or folder (give a model bundle NAME.cellphase, a folder with model.safetensors + model.json, a .safetensors file, or untrained-sgan)")
        }
        if isDir.boolValue, FileManager.default.fileExists(atPath: url.appendingPathComponent(ModelBundle.infoFile).path) {
            return try Classifier(bundle: url)
        }
        if isDir.boolValue { url = url.appendingPathComponent("model.safetensors") }
        let config: ClassifierConfig
        do { config = try Module.loadConfig(ClassifierConfig.self, for: url) } catch {
            throw ClassifierError.badModel("\(Module.configURL(for: url).path): cannot read the model config: \(error)")
        }
        let module = try config.makeModule()
        do { try module.loadState(from: url) } catch { throw ClassifierError.badModel("\(url.path): \(error)") }
        let c = Classifier(model: module, info: config.bundleInfo,
                           name: config.name ?? url.deletingLastPathComponent().lastPathComponent)
        c.metrics = config.metrics ?? [:]
        return c
    }

    /// Saves `module` with its config into `folder` (`model.safetensors` + `model.json`), the plain folder `load` reads.
    public static func saveFolder(_ module: Module, config: ClassifierConfig, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try module.saveState(to: folder.appendingPathComponent("model.safetensors"), config: config)
    }

    /// An SGAN discriminator of `config`'s widths (default: the product default, `SGANConfig.light`) with 7
    /// roboscope classes, seeded random weights and GAN preprocessing. Named `untrained-sgan-D32-64-128-256` after
    /// its discriminator widths, so benchmarks say what they ran.
    public static func untrainedSGAN(_ config: SGANConfig = .light, seed: UInt64 = 1) -> Classifier {
        var rng = RandomSource(seed: seed)
        var c = config
        c.classes = roboscopeClasses.count
        let d = SGANDiscriminator(c, rng: &rng)
        let widths = c.discriminatorFilters.map(String.init).joined(separator: "-")
        let info = BundleInfo(model: c.modelConfig, classes: roboscopeClasses, preprocessing: .gan, augmentation: nil,
                              data: nil, seed: seed)
        return Classifier(model: d, info: info, name: "untrained-sgan-D\(widths)", trained: false)
    }
}
