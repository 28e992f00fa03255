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

/// SGAN training runs (SGAN paper section 5) on small real image files: learning, checkpoints, determinism,
/// budgets per fold and the bundles a fold writes.
final class SGANTrainingTests: XCTestCase {
    /// Tiny widths so a run takes a second or two in release builds.
    static var tiny: SGANConfig {
        var c = SGANConfig()
        c.discriminatorFilters = [8, 16, 16, 32]
        c.generatorFilters = [32, 16, 8, 8]
        c.latentSize = 32
        return c
    }

    /// Synthetic interphase / prophase / metaphase nuclei as 16-bit PNG files, prepared in [-1, 1].
    func threePhases(perClass: Int) throws -> PreparedDataset {
        let root = try temporaryFolder(self)
        _ = try SyntheticNuclei(side: 64, format: .uint16, seed: 11)
            .writeDataset(to: root, perClass: perClass, fileExtension: "png", phases: [.interphase, .prophase, .metaphase])
        return try PreparedDataset.prepare(try FolderLayout.load(root), settings: .gan)
    }

    func options(epochs: Int, mode: SGANTraining.Mode = .semiSupervised) -> SGANTraining.Options {
        var o = SGANTraining.Options(config: Self.tiny)
        o.epochs = epochs
        o.mode = mode
        o.seed = 5
        o.checkpointThreshold = 0.6
        return o
    }

    func testShortRunLearnsAndKeepsOnlyTheBestCheckpoint() throws {
        let data = try threePhases(perClass: 40)
        let split = Splitter.stratified(labels: data.labels, train: 0.5, validation: 0.2, test: 0.3, seed: 1)
        var config = Self.tiny
        config.classes = 3
        var rng = RandomSource(seed: 5)
        let untrained = SupervisedTrainer.validate(SGANDiscriminator(config, rng: &rng), data: data, rows: split.validation,
                                                   classWeights: nil).accuracy
        let dir = try temporaryFolder(self).appendingPathComponent("checkpoints")
        var seen: [SGANTraining.Epoch] = []
        let labelled = Array(split.train.prefix(36)), pool = Array(split.train.dropFirst(36))
        let result = try SGANTraining(options: options(epochs: 25)).fit(
            data: data, labelled: labelled, unlabelled: pool, validation: split.validation, checkpoints: dir,
            onEpoch: { seen.append($0) })
        XCTAssertEqual(seen.count, result.history.count)
        XCTAssertEqual(result.history.first?.iterations, 2, "36 labelled images, N_B = 18: two iterations per epoch")
        let best = try XCTUnwrap(result.bestValidationAccuracy)
        XCTAssertGreaterThan(best, untrained + 0.2, "validation accuracy must rise well above the untrained network's")
        XCTAssertGreaterThan(SupervisedTrainer.accuracy(result.discriminator, data: data, rows: split.test), 0.6)
        XCTAssertTrue(result.history.allSatisfy { $0.realLoss != nil && $0.fakeLoss != nil && $0.generatorLoss != nil })

        // Checkpoints: every written epoch reached the threshold; only the best remains and holds the restored networks.
        for e in result.checkpointEpochs {
            XCTAssertGreaterThanOrEqual(result.history[e - 1].validationAccuracy ?? 0, 0.6)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }
        let kept = try XCTUnwrap(result.checkpoint)
        XCTAssertEqual(files, [kept.lastPathComponent])
        XCTAssertEqual(kept.lastPathComponent, String(format: "epoch-%04d.safetensors", result.bestEpoch ?? 0))
        let saved = Dictionary(uniqueKeysWithValues: try SafeTensors.read(from: kept).tensors.map { ($0.name, $0.tensor) })
        for (name, t) in result.discriminator.stateTensors() { XCTAssertEqual(saved["discriminator.\(name)"]?.scalars, t.scalars, name) }
        for (name, t) in result.generator.stateTensors() { XCTAssertEqual(saved["generator.\(name)"]?.scalars, t.scalars, name) }
    }

