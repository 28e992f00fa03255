import ArgumentParser
import Foundation
import Labelling
import Models
import Server
import Training

/// `cellphase label`: a page on loopback to label crops, confirm or correct a model's calls, and retrain.
struct LabelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label crops in the browser (keys 1–9, Enter confirms the guess, U undoes); labels go to a CSV manifest as they are given.",
        discussion: """
        Open the printed address in a browser. Every label is written at once, atomically, to --labels \
        (path,label,labeller,time,predicted,confidence); a stopped page or server loses nothing, and starting again \
        resumes the session. 'retrain now' trains --retrain-model for --retrain-epochs on the labels so far and refreshes \
        the guesses. The manifest is a training set: cellphase train --data labels.csv.
        """)

    @Option(help: "The crops: a folder (searched recursively) or a CSV with a path column (a predict or suggest output: its calls become the guesses to confirm or correct).")
    var data: String
    @Option(help: "A cellphase suggest CSV: its crops first, in its order.") var suggest: String?
    @Option(help: "A model bundle whose guesses are shown (and whose architecture is retrained).") var model: String?
    @Option(help: "The classes, in key order, comma-separated (default: the model's, or the guesses').") var classes: String?
    @Option(help: "The label manifest (created, or resumed when it exists).") var labels = "labels.csv"
    @Option(help: "Your name in the manifest.") var labeller = ProcessInfo.processInfo.environment["USER"] ?? "labeller"
    @Option(help: "Architecture trained by 'retrain now' (default: the model's, else \(Recipe.defaultArchitecture)).") var retrainModel: String?
    @Option(help: "Epochs of one retraining.") var retrainEpochs = 15
    @Option(help: "Side of the model input for a retraining without --model (px).") var size = 64
    @Option(help: "Random seed of the retraining.") var seed: UInt64 = 1
    @Option(help: "TCP port (0: any free port).") var port = 8766
    @Option(help: "Address to bind: a loopback address only (the page has no authentication; tunnel with ssh -L from another machine).") var host = "127.0.0.1"

    func validate() throws {
        try OptionCheck.integer(retrainEpochs, "--retrain-epochs", 1...1000)
        try OptionCheck.integer(size, "--size", 32...512)
        try OptionCheck.integer(port, "--port", 0...65_535)
        if let retrainModel { _ = try ModelRegistry.entry(retrainModel) }
    }

    func run() async throws {
        let classifier = try model.map { try Classifier.load($0) }
        let manifest = URL(fileURLWithPath: labels).standardizedFileURL
        let session = try LabelSession.open(.init(data: URL(fileURLWithPath: data), suggestions: suggest.map { URL(fileURLWithPath: $0) },
                                                  classes: classes.map { $0.split(separator: ",").map(String.init) },
                                                  manifest: manifest, labeller: labeller), classifier: classifier)
        for p in session.problems { Console.note("skipped \(p)") }
        let retraining = LabelRetraining(architecture: retrainModel ?? classifier?.info.model.architecture ?? Recipe.defaultArchitecture,
                                         epochs: retrainEpochs, side: classifier?.inputSide ?? size, seed: seed, classes: session.classes)
        let out = manifest.deletingLastPathComponent().appendingPathComponent("label-retrain")
        let server = try LabelServer(session: session, host: host, port: port) { labels in
            let bundle = try retraining.run(labels: labels, out: out) { Console.note(Console.epochLine($0, of: retraining.epochs)) }
            Console.note("retrained: \(bundle.path)")
            return try Classifier(bundle: bundle)
        }
        let h = host, n = session.count
        try await server.run { port in
            Console.note("cellphase label: \(n) crops, labels in \(manifest.path); open http://\(h):\(port)/")
        }
    }
}
