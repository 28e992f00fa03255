import ArgumentParser
import Foundation
import Microscope
import Models
import Server

/// `cellphase serve`: the analyser as an HTTP service for the microscope's control software.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve whole-field analysis over HTTP (POST /v1/fields, /v1/cells; GET /v1/model, /healthz, /metrics).",
        discussion: """
        POST /v1/fields: body a TIFF or PNG, or raw little-endian samples with ?width=W&height=H&dtype=uint16|uint8; \
        optional stage_x, stage_y, pixel_size (µm), frame, name. Answer: objects, counts, events (useq MDAEvent shape), timings.
        POST /v1/cells: a multi-page TIFF (one crop per page), a PNG, or raw concatenated crops (?width&height&dtype).
        Binding a non-loopback --host requires --token (clients send 'Authorization: Bearer TOKEN').
        SIGINT/SIGTERM: stop accepting, finish the requests in flight, exit.
        """)

    @Option(help: "A model: a bundle NAME.cellphase, a folder with model.safetensors + model.json, a .safetensors file with its .json, or untrained-sgan.") var model: String
    @OptionGroup var inference: InferenceOptions
    @Option(help: "TCP port (0: any free port).") var port = 8765
    @Option(help: "Address to bind (loopback by default).") var host = "127.0.0.1"
    @Option(help: "Bearer token required on every route but /healthz (required off loopback).") var token: String?
    @Option(help: "Largest request body in MiB (413 beyond).") var maxBodyMb = 64.0
    @Option(help: "Per-request time limit in seconds (503 while queued, 504 while running).") var timeoutS = 10.0
    @Option(help: "Requests that may wait for the model behind the running one (503 beyond).") var queue = 8
    @Option(help: "Most crops one POST /v1/cells may carry (413 beyond).") var maxCrops = 4096

    @Option(help: "Most pixels (× channels) one request's field or crops may decode to, checked from the headers (413 beyond).")
    var maxPixels = 8192 * 8192
    @Option(help: "Seconds a connection has to send a request's headers, from opening or its last answer (idle timeout).")
    var headerTimeoutS = 30.0
    @Option(help: "Seconds a request's body has to arrive after its headers.") var bodyTimeoutS = 60.0

    func validate() throws {
        // Checked here, before any arithmetic: a NaN or huge value would trap converting to Int.
        guard maxBodyMb.isFinite, maxBodyMb > 0, maxBodyMb <= 65_536 else {
            throw ValidationError("--max-body-mb must be a positive number of MiB up to 65536 (got \(maxBodyMb))")
        }
        do { try serverOptions().validate() } catch { throw ValidationError(error.localizedDescription) }
    }

    /// The server's settings from the options (`ServerOptions.validate` checks their ranges).
    func serverOptions() -> ServerOptions {
        var o = ServerOptions()
        o.host = host; o.port = port; o.token = token; o.maxBodyBytes = Int(maxBodyMb * 1_048_576)
        o.timeoutSeconds = timeoutS; o.queue = queue; o.maxCrops = maxCrops; o.maxPixels = maxPixels
        o.headerTimeoutSeconds = headerTimeoutS; o.bodyTimeoutSeconds = bodyTimeoutS
        return o
    }
    @Option(help: "Event rules JSON (one rule or an array), applied to every field.") var rules: String?

    func run() async throws {
        FieldProcessTuning.apply()
        let classifier = try Classifier.load(model)
        inference.configure(classifier)
        let ruleList = try rules.map { try EventRule.load(URL(fileURLWithPath: $0), classes: classifier.classes) } ?? []
        let server = try CellphaseServer(analyzer: FieldAnalyzer(classifier: classifier, rules: ruleList), options: serverOptions())
        let h = host
        try await server.run { port in
            FileHandle.standardError.write(Data("cellphase serve: listening on http://\(h):\(port) (model \(classifier.name), \(classifier.classes.count) classes, \(ruleList.count) rules)\n".utf8))
        }
    }
}
