import ArgumentParser
import Foundation
import Imaging
import Microscope
import Models
import Server
import Support
import Training

/// `cellphase bench field`: a 2048×2048 16-bit field of ~250 real nuclei, in process and over HTTP.
struct FieldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "field",
        abstract: "Time segmentation + classification of a 2048×2048 field of ~250 real crops, in process and over HTTP.",
        discussion: """
        Keys: segment_ms (and its stages seg_smooth_ms … seg_labels_ms), crop_ms, classify_ms, total_ms (medians in process), \
        cells, per_cell_ms, \
        inprocess_5clients_p99_ms (5 concurrent callers doing the server's work — raw decode, model thread, JSON — without the socket), p50_ms/p99_ms (HTTP POST /v1/fields, \
        raw uint16 body, 5 concurrent clients), http_1client_p50_ms, p99_ratio (HTTP p99 / in-process p99 at 5 clients). \
        With --duration S: a soak of S seconds reporting errors and RSS growth (MiB).
        """)

    @Option(help: "The roboscope-zeiss folder (crossvalidation1_eq/<CLASS>/*.tif).") var data = "../shared/data/roboscope-zeiss"
    @Option(help: "Model (default: untrained-sgan, the default SGAN discriminator — widths 32→64→128→256 — with random weights, 7 classes; untrained-sgan-classic: the 128-wide one).") var model: String?
    @Option(help: "Field side in pixels.") var side = 2048
    @Option(help: "Nuclei to place.") var cells = 250
    @Option(help: "In-process repetitions (median).") var repeats = 10
    @Option(help: "HTTP requests at 5 concurrent clients.") var requests = 60
    @Option(help: "Concurrent HTTP clients.") var clients = 5
    @Option(help: "Soak: keep posting for this many seconds and report errors and memory growth.") var duration: Double?
    @Flag(inversion: .prefixedNo, help: "Also measure over HTTP (--no-http: in process only).") var http = true
    @Option(help: "Also write the field as raw little-endian uint16 samples to this file (the body for wrk or curl).") var saveField: String?
    @Flag(help: "One JSON object on stdout.") var json = false

    func validate() throws {
        try OptionCheck.integer(side, "--side", 64...16384)
        try OptionCheck.integer(cells, "--cells", 1...100_000)
        try OptionCheck.integer(repeats, "--repeats", 1...10_000)
        try OptionCheck.integer(requests, "--requests", 0...1_000_000)
        try OptionCheck.integer(clients, "--clients", 1...256)
        try OptionCheck.number(duration, "--duration", 0...86_400, excludingLower: true)
    }

    func log(_ s: String) { FileHandle.standardError.write(Data("… \(s)\n".utf8)) }

    func run() async throws {
        FieldProcessTuning.apply()
        let root = URL(fileURLWithPath: data.hasPrefix("/") ? data : FileManager.default.currentDirectoryPath + "/" + data).standardized
        guard FileManager.default.fileExists(atPath: root.path) else {
            throw CLIError("\(root.path) not found: the benchmark places real crops from roboscope-zeiss (crossvalidation1_eq/<CLASS>/*.tif); give --data PATH")
        }
        let classifier = try Classifier.load(model ?? "untrained-sgan")
        log("model \(classifier.name) (\(classifier.info.model.architecture), \(classifier.trained ? "trained" : "untrained: timing only"))")
        log("building a \(side)×\(side) field of \(cells) nuclei from \(root.path)")
        let field = try BenchField.make(root: root, side: side, cells: cells)
        if let saveField {
            try AtomicFile.write(BenchField.rawUInt16(field.image), to: URL(fileURLWithPath: saveField))
            log("wrote \(saveField): raw uint16 \(side)×\(side) — POST it to /v1/fields?width=\(side)&height=\(side)&dtype=uint16")
        }
        var bench = FieldBenchmark()
        bench.side = side; bench.repeats = repeats; bench.requests = requests; bench.clients = clients
        bench.duration = duration; bench.http = http
        let results = try await bench.run(field: field, classifier: classifier, log: log)
        print(report(classifier, results))
    }

    /// The figures, led by the model that was timed and the BLAS context.
    func report(_ classifier: Classifier, _ results: [(String, Double)]) -> String {
        let model = [("model", classifier.name), ("model_trained", classifier.trained ? "true" : "false")]
        return benchReport(context: model + benchContext(), results: results, json: json)
    }
}

/// A runtime failure reported as "Error: message" (no usage text).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
