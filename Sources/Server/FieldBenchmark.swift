import Foundation
import Imaging
import Microscope
import Models
import Segmentation
import Support

/// `cellphase bench field`: a whole field analysed in process and over HTTP, the figures of *Semi supervised GAN for
/// smart microscopy, fast and data efficient cell cycle classification*, section 6.1 (109.7 ms per cell, about 28 s
/// per 2048×2048 field) measured here — segmentation stages, classification, in-process and HTTP latency at several
/// clients, and optionally a soak with memory growth.
public struct FieldBenchmark: Sendable {
    public var side = 2048
    public var repeats = 10
    public var requests = 60
    public var clients = 5
    /// Soak seconds (nil: no soak).
    public var duration: Double?
    public var http = true

    public init() {}

    /// Runs the benchmark on `field` with `classifier`; `log` gets progress lines. Returns (key, value) figures.
    public func run(field: SyntheticField, classifier: Classifier, log: (String) -> Void) async throws -> [(String, Double)] {
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

        guard http else { return results }

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
        return results
    }
}
