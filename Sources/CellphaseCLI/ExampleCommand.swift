import ArgumentParser
import CellphaseKit
import Datasets
import Engine
import Foundation

/// `cellphase example`: the main job on built-in data — synthetic nuclei in two phases are written as PNG files,
/// loaded back through the dataset layer, split, and a low-depth CNN is trained and tested on them.
struct ExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Generate a two-class set of synthetic nuclei, train a small CNN on it and print its test accuracy.")

    @Option(help: "Folder for the generated images (default: a temporary folder).") var out: String?
    @Option(help: "Images per class.") var perClass = 120
    @Option(help: "Training epochs.") var epochs = 12
    @Option(help: "Random seed (same seed, same result).") var seed: UInt64 = 1

    func run() throws {
        let root = URL(fileURLWithPath: out ?? NSTemporaryDirectory() + "cellphase-example-\(seed)")
        let phases: [CellPhase] = [.interphase, .metaphase]
        try? FileManager.default.removeItem(at: root)
        let written = try SyntheticNuclei(side: 64, format: .uint16, seed: seed)
            .writeDataset(to: root, perClass: perClass, fileExtension: "png", phases: phases)
        print("Generated \(written) synthetic 16-bit nuclei (\(phases.map(\.rawValue).joined(separator: " vs "))) in \(root.path)")

        let dataset = try FolderLayout.load(root)
        let data = try PreparedDataset.prepare(dataset, settings: .smallCNN)
        let split = Splitter.stratified(labels: data.labels, train: 0.7, validation: 0.15, test: 0.15, seed: seed)
        print("Train \(split.train.count), validation \(split.validation.count), test \(split.test.count) images, 64×64")

        var rng = RandomSource(seed: seed)
        let model = LowDepthCNN(inputSide: 64, classes: dataset.classes.count, rng: &rng)
        var options = SupervisedTrainer.Options()
        options.epochs = epochs
        options.seed = seed
        let start = Date()
        SupervisedTrainer(options: options).fit(model, data: data, train: split.train, validation: split.validation) { e in
            let val = e.validationAccuracy.map { String(format: "%.1f %%", 100 * $0) } ?? "–"
            print(String(format: "epoch %2d/%d  loss %.3f  train %.1f %%  validation %@  (%.1f s)",
                         e.epoch, epochs, e.trainLoss, 100 * e.trainAccuracy, val, e.seconds))
        }
        let accuracy = SupervisedTrainer.accuracy(model, data: data, rows: split.test)
        print(String(format: "Test accuracy: %.1f %% on %d held-out images (trained in %.1f s)",
                     100 * accuracy, split.test.count, Date().timeIntervalSince(start)))
    }
}
