import ArgumentParser
import Datasets
import Foundation
import Imaging
import Support

/// `cellphase data …`: look at datasets (info, preview) and generate the built-in synthetic example.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect image datasets, preview augmentation, generate example data.",
        subcommands: [Info.self, Preview.self, Examples.self])

    /// Where the data is and how to read it (shared by the subcommands).
    struct Source: ParsableArguments {
        @Argument(help: "Dataset folder: ROOT/<class>/*, ROOT/<fold>/<class>/*, the base folder of --manifest, or a CSV manifest.")
        var root: String

        @Option(help: "CSV manifest (path,label[,group][,channel2…] or any CSV with --path-column etc.). Relative paths are resolved against ROOT.")
        var manifest: String?
        @Option(help: "Manifest column holding the image path.") var pathColumn: String = "path"
        @Option(help: "Manifest column holding the class.") var labelColumn: String = "label"
        @Option(parsing: .singleValue, help: "Manifest column(s) forming the group (repeatable).") var groupColumn: [String] = []
        @Option(parsing: .singleValue, help: "Manifest column(s) with extra channel files (repeatable).") var channelColumn: [String] = []
        @Flag(help: "Build groups by linking crops of the same cell over frames (manifest columns frame, y, x).") var linkTracks = false

        @Option(help: "Explicit class order, comma-separated.") var classes: String?
        @Option(parsing: .singleValue, help: "Merge classes: name=A,B,C (repeatable), e.g. mitosis=P,PM,M,A,T.") var group: [String] = []
        @Option(help: "Classes to drop, comma-separated (e.g. J).") var drop: String?
        @Option(help: "Bad input: skip (report and continue) or stop.") var onError: ErrorPolicy = .skip

        func policy() throws -> ErrorPolicy { onError }

        func load() throws -> Dataset {
            let mapping = try ClassMapping(classes: classes, groupSpecs: group, drop: drop)
            var rootURL = URL(fileURLWithPath: root)
            var manifest = self.manifest
            // A CSV given as ROOT is a manifest whose relative paths start from its own folder.
            if manifest == nil, rootURL.pathExtension.lowercased() == "csv" {
                manifest = rootURL.path
                rootURL = rootURL.deletingLastPathComponent()
            }
            if let manifest {
                let url = URL(fileURLWithPath: manifest, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                let custom = pathColumn != "path" || labelColumn != "label" || !groupColumn.isEmpty || !channelColumn.isEmpty || linkTracks
                let columns = custom ? ManifestColumns(path: pathColumn, label: labelColumn, group: groupColumn,
                                                       channels: channelColumn, track: linkTracks ? TrackLinking() : nil) : nil
                return try Manifest.load(url.absoluteURL, columns: columns, base: rootURL, mapping: mapping, onError: try policy())
            }
            return try FolderLayout.load(rootURL, mapping: mapping, onError: try policy())
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Classes, counts per class and fold, sizes, bit depths, problems.")
        @OptionGroup var source: Source
        @Flag(help: "Print one JSON object on stdout.") var json = false

        func run() throws {
            let info = try DatasetInfo.inspect(try source.load(), onError: try source.policy())
            print(json ? try info.json() : info.text)
        }
    }

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a PNG contact sheet: per class, N samples without and then with augmentation.")
        @OptionGroup var source: Source
        @Option(help: "Output PNG.") var out: String
        @Option(help: "Samples per class.") var perClass: Int = 6
        @Option(help: "Random seed.") var seed: UInt64 = 0
        @Option(help: "Tile side in pixels.") var side: Int = 64
        @Option(help: "Maximum rotation in degrees.") var rotation: Double = 30

        func run() throws {
            let ds = try source.load()
            var rows: [[Image]] = []
            let settings = PreprocessSettings(side: side, normalization: .robustUnit)
            let augmentation = AugmentationSettings(rotationDegrees: rotation)
            for c in ds.classes.indices {
                var g = SeededGenerator(seed: seed, stream: UInt64(c))
                let chosen = g.shuffled(ds.indices(ofClass: c)).prefix(perClass)
                let prepared = try PreparedDataset.prepare(ds.subset(Array(chosen)), settings: settings, onError: try source.policy())
                let originals = (0..<prepared.count).map(prepared.image)
                let augmented = originals.enumerated().map { $1.augmented(augmentation, seed: seed &+ UInt64($0 * 7919 + c), range: 0...1) }
                rows.append(originals + augmented)
            }
            let sheet = ContactSheet.render(rows: rows, tile: side, gap: 2, separatorAfter: [perClass - 1])
            try PNGCodec.write(sheet, to: URL(fileURLWithPath: out))
            FileHandle.standardError.write(Data("wrote \(out): rows \(ds.classes.joined(separator: ", ")); left \(perClass) original, right augmented\n".utf8))
        }
    }

    struct Examples: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate the synthetic example dataset OUT/<phase>/*.png|tif (7 phases, no download needed).")
        @Option(help: "Output folder.") var out: String
        @Option(help: "Images per phase.") var perClass: Int = 60
        @Option(help: "Image side in pixels.") var side: Int = 64
        @Option(help: "File type: png (8-bit) or tif (16-bit LZW).") var format: ExampleFormat = .png
        @Option(help: "Random seed.") var seed: UInt64 = 0

        func run() throws {
            let gen = SyntheticNuclei(side: side, format: format == .png ? .uint8 : .uint16, seed: seed)
            let n = try gen.writeDataset(to: URL(fileURLWithPath: out), perClass: perClass, fileExtension: format.rawValue)
            print("wrote \(n) images to \(out)")
        }
    }
}
