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
        let analyzer = FieldAnalyzer(classifier: classifier, rules: [EventRule(name: "M", classes: ["M"], minConfidence: 0.9)])
        var results: [(String, Double)] = []

        // In process.
        log("in process: \(repeats) runs")
        for _ in 0..<2 { _ = try analyzer.analyze(field.image) }
        var runs: [FieldTimings] = []
        var found = 0
        for _ in 0..<max(1, repeats) {
            let a = try analyzer.analyze(field.image)
            runs.append(a.result.timings); found = a.result.objects.count
        }
        func median(_ f: (FieldTimings) -> Double) -> Double { let s = runs.map(f).sorted(); return s[s.count / 2] }
        let total = median(\.totalMs)
        log(String(format: "in process: total %.1f ms (segment %.1f, classify %.1f), %d cells", total, median(\.segmentMs), median(\.classifyMs), found))
        let stages = runs[0].segmentation.stages.indices.map { i in
            ("seg_\(runs[0].segmentation.stages[i].name)_ms", median { $0.segmentation.stages[i].ms })
        }
        log("segmentation stages (median ms): " + stages.map { "\($0.0) " + String(format: "%.1f", $0.1) }.joined(separator: ", "))
        results += [("segment_ms", median(\.segmentMs))] + stages + [("crop_ms", median(\.cropMs)), ("classify_ms", median(\.classifyMs)),
                    ("total_ms", total), ("cells", Double(found)), ("placed", Double(field.nuclei.count)),
                    ("per_cell_ms", total / Double(max(found, 1))), ("paper_field_s", 28), ("speedup_vs_paper", 28_000 / total)]

        guard http else { return print(report(classifier, results)) }

        // In process, 5 concurrent callers doing exactly the server's work for POST /v1/fields minus the
        // socket: decode the same raw uint16 body, analyse on the model thread, encode the JSON answer.
        // Same number of requests as the HTTP run, so both p99s come from equally many samples.
        let server = try CellphaseServer(analyzer: analyzer, options: {
            var o = ServerOptions(); o.port = 0; o.queue = max(8, clients); o.timeoutSeconds = 120; return o
        }())
        let body = BenchField.rawUInt16(field.image)
        let inproc = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var lat: [Double] = []
                    for _ in 0..<max(2, requests / clients) {
                        let t0 = Date()
                        let image = try ImageFile.decodeRaw(body, width: side, height: side, format: .uint16, name: "body")
                        let result = try await server.worker.run(timeout: 0) { try analyzer.analyze(image).result }
                        _ = try FieldOutputs.jsonData(result)
                        lat.append(Date().timeIntervalSince(t0) * 1000)
                    }
                    return lat
                }
            }
            var all: [Double] = []
            for try await l in group { all += l }
            return all.sorted()
        }
        let inprocP99 = Stopwatch.percentile(inproc, 99)
        results += [("inprocess_5clients_p50_ms", Stopwatch.percentile(inproc, 50)), ("inprocess_5clients_p99_ms", inprocP99)]

        // Over HTTP on loopback.
        let port = try await server.start()
        let url = URL(string: "http://127.0.0.1:\(port)/v1/fields?width=\(side)&height=\(side)&dtype=uint16")!
        log("HTTP: 1 client, 20 requests")
        let one = await HTTPLoad.run(url: url, body: body, clients: 1, requests: 20, seconds: nil)
        log("HTTP: \(clients) clients, \(requests) requests")
        let load = await HTTPLoad.run(url: url, body: body, clients: clients, requests: requests, seconds: nil)
        results += [("http_1client_p50_ms", one.percentile(50) * 1000), ("http_1client_p99_ms", one.percentile(99) * 1000),
                    ("p50_ms", load.percentile(50) * 1000), ("p99_ms", load.percentile(99) * 1000),
                    ("p99_ratio", load.percentile(99) * 1000 / inprocP99),
                    ("http_requests", Double(load.latencies.count)), ("http_errors", Double(load.errors + one.errors)),
                    ("fields_per_s", Double(load.latencies.count) / load.seconds)]

        if let duration {
            let rss0 = residentMegabytes() ?? .nan
            log(String(format: "soak: %d clients for %.0f s (RSS %.1f MiB)", clients, duration, rss0))
            let soak = await HTTPLoad.run(url: url, body: body, clients: clients, requests: nil, seconds: duration) { n in
                FileHandle.standardError.write(Data(String(format: "… %d requests, RSS %.1f MiB\n", n, residentMegabytes() ?? .nan).utf8))
            }
            let rss1 = residentMegabytes() ?? .nan
            results += [("soak_s", soak.seconds), ("soak_requests", Double(soak.latencies.count)), ("soak_errors", Double(soak.errors)),
                        ("soak_p50_ms", soak.percentile(50) * 1000), ("soak_p99_ms", soak.percentile(99) * 1000),
                        ("rss_start_mb", rss0), ("rss_end_mb", rss1), ("rss_growth_mb", rss1 - rss0)]
        }
        try await server.shutdown()
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
