import Models

/// An architecture's default training settings (each overridable on the command line): what `cellphase train` and
/// `cv` use for an architecture when the user gives none.
public struct Recipe: Sendable, Hashable {
    public var epochs: Int
    public var learningRate: Float
    public var schedule: SupervisedTrainer.Schedule
    /// Early-stopping patience in epochs.
    public var patience: Int

    public init(epochs: Int, learningRate: Float, schedule: SupervisedTrainer.Schedule, patience: Int) {
        self.epochs = epochs; self.learningRate = learningRate; self.schedule = schedule; self.patience = patience
    }

    /// Adam 1e-3 (*Live Cell Stage Classification Using Deep Learning*, section 2.3.3), halved on plateaus, up to
    /// 50 epochs, patience 10.
    public static let standard = Recipe(epochs: 50, learningRate: 1e-3, schedule: .plateau, patience: 10)
    /// The SGAN paper's low-depth CNN (section 6.2.2): Adam 5e-4 at a constant rate for up to 1000 epochs. It learns
    /// slowly (dropout after every block, 0.5 on the dense layers): on roboscope-zeiss its training accuracy is still
    /// ≈ 40 % after 40 epochs, so 50 epochs with a plateau schedule stop it half-way.
    public static let lowDepth = Recipe(epochs: 150, learningRate: 5e-4, schedule: .constant, patience: 40)

    /// The architecture `cellphase train` and `cv` use when none is named: resnet18 (*Live Cell Stage Classification
    /// Using Deep Learning*, section 2.3.2, the residual networks). On the SGAN paper's roboscope-zeiss folds it scored
    /// 80.2 ± 3.4 % against the low-depth CNN's 75.1 ± 2.4 % (paired +5.1 ± 1.6 points, better on every fold;
    /// `docs/accuracy.md`); with its own recipe (`annealed`) 80.7 ± 1.8 %, in 34 minutes for the 4 folds on one shared core.
    public static let defaultArchitecture = "resnet18"

    /// resnet18's: Adam 1e-3 annealed on a cosine to 1e-5 over 30 epochs, no early stopping, the best validation epoch
    /// restored. On the roboscope-zeiss folds it scored 80.7 ± 1.8 % against 77.5 ± 1.4 % for `.standard` (paired
    /// +3.2 ± 1.1 points, better on every fold; test ECE after calibration 0.048; docs/accuracy.md). With `.standard`
    /// early stopping fired after 15–25 epochs still at 1e-3, where validation accuracy jumps by ten points from one
    /// epoch to the next, so the best epoch was picked out of noise.
    public static let annealed = Recipe(epochs: 30, learningRate: 1e-3, schedule: .cosine(minimum: 1e-5), patience: 0)

    /// The recipe of a registered architecture (`ModelRegistry` names; unknown names get `.standard`).
    public static func `default`(for architecture: String) -> Recipe {
        switch try? ModelRegistry.entry(architecture).name {
        case "lowdepth": .lowDepth
        case "resnet18", "resnet18-small": .annealed
        default: .standard
        }
    }
}
