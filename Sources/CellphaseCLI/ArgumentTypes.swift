import ArgumentParser
import Datasets
import Imaging
import Labelling
import Training

// The options with a fixed set of values, typed: argument-parser checks them and lists the choices in `--help`.

extension ResizeMode: ExpressibleByArgument {}
extension ErrorPolicy: ExpressibleByArgument {}
extension LabelSuggestion.Strategy: ExpressibleByArgument {}
extension LabelManifest.ConflictPolicy: ExpressibleByArgument {}
extension SupervisedTrainer.Monitor: ExpressibleByArgument {}
extension SGANIteration.GeneratorObjective: ExpressibleByArgument {}

extension SupervisedTrainer.Schedule: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public var defaultValueDescription: String { name }
    public static var allValueStrings: [String] { ["plateau", "cosine", "constant"] }
}

/// `transfer --mode`: fine-tune the last layers after the head, the head alone, or every layer.
enum TransferMode: String, ExpressibleByArgument, CaseIterable {
    case fineTune = "fine-tune", head, full
}

/// `data examples --format`: 8-bit PNG or 16-bit LZW TIFF.
enum ExampleFormat: String, ExpressibleByArgument, CaseIterable {
    case png, tif
}

/// `--intensity`: each crop's own percentiles, one range for the whole dataset, or both as two input channels.
enum IntensityMode: String, ExpressibleByArgument, CaseIterable {
    case image, dataset, both
}

/// `--augment`: the SGAN paper's geometric recipe, or that recipe with the changes of another microscope on top.
enum AugmentationChoice: String, ExpressibleByArgument, CaseIterable {
    case paper, acquisition

    var settings: AugmentationSettings { self == .paper ? .paper : .acquisition }
}

/// `--mix`: blend training crops by mixup or CutMix (`BatchMixing`).
enum MixChoice: String, ExpressibleByArgument, CaseIterable {
    case mixup, cutmix

    func mixing(alpha: Double?) -> BatchMixing {
        self == .mixup ? .mixup(alpha: alpha ?? 0.2) : .cutmix(alpha: alpha ?? 1)
    }
}
