import Datasets
import Engine
import Foundation
import Imaging
@testable import Models
import NN
@testable import Plot
import Support
import TestSupport
@testable import Training
import XCTest

/// Transfer learning of the SGAN paper (`004_…txt`, section 6.3): which layers each mode trains, where the backbone
/// comes from, a short real cross-validated run, and the bundle it writes.
final class TransferLearningTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryFolder(self) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A small SGAN discriminator (filters 8, 16, 16, 16; random weights, 3 source classes) saved as an "sgan" bundle
    /// with the GAN preprocessing, loaded back as a transfer source.
    func sourceBundle(seed: UInt64 = 11) throws -> TransferLearning.Source {
        var config = SGANConfig()
        config.discriminatorFilters = [8, 16, 16, 16]; config.generatorFilters = [16, 16, 16, 8]
        config.latentSize = 16; config.classes = 3
        var rng = RandomSource(seed: seed)
        let d = SGANDiscriminator(config, rng: &rng)
        let info = BundleInfo(model: config.modelConfig, classes: ["P", "M", "A"], preprocessing: .gan, augmentation: .paper,
                              data: nil, seed: seed)
        let url = dir.appendingPathComponent("source-\(seed).cellphase")
        try ModelBundle.save(model: d, info: info, to: url)
        return try TransferLearning.Source(bundle: url)
    }

    /// Synthetic interphase vs metaphase nuclei, prepared like the source's data (64 px, [-1, 1]).
    func nuclei(perClass: Int) throws -> PreparedDataset {
        let root = dir.appendingPathComponent("nuclei")
        _ = try SyntheticNuclei(side: 64, format: .uint16, seed: 5)
            .writeDataset(to: root, perClass: perClass, fileExtension: "png", phases: [.interphase, .metaphase])
        return try PreparedDataset.prepare(try FolderLayout.load(root), settings: .gan)
    }

    func quickOptions(_ mode: TransferLearning.Mode) -> TransferLearning.Options {
        var o = TransferLearning.Options()
        o.mode = mode
        o.headWidths = [32, 16]
        o.epochs = 2; o.fineTuneEpochs = 2
        o.earlyStopping = nil; o.augmentation = nil; o.batchSize = 8
        // Rates large enough that every trained weight moves visibly in two epochs.
        o.headLearningRate = 1e-3; o.fineTuneLearningRate = 1e-3
        return o
    }

    func weights(_ m: Module, prefix: String) -> [(String, Tensor)] {
        m.namedParameters().filter { $0.name.hasPrefix(prefix) }.map { ($0.name, $0.parameter.value) }
    }

    /// Whether every parameter under `prefix` of `a` is bit-identical to the one of the same name in `b`.
    func identical(_ a: Module, _ b: Module, _ prefix: String) -> Bool {
        let bb = Dictionary(uniqueKeysWithValues: weights(b, prefix: prefix))
        let aa = weights(a, prefix: prefix)
        XCTAssertFalse(aa.isEmpty, "no parameters under \(prefix)")
        return aa.allSatisfy { bb[$0.0].map($0.1.bitwiseEqual) ?? false }
    }

    /// Whether every weight (not buffer) under `prefix` differs from the one of the same name in `b`.
    func allChanged(_ a: Module, _ b: [String: Tensor], _ prefix: String) -> Bool {
        let aa = a.namedParameters().filter { $0.name.hasPrefix(prefix) && !$0.parameter.isBuffer }
        XCTAssertFalse(aa.isEmpty, "no parameters under \(prefix)")
        return aa.allSatisfy { !(b[$0.name].map($0.parameter.value.bitwiseEqual) ?? true) }
    }

    func testEachModeTrainsExactlyTheRequestedLayers() throws {
        let source = try sourceBundle()
        let data = try nuclei(perClass: 8)
        // No validation rows: every epoch's weights are kept, so what changed is exactly what was trained.
        let rows = Array(0..<data.count)
        func run(_ mode: TransferLearning.Mode) throws -> (model: TransferClassifier, start: [String: Tensor]) {
            let model = try TransferLearning.makeModel(from: source, classes: 2, headWidths: [32, 16], seed: 3)
            let start = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.parameter.value) })
            let r = try TransferLearning(options: quickOptions(mode)).fit(model, data: data, train: rows, validation: [])
            XCTAssertEqual(r.history.count, mode == .headOnly || mode == .full ? 2 : 4, "\(mode)")
            XCTAssertEqual(model.trainableParameters.count, model.parameters.filter { !$0.isBuffer }.count, "nothing left frozen after \(mode)")
            return (model, start)
        }

        // Head only: the whole backbone stays bit-identical to the source bundle; every head weight moved.
        let head = try run(.headOnly)
        XCTAssertTrue(identical(head.model, source.model, "backbone."))
        XCTAssertTrue(allChanged(head.model, head.start, "head."))

        // Fine-tune the last two convolutions: conv1/conv2 bit-identical, conv3/conv4 and the head changed.
        let fine = try run(.fineTune(layers: 2))
        XCTAssertTrue(identical(fine.model, source.model, "backbone.conv1."))
        XCTAssertTrue(identical(fine.model, source.model, "backbone.conv2."))
        let sourceWeights = Dictionary(uniqueKeysWithValues: source.model.namedParameters().map { ($0.name, $0.parameter.value) })
        XCTAssertTrue(allChanged(fine.model, sourceWeights, "backbone.conv3."))
        XCTAssertTrue(allChanged(fine.model, sourceWeights, "backbone.conv4."))
        XCTAssertTrue(allChanged(fine.model, fine.start, "head."))
        // The same head phase alone gave other head weights: the fine-tuning phase trained the head too.
        let afterHeadPhase = Dictionary(uniqueKeysWithValues: head.model.namedParameters().map { ($0.name, $0.parameter.value) })
        XCTAssertTrue(allChanged(fine.model, afterHeadPhase, "head."))

        // Three layers: only conv1 stays.
        let three = try run(.fineTune(layers: 3))
        XCTAssertTrue(identical(three.model, source.model, "backbone.conv1."))
        XCTAssertTrue(allChanged(three.model, sourceWeights, "backbone.conv2."))

        // Full retraining changes every layer.
        let full = try run(.full)
        for conv in ["conv1", "conv2", "conv3", "conv4"] {
            XCTAssertTrue(allChanged(full.model, sourceWeights, "backbone.\(conv)."), conv)
        }
        XCTAssertTrue(allChanged(full.model, full.start, "head."))
    }

    /// Fine-tuning that hurts on validation (here: a learning rate of 1e30, which overflows the unfrozen convolutions;
    /// a rate of 1 no longer hurts enough, the head's batch norm being recalibrated to whatever the backbone gives) is
    /// undone: the head phase's best weights come back, the backbone bit-identical to the source.
    func testFineTuningThatDoesNotBeatTheHeadPhaseIsUndone() throws {
        let source = try sourceBundle()
        let data = try nuclei(perClass: 12)
        let split = Splitter.stratified(labels: data.labels, train: 0.7, validation: 0.3, test: 0, seed: 1)
        var o = quickOptions(.fineTune(layers: 2))
        o.epochs = 15; o.fineTuneEpochs = 2; o.fineTuneLearningRate = 1e30
        let model = try TransferLearning.makeModel(from: source, classes: 2, headWidths: o.headWidths, seed: 3)
        let r = try TransferLearning(options: o).fit(model, data: data, train: split.train, validation: split.validation)
        XCTAssertEqual(r.history.count, 17)
        XCTAssertFalse(r.fineTuneKept)
        XCTAssertLessThanOrEqual(try XCTUnwrap(r.bestEpoch), 15, "the kept epoch is one of the head phase")
        XCTAssertTrue(identical(model, source.model, "backbone."))
        let v = SupervisedTrainer.validate(model, data: data, rows: split.validation, classWeights: nil)
        XCTAssertGreaterThan(v.balancedAccuracy, 0.8)
    }

    func testBackboneWeightsComeFromTheSourceBundle() throws {
        let source = try sourceBundle(seed: 21)
        let model = try TransferLearning.makeModel(from: source, classes: 4, seed: 9)
        // Names as in the SGAN discriminator, values bit-identical to the bundle's.
        XCTAssertEqual(weights(model, prefix: "backbone.").map(\.0), weights(source.model, prefix: "backbone.").map(\.0))
        XCTAssertTrue(identical(model, source.model, "backbone."))
        // …and not what the seed alone would give: a model built without the source differs in every conv weight.
        let fresh = try ModelRegistry.make(model.modelConfig, seed: 9)
        let freshWeights = Dictionary(uniqueKeysWithValues: fresh.namedParameters().map { ($0.name, $0.parameter.value) })
        for conv in 1...4 { XCTAssertTrue(allChanged(model, freshWeights, "backbone.conv\(conv).weight"), "conv\(conv)") }
        // The default head of the paper: 512 → 256 → 128 with ReLU and batch norm, then the 4 new logits.
        XCTAssertEqual(model.headWidths, [512, 256, 128])
        XCTAssertEqual(model.modelConfig.architecture, "sgan-transfer")
        XCTAssertEqual(model.modelConfig.options["head"], "512,256,128")
        XCTAssertEqual(model.modelConfig.options["d_filters"], "8,16,16,16")
        XCTAssertEqual(model.head.namedParameters().map(\.name).filter { $0.hasSuffix("weight") },
                       ["fc1.weight", "bn1.weight", "fc2.weight", "bn2.weight", "fc3.weight", "bn3.weight", "logits.weight"])
        XCTAssertEqual(model(Variable(Tensor(zeros: [2, 1, 64, 64]))).shape, [2, 4])

        // A bundle of another architecture is refused with its path named.
        let other = dir.appendingPathComponent("lowdepth.cellphase")
        let config = ModelConfig(architecture: "lowdepth", inputSide: 64, classes: 2)
        try ModelBundle.save(model: try ModelRegistry.make(config, seed: 1),
                             info: BundleInfo(model: config, classes: ["a", "b"], preprocessing: .smallCNN, augmentation: nil,
                                              data: nil, seed: 1), to: other)
        XCTAssertThrowsError(try TransferLearning.Source(bundle: other)) {
            XCTAssertEqual($0 as? TransferError, .notSGANBundle(bundle: other.path, architecture: "lowdepth"))
            XCTAssertTrue("\($0)".contains(other.path) && "\($0)".contains("'sgan'"), "\($0)")
        }
        // Data prepared otherwise than the source's preprocessing is refused too.
        let unit = try PreparedDataset.prepare(try FolderLayout.load(try {
            let root = dir.appendingPathComponent("unit")
            try SyntheticNuclei(side: 64, seed: 1).writeDataset(to: root, perClass: 2, phases: [.interphase, .metaphase])
            return root
        }()), settings: .smallCNN)
        XCTAssertThrowsError(try source.check(unit)) { XCTAssertTrue("\($0)".contains("preprocessing") || "\($0)".contains("prepared with"), "\($0)") }
    }

    /// A short real run: 5-fold transfer (64/16/20) on 40 synthetic nuclei learns far above chance (50 %); the head
    /// learns from a random small backbone, whose features already separate interphase from metaphase.
    func testShortCrossValidatedTransferLearnsAboveChance() throws {
        let source = try sourceBundle()
        let data = try nuclei(perClass: 20)
        var o = quickOptions(.fineTune(layers: 2))
        o.epochs = 20; o.fineTuneEpochs = 3
        o.headLearningRate = 1e-3; o.fineTuneLearningRate = 5e-5
        let folds = Experiment.folds(for: data, k: 5, seed: 2)
        let (summary, results) = try TransferLearning(options: o).crossValidate(source: source, data: data, folds: folds)
        XCTAssertEqual(summary.folds, 5)
        for f in results.map(\.result) {
            // 20 % test, 16 % validation, 64 % training.
            XCTAssertEqual(f.testCount, 8); XCTAssertEqual(f.validationCount, 6); XCTAssertEqual(f.trainCount, 26)
            XCTAssertEqual(f.report.confusionMatrix.counts.flatMap { $0 }.reduce(0, +), 8)
            // The inference levers on the same model: TTA over the 8 test crops; 6 validation crops fit no temperature.
            XCTAssertEqual(f.ttaReport?.samples, 8)
            XCTAssertNil(f.calibration)
            XCTAssertEqual(f.testLabels.count, 8)
        }
        XCTAssertEqual(InferenceLevers(results.map(\.result))?.folds, 5)
        XCTAssertEqual(summary.confusion.flatMap { $0 }.reduce(0, +), 40, "every image tested once")
        XCTAssertGreaterThan(summary.accuracy.mean, 0.85, "\(summary.perFold.map(\.accuracy))")
        XCTAssertNotNil(summary.perClass["metaphase"]?.f1)
    }

    /// The bundle a transfer writes loads with `ModelBundle.load` and predicts exactly like the trained model.
    func testTransferBundleLoadsAndPredictsIdentically() throws {
        let source = try sourceBundle()
        let data = try nuclei(perClass: 6)
        let rows = Array(0..<data.count)
        var o = quickOptions(.fineTune(layers: 2))
        o.epochs = 1; o.fineTuneEpochs = 1
        let t = TransferLearning(options: o)
        let model = try TransferLearning.makeModel(from: source, classes: 2, headWidths: o.headWidths, seed: 4)
        let r = try t.fit(model, data: data, train: rows, validation: [])
        let (report, _) = try Experiment.evaluate(model, data: data, rows: rows)
        let fold = TransferLearning.Fold(result: Experiment.FoldResult(name: "fold1", report: report, history: r.history, bestEpoch: r.bestEpoch,
                                                                       seconds: r.seconds, trainCount: rows.count, validationCount: 0, testCount: rows.count),
                                         model: model, headEpochs: r.headEpochs, fineTuneKept: r.fineTuneKept,
                                         stoppedEarly: r.stoppedEarly)
        let url = dir.appendingPathComponent("transfer.cellphase")
        try ModelBundle.save(model: model, info: t.bundleInfo(for: fold, source: source, data: data, provenance: nil), to: url)

        let (loaded, info) = try ModelBundle.load(from: url)
        XCTAssertEqual(info.model.architecture, "sgan-transfer")
        XCTAssertEqual(info.preprocessing, source.info.preprocessing)
        XCTAssertEqual(info.classes, ["interphase", "metaphase"])
        let transfer = try XCTUnwrap(loaded as? TransferClassifier)
        XCTAssertEqual(transfer.headWidths, [32, 16])
        XCTAssertEqual(transfer.config.discriminatorFilters, [8, 16, 16, 16])
        XCTAssertTrue(identical(loaded, model, ""), "every weight and batch-norm statistic round-trips")
        let samples = rows.map { Array(data.data[$0 * data.sampleSize ..< ($0 + 1) * data.sampleSize]) }
        let viaBundle = try Classifier(bundle: url).probabilities(samples: samples).flatMap { $0 }
        XCTAssertEqual(viaBundle, try Classifier(model: model, info: info).probabilities(samples: samples).flatMap { $0 })
        for (a, b) in zip(viaBundle, SupervisedTrainer.predict(model, data: data, rows: rows).scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // From the image files, preprocessed by the bundle exactly as in training.
        let fromFiles = try Classifier(bundle: url).predict(files: data.dataset.samples.map { $0.files[0] })
        XCTAssertEqual(fromFiles.flatMap(\.probabilities), viaBundle)
    }
}