    func testSameSeedSameRunAndBaselineLeavesTheGeneratorAlone() throws {
        let data = try threePhases(perClass: 12)
        let rows = Array(0..<data.count)
        let a = try SGANTraining(options: options(epochs: 2)).fit(data: data, labelled: rows, unlabelled: rows, validation: rows)
        let b = try SGANTraining(options: options(epochs: 2)).fit(data: data, labelled: rows, unlabelled: rows, validation: rows)
        XCTAssertEqual(a.history.map(\.supervisedLoss), b.history.map(\.supervisedLoss))
        XCTAssertEqual(a.history.map(\.generatorLoss), b.history.map(\.generatorLoss))
        XCTAssertEqual(a.discriminator.stateTensors().map(\.tensor.scalars), b.discriminator.stateTensors().map(\.tensor.scalars))

        var config = Self.tiny
        config.classes = 3
        var rng = RandomSource(seed: 5)
        _ = SGANDiscriminator(config, rng: &rng)
        let fresh = SGANGenerator(config, rng: &rng)  // the trainer builds D then G from the seed
        let base = try SGANTraining(options: options(epochs: 2, mode: .supervisedOnly))
            .fit(data: data, labelled: rows, unlabelled: rows, validation: rows)
        XCTAssertEqual(base.generator.stateTensors().map(\.tensor.scalars), fresh.stateTensors().map(\.tensor.scalars),
                       "the supervised-only baseline must not touch the generator")
        XCTAssertTrue(base.history.allSatisfy { $0.realLoss == nil && $0.generatorLoss == nil })
        XCTAssertNotEqual(base.discriminator.stateTensors().map(\.tensor.scalars), a.discriminator.stateTensors().map(\.tensor.scalars))
    }

    func testFoldBudgetComesFromTrainingRowsAndItsBundleLoads() throws {
        let data = try threePhases(perClass: 30)
        let folds = Experiment.folds(for: data, k: 3, seed: 2)
        let test = folds[0].rows
        let train = folds[1].rows + folds[2].rows
        var o = options(epochs: 3)
        o.patienceFraction = 0
        let run = try SGANExperiment.runFold(name: folds[0].name, data: data, trainRows: train, testRows: test,
                                             budget: .init(labelsPerClass: 10, unlabelled: 15), options: o)
        XCTAssertEqual(run.labelledCount + run.validationCount, 30, "10 labels per class, 3 classes")
        XCTAssertEqual(run.validationCount, 6, "20 % of the labelled budget, stratified")
        XCTAssertEqual(run.unlabelledCount, 15)
        let used = Set(run.labelledRows + run.validationRows + run.unlabelledRows)
        XCTAssertEqual(used.count, 45, "labelled, validation and pool rows are disjoint")
        XCTAssertTrue(used.isSubset(of: Set(train)))
        XCTAssertTrue(used.isDisjoint(with: Set(test)))
        for c in 0..<3 { XCTAssertEqual((run.labelledRows + run.validationRows).filter { data.labels[$0] == c }.count, 10) }
        XCTAssertThrowsError(try SGANExperiment.runFold(name: "x", data: data, trainRows: train, testRows: test,
                                                        budget: .init(labelsPerClass: 25), options: o)) { error in
            XCTAssertTrue("\(error)".contains("interphase") || "\(error)".contains("prophase") || "\(error)".contains("metaphase"), "\(error)")
        }

        let dir = try temporaryFolder(self)
        let (bundle, samples) = try SGANExperiment.saveFold(run, data: data, provenance: nil, options: o, to: dir)
        let (model, info) = try ModelBundle.load(from: bundle)
        XCTAssertEqual(info.model.architecture, "sgan")
        XCTAssertEqual(SGANConfig(info.model), run.result.discriminator.config)
        XCTAssertEqual(info.preprocessing, data.settings)
        let probe = Tensor(shape: [4, 1, 64, 64], values: Array(data.data[0 ..< 4 * data.sampleSize]))
        XCTAssertEqual(model(Variable(probe)).value.scalars, run.result.discriminator(Variable(probe)).value.scalars)
        let sheet = try ImageFile.read(XCTUnwrap(samples))
        XCTAssertEqual(sheet.width, 8 * 66 + 2)
        XCTAssertEqual(sheet.height, 8 * 66 + 2)
        XCTAssertGreaterThan(sheet.extrema.max - sheet.extrema.min, 4, "generated samples are not one flat grey")
        var rng = RandomSource(seed: 0)
        let generator = SGANGenerator(run.result.generator.config, rng: &rng)
        try generator.loadState(from: dir.appendingPathComponent("generator.safetensors"))
        XCTAssertEqual(generator.stateTensors().map(\.tensor.scalars), run.result.generator.stateTensors().map(\.tensor.scalars))
    }

