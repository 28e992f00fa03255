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
    /// `docs/accuracy.md`), in about 30 minutes for the 4 folds on 2 cores.
    public static let defaultArchitecture = "resnet18"

    /// The recipe of a registered architecture (`ModelRegistry` names; unknown names get `.standard`).
    public static func `default`(for architecture: String) -> Recipe {
        (try? ModelRegistry.entry(architecture).name) == "lowdepth" ? .lowDepth : .standard
    }
}
