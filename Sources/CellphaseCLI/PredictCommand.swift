import ArgumentParser
import Datasets
import Foundation
import Imaging
import Models
import Support
import Training

/// `cellphase predict`: classify crops with a trained bundle.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify image crops with a model bundle: predicted class, confidence and every class probability.")

    @Option(help: "A model: a bundle NAME.cellphase, a folder with model.safetensors + model.json, a .safetensors file with its .json, or untrained-sgan.") var model: String
    @OptionGroup var inference: InferenceOptions
    @Argument(help: "Image files (TIFF/PNG) or folders (searched recursively).") var images: [String]
    @Option(help: "Write the table as CSV here instead of printing it.") var csv: String?

    func run() throws {
        let classifier = try Classifier.load(model)
        inference.configure(classifier)
        var files: [URL] = []
        for path in images {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw ValidationError("\(path): no such file") }
            if isDir.boolValue {
                let e = FileManager.default.enumerator(at: URL(fileURLWithPath: path), includingPropertiesForKeys: nil,
                                                       options: [.skipsHiddenFiles])
                files += (e?.compactMap { $0 as? URL } ?? [])
                    .filter { ImageFileFormat.extensions.contains($0.pathExtension.lowercased()) }
                    .sorted { $0.path < $1.path }
            } else {
                files.append(URL(fileURLWithPath: path))
            }
        }
        guard !files.isEmpty else { throw ValidationError("no images given") }
        let predictions = try classifier.predict(files: files)
        let header = ["path", "predicted", "confidence"] + classifier.classes.map { "p_\($0)" }
        var lines = [CSVTable.line(header)]
        for (f, p) in zip(files, predictions) {
            lines.append(CSVTable.line([f.relativePath, p.className, String(format: "%.4f", p.confidence)]
                                       + p.probabilities.map { String(format: "%.4f", $0) }))
        }
        let text = lines.joined(separator: "\n") + "\n"
        if let csv {
            try AtomicFile.write(text, to: URL(fileURLWithPath: csv))
            Console.note("wrote \(predictions.count) predictions to \(csv)")
        } else {
            print(text, terminator: "")
        }
    }
}
