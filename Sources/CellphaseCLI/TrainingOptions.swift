import ArgumentParser
import Foundation
import Imaging
import Models
import Training

/// Training settings shared by train and cv.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Input side in pixels (square; ≥ 32).") var size: Int = 64
    @Option(help: "Maximum epochs (default: the architecture's: 50; resnet18 30; lowdepth 150).") var epochs: Int?
    @Option(help: "Mini-batch size.") var batchSize: Int = 32
    @Option(help: "Adam learning rate (default: the architecture's: 1e-3; lowdepth 5e-4).") var lr: Float?
    @Option(help: "Learning-rate schedule: plateau, cosine or constant (default: the architecture's: plateau; resnet18 cosine; lowdepth constant).")
    var schedule: SupervisedTrainer.Schedule?
    @Option(help: "Validation figure for early stopping and the best epoch: balanced-accuracy, accuracy or loss.")
    var monitor: SupervisedTrainer.Monitor = .balancedAccuracy
    @Option(help: "Early stopping: epochs without improvement before stopping (0: never stop early; default: the architecture's: 10; resnet18 0; lowdepth 40).")
    var patience: Int?
    @Option(help: "Early stopping never fires before this many epochs (BN nets sit at chance at first).") var warmup: Int = 15
    @Option(help: "Share of the training images held out for validation.") var validationFraction: Double = 0.15
    @Flag(help: "Train without on-the-fly augmentation.") var noAugment = false
    @Option(help: "On-the-fly augmentation: paper (rotation, flips, shift, zoom, brightness) or acquisition (the paper's plus blur, sensor noise and coarse grey levels, so that calls depend less on the microscope).")
    var augment: AugmentationChoice = .paper
    @Option(help: "Train on blends of two crops: mixup (λ·x + (1 − λ)·x′) or cutmix (a box of x′ pasted into x), λ ~ Beta(α, α) with --mix-alpha. Default: none.")
    var mix: MixChoice?
    @Option(help: "α of --mix (0.05–10; default 0.2 for mixup, 1 for cutmix).") var mixAlpha: Double?
    @Flag(help: "Do not weight classes by inverse frequency.") var noClassWeights = false
    @Option(help: "Initial weights: a safetensors file with torchvision names (first conv summed over RGB).") var `init`: String?
    @Option(help: "Random seed (same seed, same result).") var seed: UInt64 = 1
    @Option(help: """
        Before each validation, recompute batch-norm statistics over this many training images (unaugmented, \
        dropout off); 0 keeps the running averages.
        """)
    var bnCalibration: Int = 512
    @Option(help: """
        Train this many models with different seeds on the same split and average their probabilities (one bundle; \
        1–8, default 1). Costs K× the training and inference time.
        """)
    var ensemble: Int = 1

    func validate() throws {
        try OptionCheck.integer(bnCalibration, "--bn-calibration", 0...1_000_000)
        try OptionCheck.integer(ensemble, "--ensemble", 1...Ensemble.memberCounts.upperBound)
        try OptionCheck.number(mixAlpha, "--mix-alpha", BatchMixing.alphas)
        if mixAlpha != nil, mix == nil { throw ValidationError("--mix-alpha needs --mix mixup or --mix cutmix") }
        try OptionCheck.integer(size, "--size", 32...1024)
        try OptionCheck.integer(epochs, "--epochs", 1...100_000)
        try OptionCheck.integer(batchSize, "--batch-size", 2...4096)
        try OptionCheck.integer(patience, "--patience", 0...100_000)
        try OptionCheck.integer(warmup, "--warmup", 0...100_000)
        try OptionCheck.number(lr, "--lr", 0...1, excludingLower: true)
        guard validationFraction > 0, validationFraction < 0.5 else { throw ValidationError("--validation-fraction must be in (0, 0.5)") }
    }

    var initURL: URL? { self.`init`.map { URL(fileURLWithPath: $0) } }

    /// The architecture's recipe with what the user gave on top.
    func recipe(for architecture: String) -> Recipe {
        var r = Recipe.default(for: architecture)
        if let epochs { r.epochs = epochs }
        if let lr { r.learningRate = lr }
        if let schedule { r.schedule = schedule }
        if let patience { r.patience = patience }
        return r
    }

    func trainerOptions(for architecture: String, log: TrainingLog?) -> SupervisedTrainer.Options {
        let r = recipe(for: architecture)
        var o = SupervisedTrainer.Options()
        o.epochs = r.epochs
        o.batchSize = batchSize
        o.learningRate = r.learningRate
        o.schedule = r.schedule
        o.monitor = monitor
        o.earlyStopping = r.patience > 0 ? .init(patience: r.patience, warmup: warmup) : nil
        o.augmentation = noAugment ? nil : augment.settings
        o.balanceClasses = !noClassWeights
        o.log = log
        o.seed = seed
        o.batchNormCalibrationImages = bnCalibration
        o.members = ensemble
        o.mixing = mix.map { $0.mixing(alpha: mixAlpha) }
        return o
    }

    func settingsRows(for architectures: [String]) -> [(String, String)] {
        let recipes = architectures.map { ($0, recipe(for: $0)) }
        func each(_ f: (Recipe) -> String) -> String {
            let values = recipes.map { f($0.1) }
            return Set(values).count <= 1 ? values.first ?? "" : zip(recipes, values).map { "\($0.0): \($1)" }.joined(separator: "; ")
        }
        return [("input", "\(size)×\(size) px, 1st–99.8th percentile → [0, 1]"), ("epochs (max)", each { "\($0.epochs)" }),
         ("batch size", "\(batchSize)"), ("optimiser", each { "Adam, learning rate \($0.learningRate)" }), ("schedule", each(\.schedule.name)),
         ("early stopping", each { $0.patience > 0 ? "on \(monitor.rawValue), patience \($0.patience), warm-up \(warmup) epochs" : "off" }),
         ("class weights", noClassWeights ? "none" : "balanced (when counts differ)"),
         ("augmentation", noAugment ? "none" : "rotation ±30°, flips, shift 10 %, zoom 0.9–1.1, brightness 1.0–1.3"
            + (augment == .acquisition ? "; each on half the crops: blur σ 0.3–1.2 px, noise 0.5–4 % of the range, 24–96 grey levels" : "")),
         ("batch-norm statistics", bnCalibration > 0 ? "recomputed over \(bnCalibration) training images before each validation" : "running averages"),
         ("initial weights", self.`init` ?? "He initialisation"), ("seed", "\(seed)")]
            + (mix.map { [("batch mixing", $0.mixing(alpha: mixAlpha).name)] } ?? [])
            + (ensemble > 1 ? [("ensemble", "\(ensemble) models per split (seeds \(seed), \(seed) + 100, …), probabilities averaged")] : [])
    }
}