    func testAnUnlabelledFolderIsThePoolWhenGiven() throws {
        // 3 classes × 10 labelled crops plus a folder of 12 unlabelled ones appended with label -1.
        let root = try temporaryFolder(self), poolRoot = try temporaryFolder(self)
        let synth = SyntheticNuclei(side: 64, format: .uint16, seed: 8)
        _ = try synth.writeDataset(to: root, perClass: 10, fileExtension: "png", phases: [.interphase, .prophase, .metaphase])
        _ = try synth.writeDataset(to: poolRoot, perClass: 4, fileExtension: "png", phases: [.anaphase, .telophase, .prometaphase])
        let labelled = try FolderLayout.load(root)
        let files = try FileManager.default.subpathsOfDirectory(atPath: poolRoot.path).filter { $0.hasSuffix(".png") }
        let flat = try temporaryFolder(self)
        for (i, f) in files.enumerated() {
            try FileManager.default.copyItem(at: poolRoot.appendingPathComponent(f), to: flat.appendingPathComponent("u\(i).png"))
        }
        let pool = try FolderLayout.unlabelledPool(flat)
        let merged = Dataset(classes: labelled.classes, samples: labelled.samples + pool.samples,
                             labels: labelled.labels + pool.labels, layout: labelled.layout)
        let data = try PreparedDataset.prepare(merged, settings: .gan)
        let extra = Array(30..<42)
        XCTAssertTrue(extra.allSatisfy { data.labels[$0] == -1 })
        var o = options(epochs: 1)
        o.patienceFraction = 0
        let run = try SGANExperiment.runFold(name: "all", data: data, trainRows: Array(0..<20), testRows: Array(20..<30),
                                             extraUnlabelled: extra, budget: .init(labelsPerClass: 5, unlabelled: 8), options: o)
        XCTAssertEqual(run.unlabelledCount, 8)
        XCTAssertTrue(Set(run.unlabelledRows).isSubset(of: Set(extra)), "the pool comes from the unlabelled folder only")
        XCTAssertThrowsError(try SGANExperiment.runFold(name: "all", data: data, trainRows: Array(0..<20), testRows: Array(20..<30),
                                                        extraUnlabelled: extra, budget: .init(labelsPerClass: 5, unlabelled: 13), options: o))
    }

    func testDataOutsideTheGeneratorRangeIsRefused() throws {
        let root = try temporaryFolder(self)
        _ = try SyntheticNuclei(side: 64, format: .uint16, seed: 1)
            .writeDataset(to: root, perClass: 4, fileExtension: "png", phases: [.interphase, .metaphase])
        let unit = try PreparedDataset.prepare(try FolderLayout.load(root), settings: .smallCNN)
        XCTAssertThrowsError(try SGANTraining(options: options(epochs: 1)).fit(
            data: unit, labelled: Array(0..<8), unlabelled: [], validation: [])) { error in
            XCTAssertTrue("\(error)".contains("[-1, 1]"), "\(error)")
        }
    }
}

/// The budget grid's cells and shards (SGAN paper section 5, Figure 4).
final class SGANGridTests: XCTestCase {
    func testShardsPartitionTheCells() {
        let grid = SGANGrid(folds: ["f1", "f2", "f3", "f4"])
        let cells = grid.cells
        XCTAssertEqual(cells.count, 4 * 4 * (7 + 2), "4 folds × 4 label budgets × (7 pools + 2 baselines)")
        XCTAssertEqual(Set(cells.map(\.key)).count, cells.count, "keys are unique")
        for n in [1, 2, 3, 7, 200] {
            let shards = (1...n).map { SGANGrid.shard(cells, index: $0, count: n) }
            XCTAssertEqual(shards.map(\.count).reduce(0, +), cells.count)
            XCTAssertEqual(Set(shards.flatMap { $0.map(\.key) }), Set(cells.map(\.key)), "\(n) shards cover every cell")
        }
        XCTAssertNotNil(SGANGrid.parseShard("2/8"))
        XCTAssertNil(SGANGrid.parseShard("9/8"))
        XCTAssertNil(SGANGrid.parseShard("0/3"))
        XCTAssertEqual(SGANGrid.Pool("185s"), SGANGrid.Pool(185, stratified: true))
        XCTAssertNil(SGANGrid.Pool("many"))
    }

    func testCellsTheDataCannotSupplyAreNamed() {
        // Two classes of 10 images: 8 labels per class leave 4 images, so a pool of 5 cannot be drawn.
        let labels = Array(repeating: 0, count: 10) + Array(repeating: 1, count: 10)
        let cell = SGANGrid.Cell(method: .sgan, budget: .init(labelsPerClass: 8, unlabelled: 5), fold: "f")
        let why = SGANGrid.infeasibility(of: cell, labels: labels, classNames: ["I", "M"], trainRows: Array(0..<20))
        XCTAssertNotNil(why)
        XCTAssertTrue(why?.contains("5") ?? false, why ?? "")
        let ok = SGANGrid.Cell(method: .sgan, budget: .init(labelsPerClass: 8, unlabelled: 4), fold: "f")
        XCTAssertNil(SGANGrid.infeasibility(of: ok, labels: labels, classNames: ["I", "M"], trainRows: Array(0..<20)))
        let tooMany = SGANGrid.Cell(method: .supervisedOnly, budget: .init(labelsPerClass: 11, unlabelled: 0), fold: "f")
        XCTAssertTrue(SGANGrid.infeasibility(of: tooMany, labels: labels, classNames: ["I", "M"], trainRows: Array(0..<20))?.contains("I") ?? false)
    }
}
