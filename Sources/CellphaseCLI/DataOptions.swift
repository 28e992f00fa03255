import ArgumentParser
import Datasets
import Foundation

/// `--data ROOT` (a folder layout or a CSV manifest such as mdck-h2b-tiny's `labels.csv`) and the class mapping, shared
/// by every command that reads labelled crops.
struct DataOptions: ParsableArguments {
    @Option(help: "Dataset folder: ROOT/<class>/* or ROOT/<fold>/<class>/* (TIFF or PNG crops), or a CSV manifest.") var data: String
    @Option(help: "Explicit class order, comma-separated.") var classes: String?
    @Option(parsing: .singleValue, help: "Merge classes: name=A,B,C (repeatable), e.g. mitosis=P,PM,M,A,T.") var group: [String] = []
    @Option(help: "Classes to drop, comma-separated (e.g. J).") var drop: String?
    @Option(help: "Unreadable images: skip (report and continue) or stop.") var onError: ErrorPolicy = .skip

    var root: URL { URL(fileURLWithPath: data).standardizedFileURL }
    var hasMapping: Bool { classes != nil || !group.isEmpty || drop != nil }

    func mapping() throws -> ClassMapping { try ClassMapping(classes: classes, groupSpecs: group, drop: drop) }

    func policy() throws -> ErrorPolicy { onError }

    /// Loads the dataset (`Dataset.load`: a folder layout or a CSV manifest).
    func load(mapping: ClassMapping) throws -> Dataset {
        try Dataset.load(root, mapping: mapping, onError: try policy())
    }

    /// Loads and prepares the data (every image decoded once, on all cores).
    /// `extraUnlabelled`: a folder of unlabelled crops appended after the labelled rows (label -1).
    /// `preprocess`: the user's `--resize` / `--intensity` applied to `settings` (a dataset intensity range is fitted
    /// here, on every listed image, labels unused).
    func prepare(settings: PreprocessSettings, preprocess: PreprocessOptions? = nil, mapping: ClassMapping? = nil,
                 extraUnlabelled: URL? = nil) throws -> PreparedDataset {
        var ds = try load(mapping: try mapping ?? self.mapping())
        var settings = try preprocess?.settings(settings) ?? settings
        if let extraUnlabelled {
            let pool = try FolderLayout.unlabelledPool(extraUnlabelled.standardizedFileURL)
            ds = Dataset(classes: ds.classes, samples: ds.samples + pool.samples, labels: ds.labels + pool.labels,
                         problems: ds.problems + pool.problems, layout: ds.layout)
            Console.note("unlabelled: \(pool.count) images from \(extraUnlabelled.path)")
        }
        if preprocess?.fitsDatasetRange == true {
            let second = preprocess?.datasetRangeAsSecondChannel == true
            settings = settings.fittingDatasetRange(of: ds, secondChannel: second)
            if case let .fixed(lo, hi, _) = second ? settings.absoluteIntensity : settings.normalization {
                Console.note("intensity: one range for all crops, raw \(lo)…\(hi) (1st–99.8th percentiles of \(ds.count) crops pooled)"
                             + (second ? ", as a second channel beside each crop's own percentiles" : ""))
            }
        }
        let data = try PreparedDataset.prepare(ds, settings: settings, onError: try policy())
        for p in data.problems { Console.note("skipped \(p.file): \(p.message)") }
        let counts = data.dataset.classes.map { "\($0) \(data.dataset.classCounts[$0] ?? 0)" }.joined(separator: ", ")
        Console.note("data: \(data.count) images of \(data.side)×\(data.side) px, \(data.dataset.classes.count) classes (\(counts))"
                     + (data.dataset.folds.isEmpty ? "" : ", folds \(data.dataset.folds.joined(separator: " "))"))
        return data
    }
}
