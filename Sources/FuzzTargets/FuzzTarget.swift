import Datasets
import Foundation
import Imaging
import Microscope
import Models
import NN
import Segmentation
import Server

/// The parsers that read what comes from outside — image files, request bodies, weight files, bundle descriptions,
/// manifests, event rules — each as one entry that takes arbitrary bytes and must return (a thrown error is a
/// clean refusal; a trap, a hang or a giant allocation is a defect). `cellphase-fuzz` runs them under libFuzzer
/// (`scripts/fuzz`); `FuzzTargetsTests` replays the corpus in `Fuzz/corpus/<target>/` in the normal test suite.
/// Limits are small here (4 Mi samples, 64 pages) so that a fuzzer's memory stays low; the server's are set by its
/// options and checked the same way.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// TIFF or PNG from memory (every page, then the first), then what consumers do with the pixels: percentile
    /// normalisation and an Otsu threshold.
    case image
    /// Raw samples as the server reads them: the first line is `WIDTH HEIGHT DTYPE [cells]` (query parameters as
    /// text), the rest the body.
    case raw
    /// `multipart/form-data`: the first line is the Content-Type, the rest the body; every part decoded as an image.
    case multipart
    /// A safetensors file (header, offsets, shapes, values).
    case safetensors
    /// A model bundle's `bundle.json`.
    case bundle
    /// A CSV manifest (columns, rows, quoting, track columns).
    case manifest
    /// An event rules file, checked against a 7-class model.
    case rules

    public static let maxSamples = 1 << 22, maxPages = 64

    /// Feeds `data` to the parser; returns whether it accepted the input (false: refused with an error).
    @discardableResult
    public func run(_ data: Data) -> Bool { (try? feed(data)) != nil }

    /// Feeds `data` to the parser; throws the parser's refusal.
    public func feed(_ data: Data) throws {
        switch self {
        case .image:
            let pages = try ImageFile.decodePages(data, name: "fuzz", maxSamples: Self.maxSamples, maxPages: Self.maxPages)
            _ = try ImageFile.decode(data, name: "fuzz", maxSamples: Self.maxSamples)
            for page in pages {
                let n = page.normalized(.percentile(low: 1, high: 99.8, symmetric: false))
                _ = Otsu.threshold(Array(n.pixels.prefix(page.planeSize)))
                _ = Otsu.threshold(Array(page.pixels.prefix(page.planeSize)))
            }
        case .raw:
            let (line, rest) = Self.firstLine(data)
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 3 else { throw CocoaError(.coderInvalidValue) }
            try rest.withUnsafeBytes { bytes in
                _ = try RawSamples.decode(bytes, width: Int(words[0]), height: Int(words[1]), dtype: words[2],
                                          pages: words.count > 3, maxPixels: Self.maxSamples, maxCrops: 4096)
            }
        case .multipart:
            let (line, rest) = Self.firstLine(data)
            for part in try MultipartBody.parse(rest, contentType: line) {
                _ = try? ImageFile.decodePages(part.body, name: "part", maxSamples: Self.maxSamples, maxPages: Self.maxPages)
            }
        case .safetensors:
            _ = try SafeTensors.decode(data, file: "fuzz.safetensors")
        case .bundle:
            _ = try ModelBundle.info(json: data, bundle: "fuzz.cellphase")
        case .manifest:
            let table = try CSVTable(text: String(decoding: data, as: UTF8.self), name: "fuzz.csv")
            _ = try Manifest.dataset(table, name: "fuzz.csv", base: URL(fileURLWithPath: "/"), onError: .skip)
        case .rules:
            let rules = try EventRule.decode(data)
            try EventRule.check(rules, classes: ["interphase", "prophase", "prometaphase", "metaphase", "anaphase", "telophase", "apoptosis"])
        }
    }

    /// The text before the first newline, and the bytes after it.
    static func firstLine(_ data: Data) -> (String, Data) {
        guard let nl = data.firstIndex(of: 0x0A) else { return (String(decoding: data, as: UTF8.self), Data()) }
        return (String(decoding: data[data.startIndex..<nl], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                Data(data[(nl + 1)...]))
    }
}
