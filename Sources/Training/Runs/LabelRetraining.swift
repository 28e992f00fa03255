import Datasets
import Foundation
import Models

/// The "retrain now" step of the labelling loop (`cellphase label`): a short supervised training on the labels a
/// session holds so far, so that the page's guesses — and the crops suggested next — follow the labels. The SGAN
/// paper's premise (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*,
/// section 1): a few labels per class, chosen well. Every crop is a training crop (no validation or test split at
/// this size); the architecture's own recipe, cut to `epochs`, annealed to the end.
public struct LabelRetraining: Sendable {
    public var architecture: String
    public var epochs: Int
    public var side: Int
    public var seed: UInt64
    /// The class order of the model (the page's keys); labels outside it are refused.
    public var classes: [String]?

    public init(architecture: String = Recipe.defaultArchitecture, epochs: Int = 15, side: Int = 64, seed: UInt64 = 1,
                classes: [String]? = nil) {
        self.architecture = architecture; self.epochs = epochs; self.side = side; self.seed = seed; self.classes = classes
    }

    /// Labels needed per class before a retraining makes sense.
    public static let minimumPerClass = 2

    /// Trains on the manifest's labelled crops and writes `out/ARCH.cellphase`; returns the bundle. Fails with a
    /// message a labeller can act on when there are too few labels.
    public func run(labels: URL, out: URL, progress: (EpochRecord) -> Void = { _ in }) throws -> URL {
        guard (1...1000).contains(epochs) else { throw RunError("epochs must be 1…1000, not \(epochs)") }
        let mapping = ClassMapping(order: classes)
        let dataset = try Manifest.load(labels, mapping: mapping, onError: .skip)
        let counts = dataset.classCounts
        let labelled = dataset.classes.filter { (counts[$0] ?? 0) >= Self.minimumPerClass }
        guard labelled.count >= 2 else {
            throw RunError("retraining needs at least \(Self.minimumPerClass) labels in each of 2 classes; "
                                  + "so far: " + dataset.classes.map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: ", "))
        }
        let data = try PreparedDataset.prepare(dataset, settings: Experiment.preprocessing(side: side), onError: .skip)
        let recipe = Recipe.default(for: architecture)
        var o = SupervisedTrainer.Options()
        o.epochs = epochs
        o.learningRate = recipe.learningRate
        o.schedule = .cosine(minimum: Double(recipe.learningRate) / 100)
        o.earlyStopping = nil
        o.seed = seed
        var run = TrainingRun(architecture: architecture, options: o)
        run.validationFraction = 0
        run.testFraction = 0
        run.title = "cellphase label — retrained on \(data.count) labels"
        return try run.run(data: data, provenance: .of(data, root: labels, mapping: mapping, fingerprint: false), out: out,
                           progress: progress).bundle
    }
}
