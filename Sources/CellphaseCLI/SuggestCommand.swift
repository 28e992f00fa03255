import ArgumentParser
import Datasets
import Foundation
import Imaging
import Labelling
import Models
import Support


/// `cellphase suggest`: which unlabelled crops to label next.
struct SuggestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Rank unlabelled crops by how much labelling them is worth: a CSV of the picks and a contact sheet.")

    @Option(help: "A model bundle NAME.cellphase whose uncertainty ranks the crops (without it: cluster representatives).") var model: String?
    @Option(help: "The unlabelled pool: a folder of crops or a CSV manifest with a path column.") var pool: String
    @Option(help: "How many crops to suggest.") var n = 50
    @Option(help: "margin (1 − (p1 − p2)), entropy, diverse (spread over the model's embedding, weighted by margin) or representative (k-means medoids of the blob features). Default: margin with --model, else representative.")
    var strategy: LabelSuggestion.Strategy?
    @OptionGroup var inference: InferenceOptions
    @Option(help: "Random seed (representative: the k-means++ seeding).") var seed: UInt64 = 1
    @Option(help: "The CSV of picks (rank,path,score,predicted,confidence,p_<class>…); the contact sheet is written beside it as .png.")
    var out = "suggestions.csv"

    func validate() throws {
        try OptionCheck.integer(n, "--n", 1...100_000)
        if model == nil, let s = strategy, s != .representative {
            throw ValidationError("--strategy \(s.rawValue) ranks by a model's uncertainty: give --model, or use --strategy representative")
        }
    }

    func run() throws {
        let crops = try CropPool.load(URL(fileURLWithPath: pool))
        for p in crops.problems { Console.note("skipped \(p)") }
        let chosen = strategy ?? (model == nil ? .representative : .margin)
        var probabilities: [[Float]]?, classes: [String] = [], embedding: [[Double]]?
        if let model {
            let classifier = try Classifier.load(model)
            inference.configure(classifier)
            probabilities = try classifier.probabilities(crops.images)
            classes = classifier.classes
            if chosen == .diverse { embedding = try classifier.embeddings(crops.images).map { $0.map(Double.init) } }
        }
        if chosen == .representative { embedding = PoolAnalysis.standardise(crops.images.map { CropShape.measure($0).vector }) }
        let picks = try LabelSuggestion.pick(n, strategy: chosen, probabilities: probabilities, embedding: embedding, seed: seed)
        var lines = [CSVTable.line(["rank", "path", "score", "predicted", "confidence"] + classes.map { "p_\($0)" })]
        for (r, p) in picks.enumerated() {
            var row = ["\(r + 1)", crops.files[p.index].path, String(format: "%.4f", p.score)]
            if let probs = probabilities?[p.index] {
                let best = Classifier.argmax(probs)
                row += [classes[best], String(format: "%.4f", probs[best])] + probs.map { String(format: "%.4f", $0) }
            } else {
                row += ["", ""]
            }
            lines.append(CSVTable.line(row))
        }
        let url = URL(fileURLWithPath: out)
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: url)
        let tiles = picks.map { crops.images[$0.index] }
        let rows = stride(from: 0, to: tiles.count, by: 10).map { Array(tiles[$0..<min($0 + 10, tiles.count)]) }
        let sheet = url.deletingPathExtension().appendingPathExtension("png")
        try PNGCodec.write(ContactSheet.render(rows: rows, tile: 64), to: sheet)
        print("\(picks.count) of \(crops.files.count) crops suggested by \(chosen.rawValue): \(url.path), contact sheet \(sheet.path) (rank order, 10 a row)")
    }
}
