import Datasets
import Engine
import Foundation
import Imaging
import Models
import NN
import Support

/// The SGAN experiment protocol of the (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 5) for one test fold: draw N labelled
/// images per class and an unlabelled pool from the training rows, hold out a stratified 20 % of the labelled
/// budget for validation, train (`SGANTraining`), and evaluate the restored best epoch once on the test rows.
public enum SGANExperiment {
    /// A label budget: N labelled images per class and the size of the unlabelled pool.
    public struct BudgetSpec: Sendable, Codable, Hashable {
        public var labelsPerClass: Int
        /// Unlabelled pool size; nil takes everything the budget leaves (or every extra unlabelled image).
        public var unlabelled: Int?
        /// Draw the pool balanced over classes (the paper's "185 class-stratified" cell).
        public var stratifiedPool: Bool

        public init(labelsPerClass: Int, unlabelled: Int? = nil, stratifiedPool: Bool = false) {
            self.labelsPerClass = labelsPerClass; self.unlabelled = unlabelled; self.stratifiedPool = stratifiedPool
        }

        enum CodingKeys: String, CodingKey {
            case labelsPerClass = "labels_per_class", unlabelled, stratifiedPool = "stratified_pool"
        }

        /// "l80-u600", "l20-u185s", "l40-uall".
        public var key: String { "l\(labelsPerClass)-u\(unlabelled.map(String.init) ?? "all")\(stratifiedPool ? "s" : "")" }
    }

    /// One test fold's run.
    public struct FoldRun {
        public var name: String
        public var report: EvaluationReport
        public var probabilities: [[Float]]
        public var testRows: [Int]
        public var result: SGANTraining.Result
        /// Rows of the data: labelled for training, labelled for validation, the unlabelled pool.
        public var labelledRows: [Int], validationRows: [Int], unlabelledRows: [Int]
        public var labelledCount: Int { labelledRows.count }
        public var validationCount: Int { validationRows.count }
        public var unlabelledCount: Int { unlabelledRows.count }
    }

    /// Runs one fold. `trainRows` are the candidate rows (labelled ones give the budget, the rest the pool);
    /// `extraUnlabelled` are rows without labels (an unlabelled folder) used as the pool instead when given.
    public static func runFold(name: String, data: PreparedDataset, trainRows: [Int], testRows: [Int],
                               extraUnlabelled: [Int] = [], budget: BudgetSpec, options: SGANTraining.Options,
                               checkpoints: URL? = nil, onEpoch: (SGANTraining.Epoch) throws -> Void = { _ in },
                               onCheckpoint: (SGANTraining.Epoch, URL) throws -> Void = { _, _ in }) throws -> FoldRun {
        let b = try Budget.forFold(labels: data.labels, classNames: data.dataset.classes, trainRows: trainRows,
                                   extraUnlabelled: extraUnlabelled, perClass: budget.labelsPerClass, unlabelled: budget.unlabelled,
                                   stratifiedPool: budget.stratifiedPool, seed: options.seed)
        let semi = options.mode == .semiSupervised
        let result = try SGANTraining(options: options).fit(
            data: data, labelled: b.labelled, unlabelled: semi ? b.unlabelled : [],
            validation: b.validation, checkpoints: checkpoints, onEpoch: onEpoch, onCheckpoint: onCheckpoint)
        let (report, probabilities) = try Experiment.evaluate(result.discriminator, data: data, rows: testRows)
        return FoldRun(name: name, report: report, probabilities: probabilities, testRows: testRows, result: result,
                       labelledRows: b.labelled, validationRows: b.validation, unlabelledRows: semi ? b.unlabelled : [])
    }

    /// Writes a fold's discriminator as a model bundle (architecture "sgan", usable by evaluate/predict/analyze/
    /// serve and by `cellphase transfer`), its generator next to it, and a contact sheet of generated samples.
    @discardableResult
    public static func saveFold(_ run: FoldRun, data: PreparedDataset, provenance: DataProvenance?,
                                options: SGANTraining.Options, to dir: URL) throws -> (bundle: URL, samples: URL?) {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let r = run.result
        let training = TrainingSummary(
            epochsRun: r.history.count, bestEpoch: r.bestEpoch, stoppedEarly: r.stopReason.hasPrefix("early"),
            seconds: r.seconds, batchSize: SGANTraining.batchSize(labelled: run.labelledCount, maximum: options.maxBatch),
            learningRate: Double(options.learningRate), schedule: "constant", monitor: "accuracy",
            trainImages: run.labelledCount, validationImages: run.validationCount, testImages: run.testRows.count,
            initWeights: nil)
        let info = BundleInfo(model: r.discriminator.config.modelConfig, classes: data.dataset.classes,
                              preprocessing: data.settings, augmentation: options.augmentation, data: provenance,
                              seed: options.seed, training: training, testMetrics: run.report, cropFraming: CropFraming.measure(data))
        let bundle = dir.appendingPathComponent("sgan.\(ModelBundle.fileExtension)")
        try ModelBundle.save(model: r.discriminator, info: info, to: bundle)
        try AtomicFile.write(SafeTensors.encode(r.generator.stateTensors(), metadata: ["format": "cellphase-sgan-generator"]),
                             to: dir.appendingPathComponent("generator.safetensors"))
        var samples: URL?
        if options.mode == .semiSupervised {
            let url = dir.appendingPathComponent("generated.png")
            let sheet = SGANTraining.contactSheet(r.generator)
            try AtomicFile.write(to: url) { try PNGCodec.write(sheet, to: $0) }
            samples = url
        }
        return (bundle, samples)
    }
}
