import ArgumentParser
import Datasets
import Engine
import Foundation
import Models
import Training

/// `cellphase example`: the main job on built-in data — synthetic nuclei in two phases are written as PNG files,
/// loaded back through the dataset layer, split, and a low-depth CNN is trained and tested on them; the model
/// bundle, epoch log and HTML report are written next to the images, in `./cellphase-example` where a new user looks.
struct ExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Generate a two-class set of synthetic nuclei, train a small CNN on it, print its test accuracy and write an HTML report.")

    @Option(help: "Folder for the generated images and the run.") var out: String = "cellphase-example"
    @Option(help: "Images per class.") var perClass = 120
    @Option(help: "Training epochs.") var epochs = 12
    @Option(help: "Architecture: \(ModelRegistry.names.joined(separator: ", ")).") var model = "lowdepth"
    @Option(help: "Random seed (same seed, same result).") var seed: UInt64 = 1

    func run() throws {
        let base = URL(fileURLWithPath: out).standardizedFileURL
        let root = base.appendingPathComponent("images")
        let phases: [CellPhase] = [.interphase, .metaphase]
        try? FileManager.default.removeItem(at: root)
        let written = try SyntheticNuclei(side: 64, format: .uint16, seed: seed)
            .writeDataset(to: root, perClass: perClass, fileExtension: "png", phases: phases)
        print("Generated \(written) synthetic 16-bit nuclei (\(phases.map(\.rawValue).joined(separator: " vs "))) in \(root.path)")

        let dataset = try FolderLayout.load(root)
        let data = try PreparedDataset.prepare(dataset, settings: Experiment.preprocessing(side: 64))
        var options = SupervisedTrainer.Options()
        options.epochs = epochs
        options.seed = seed
        options.earlyStopping = nil
        options.schedule = .constant
        var run = TrainingRun(architecture: model, options: options)
        run.title = "cellphase example — synthetic nuclei, \(model)"
        let start = Date()
        print("Training \(model) for \(epochs) epochs on 64×64 crops (70 % train, 15 % validation, 15 % test)")
        let outcome = try run.run(data: data, provenance: .of(data, root: root, mapping: nil), out: base.appendingPathComponent("run")) { e in
            let val = e.valAccuracy.map { String(format: "%.1f %%", 100 * $0) } ?? "–"
            print(String(format: "epoch %2d/%d  loss %.3f  train %.1f %%  validation %@  (%.1f s)",
                         e.epoch, epochs, e.trainLoss, 100 * e.trainAccuracy, val, e.seconds))
        }
        if let t = outcome.test {
            print(String(format: "Test accuracy: %.1f %% on %d held-out images (trained in %.1f s)",
                         100 * t.accuracy, t.samples, Date().timeIntervalSince(start)))
        }
        print("Model bundle: \(outcome.bundle.path)")
        print("HTML report:  \(outcome.report.path)")
    }
}
