import ArgumentParser
import Foundation
import Imaging
import Microscope
import Models
import Segmentation

/// Where stage coordinates come from (shared by analyze and serve's documentation).
struct StageOptions: ParsableArguments {
    @Option(help: "Stage x of the field centre (µm), for stage coordinates in events.") var stageX: Double?
    @Option(help: "Stage y of the field centre (µm).") var stageY: Double?
    @Option(help: "Pixel size at the sample (µm/pixel).") var pixelSize: Double?

    func position() throws -> StagePosition? {
        if stageX == nil && stageY == nil && pixelSize == nil { return nil }
        try OptionCheck.number(stageX, "--stage-x", -1e9...1e9)
        try OptionCheck.number(stageY, "--stage-y", -1e9...1e9)
        try OptionCheck.number(pixelSize, "--pixel-size", 0...1e6, excludingLower: true)
        guard let x = stageX, let y = stageY, let p = pixelSize, p > 0 else {
            throw ValidationError("--stage-x, --stage-y and a positive --pixel-size go together")
        }
        return StagePosition(x: x, y: y, pixelSize: p)
    }
}

/// `cellphase analyze`: whole fields → nuclei → stages → events, in files.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Segment and classify every nucleus of whole fields (TIFF/PNG files or folders of time-lapse frames).",
        discussion: """
        Per field: FIELD.csv (one row per object: label, centroid, bbox, class, confidence, p_<class>), \
        FIELD_labels.tif (16-bit labels), FIELD_overlay.png (outlines coloured by class, legend in \
        FIELD_overlay_legend.csv), FIELD.json and with --crops every object's crop (FIELD_crops/), in --out. With --json, one JSON object per field on stdout: \
        file, objects (count), classes (name → count), events, ms (and timings).
        --model: a model bundle (NAME.cellphase from `cellphase train`), a folder with model.safetensors + model.json, a .safetensors file with its .json, or \
        'untrained-sgan' (random weights, for timing only).
        """)

    @Argument(help: "Field images or folders of them (sorted by name; a folder's frames get t = 0, 1, …).")
    var fields: [String]
    @Option(help: "The classifier (see below).") var model: String
    @OptionGroup var inference: InferenceOptions
    @Option(help: "Label image from another tool (StarDist, Cellpose, CellProfiler) instead of segmenting; one field only.")
    var labels: String?
    @Option(help: "Output folder for CSV, label TIFF, overlay and JSON (none written when omitted).") var out: String?
    @Option(help: "Event rules JSON (one rule or an array).") var rules: String?
    @OptionGroup var stage: StageOptions
    @Option(help: "Page of a multi-page TIFF field to analyse, from 0 (the nuclear channel of a multi-channel file; default: the first).")
    var page: Int = 0
    @Flag(help: "Skip the PNG overlay.") var noOverlay = false
    @Flag(help: "Also save every object's crop (FIELD_crops/LABEL.tif, the field's bit depth) and name it in FIELD.csv (path, predicted): `cellphase label --data OUT/FIELD.csv` then opens on them to confirm or correct the calls.")
    var crops = false
    @Flag(help: "One JSON object per field on stdout.") var json = false

    func validate() throws {
        try OptionCheck.integer(page, "--page", 0...65_535)
        if crops && out == nil { throw ValidationError("--crops writes into the --out folder: give --out") }
    }

    func run() throws {
        FieldProcessTuning.apply()
        let classifier = try Classifier.load(model)
        inference.configure(classifier)
        let ruleList = try rules.map { try EventRule.load(URL(fileURLWithPath: $0), classes: classifier.classes) } ?? []
        let analyzer = FieldAnalyzer(classifier: classifier, rules: ruleList)
        let files = try Self.expand(fields)
        guard !files.isEmpty else { throw ValidationError("no TIFF/PNG fields found in \(fields.joined(separator: ", "))") }
        if labels != nil && files.count != 1 { throw ValidationError("--labels goes with exactly one field") }
        let position = try stage.position()
        for entry in files {
            let field = try Self.read(entry.url, page: page)
            let labelImage = try labels.map { try LabelImage.read(URL(fileURLWithPath: $0), matching: field.width, field.height) }
            let a = try analyzer.analyze(field, labels: labelImage, stage: position, frame: entry.frame, name: entry.url.path)
            if let out {
                let base = entry.url.deletingPathExtension().lastPathComponent
                try FieldOutputs.write(a, field: field, to: URL(fileURLWithPath: out), base: base, overlay: !noOverlay, crops: crops)
            }
            let r = a.result
            if json {
                print(String(decoding: try FieldOutputs.jsonData(Summary(r)), as: UTF8.self))
            } else {
                let named = r.classes + (r.counts[Classifier.unknownClass].map { _ in [Classifier.unknownClass] } ?? [])
                let counts = named.map { "\($0) \(r.counts[$0] ?? 0)" }.joined(separator: ", ")
                print(String(format: "%@: %d objects (%@), %d events, %.1f ms (segment %.1f, classify %.1f)",
                             entry.url.lastPathComponent, r.objects.count, counts, r.events.count,
                             r.timings.totalMs, r.timings.segmentMs, r.timings.classifyMs))
            }
        }
    }

    /// Page `page` of the field at `url` (the only page of a PNG or single-page TIFF when `page` is 0).
    static func read(_ url: URL, page: Int) throws -> Image {
        guard page > 0 else { return try ImageFile.read(url) }
        let pages = try ImageFile.readPages(url)
        guard page < pages.count else {
            throw CLIError("\(url.path): --page \(page) asked for, the file has \(pages.count) page\(pages.count == 1 ? "" : "s") (0…\(pages.count - 1))")
        }
        return pages[page]
    }

    /// What `--json` prints per field.
    struct Summary: Encodable {
        var file: String
        var width: Int, height: Int
        var objects: Int
        var classes: [String: Int]
        var events: [AcquisitionEvent]
        var ms: Double
        var timings: FieldTimings
        init(_ r: FieldResult) {
            file = r.file ?? ""; width = r.width; height = r.height; objects = r.objects.count
            classes = r.counts; events = r.events; ms = r.timings.totalMs; timings = r.timings
        }
    }

    /// Files and folders → (file, frame index within its folder).
    static func expand(_ paths: [String]) throws -> [(url: URL, frame: Int?)] {
        var out: [(URL, Int?)] = []
        for p in paths {
            let url = URL(fileURLWithPath: p)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
                throw CLIError("\(p): no such file or folder")
            }
            if isDir.boolValue {
                let frames = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])
                    .filter { ImageFileFormat.extensions.contains($0.pathExtension.lowercased()) }
                    .sorted { $0.lastPathComponent.localizedStandardCompare($1.lastPathComponent) == .orderedAscending }
                out += frames.enumerated().map { ($1, $0) }
            } else {
                out.append((url, nil))
            }
        }
        return out.map { (url: $0.0, frame: $0.1) }
    }
}
