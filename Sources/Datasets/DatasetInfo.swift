import Foundation
import Imaging
import Support

/// What `cellphase data info` reports: counts per class and fold, image sizes, bit depths and
/// problems found (every file is decoded, on all cores). Encodes to the documented JSON object
/// (`images`, `classes`, `folds`, `bit_depths`, `problems`, plus `layout`, `class_order`,
/// `channels`, `sizes`, `skipped`).
public struct DatasetInfo: Sendable, Codable {
    public var layout: String
    /// Readable images (samples whose files all decoded).
    public var images: Int
    public var classOrder: [String]
    public var classes: [String: Int]
    public var folds: [String: Int]
    /// Bit depth ("8", "16", "32") → number of files.
    public var bitDepths: [String: Int]
    /// Channels per file → number of files.
    public var channels: [String: Int]
    public var sizes: Sizes
    public var skipped: Int
    public var problems: [DatasetProblem]

    /// Width/height statistics over readable files.
    public struct Sizes: Sendable, Codable {
        public var minWidth = 0, maxWidth = 0, medianWidth = 0, minHeight = 0, maxHeight = 0, medianHeight = 0
        enum CodingKeys: String, CodingKey {
            case minWidth = "min_width", maxWidth = "max_width", medianWidth = "median_width"
            case minHeight = "min_height", maxHeight = "max_height", medianHeight = "median_height"
        }
    }

    enum CodingKeys: String, CodingKey {
        case layout, images, classes, folds, channels, sizes, skipped, problems
        case classOrder = "class_order", bitDepths = "bit_depths"
    }

    /// Inspects a dataset; `onError: .stop` throws at the first unreadable file.
    public static func inspect(_ dataset: Dataset, onError: ErrorPolicy = .skip) throws -> DatasetInfo {
        let samples = dataset.samples
        let decoded: [Result<[Image], DatasetError>] = Parallel.map(samples.count) { i in
            do { return .success(try samples[i].files.map { try ImageFile.read($0) }) }
            catch let e as ImagingError { return .failure(.image(e, row: samples[i].row)) }
            catch { return .failure(.invalidSpec("\(error)")) }
        }
        var log = ProblemLog(onError)
        var ok: [Int] = [], widths: [Int] = [], heights: [Int] = []
        var depths: [String: Int] = [:], chans: [String: Int] = [:]
        for (i, r) in decoded.enumerated() {
            switch r {
            case .failure(let e): try log.report(e)
            case .success(let imgs):
                ok.append(i)
                for img in imgs {
                    widths.append(img.width); heights.append(img.height)
                    depths["\(img.format.bitDepth)", default: 0] += 1; chans["\(img.channels)", default: 0] += 1
                }
            }
        }
        let kept = dataset.subset(ok)
        func median(_ a: [Int]) -> Int { a.isEmpty ? 0 : a.sorted()[a.count / 2] }
        let sizes = Sizes(minWidth: widths.min() ?? 0, maxWidth: widths.max() ?? 0, medianWidth: median(widths),
                          minHeight: heights.min() ?? 0, maxHeight: heights.max() ?? 0, medianHeight: median(heights))
        return DatasetInfo(layout: dataset.layout, images: ok.count, classOrder: dataset.classes, classes: kept.classCounts,
                           folds: kept.foldCounts, bitDepths: depths, channels: chans, sizes: sizes,
                           skipped: samples.count - ok.count, problems: dataset.problems + log.problems)
    }

    /// Pretty-printed JSON with sorted keys (one object).
    public func json() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    /// A human-readable summary.
    public var text: String {
        var lines = ["layout: \(layout)", "images: \(images)\(skipped > 0 ? " (\(skipped) skipped)" : "")", "classes:"]
        for c in classOrder { lines.append("  \(c): \(classes[c] ?? 0)") }
        if !folds.isEmpty {
            lines.append("folds:")
            for f in folds.keys.sorted() { lines.append("  \(f): \(folds[f]!)") }
        }
        lines.append("sizes: \(sizes.minWidth)–\(sizes.maxWidth) × \(sizes.minHeight)–\(sizes.maxHeight) px (median \(sizes.medianWidth)×\(sizes.medianHeight))")
        lines.append("bit depths: " + bitDepths.keys.sorted().map { "\($0)-bit: \(bitDepths[$0]!)" }.joined(separator: ", "))
        lines.append("channels: " + channels.keys.sorted().map { "\($0): \(channels[$0]!)" }.joined(separator: ", "))
        lines.append("problems: \(problems.count)")
        for p in problems { lines.append("  \(p.file)\(p.row.map { " (row \($0))" } ?? ""): \(p.message)") }
        return lines.joined(separator: "\n")
    }
}
