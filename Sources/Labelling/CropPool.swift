import Datasets
import Foundation
import Imaging

/// The crops a labelling step works on: a folder of images (searched recursively; class folders, if any, ignored) or
/// a CSV manifest (`path` column, relative to the manifest), read once. Crops that cannot be read are listed in
/// `problems` with their file and reason and left out; nothing else is lost.
public struct CropPool: Sendable {
    public var files: [URL]
    public var images: [Image]
    /// One line per file that was left out: "path: reason".
    public var problems: [String]

    public init(files: [URL], images: [Image], problems: [String] = []) {
        precondition(files.count == images.count, "CropPool: one image per file")
        self.files = files; self.images = images; self.problems = problems
    }

    /// The same crops with those of `first` (in that order) ahead of the rest; paths compared standardised.
    public func putting(first: [URL]) -> CropPool {
        let position = Dictionary(first.enumerated().map { ($1.standardizedFileURL.path, $0) }, uniquingKeysWith: { a, _ in a })
        let order = files.indices.sorted {
            let a = position[files[$0].standardizedFileURL.path] ?? Int.max, b = position[files[$1].standardizedFileURL.path] ?? Int.max
            return a != b ? a < b : $0 < $1
        }
        return CropPool(files: order.map { files[$0] }, images: order.map { images[$0] }, problems: problems)
    }

    /// Reads every crop of `source` (a folder or a `.csv` manifest).
    public static func load(_ source: URL) throws -> CropPool {
        var problems: [String] = []
        let candidates: [URL]
        if source.pathExtension.lowercased() == "csv" {
            let table = try CSVTable(url: source)
            let header = table.header
            let column = header.contains("path") ? "path" : header.contains("file") ? "file" : "path"
            let data = try Manifest.load(source, columns: ManifestColumns(path: column, label: nil), onError: .skip)
            problems += data.problems.map { p in p.message.contains(p.file) ? p.message : "\(p.file): \(p.message)" }
            candidates = data.samples.map { $0.files[0] }
        } else {
            candidates = try FolderLayout.unlabelledPool(source).samples.map { $0.files[0] }
        }
        var files: [URL] = [], images: [Image] = []
        for url in candidates {
            do { images.append(try ImageFile.read(url)); files.append(url) }
            catch {
                let reason = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                problems.append(reason.contains(url.path) ? reason : "\(url.path): \(reason)")
            }
        }
        guard !files.isEmpty else { throw LabellingError.noReadableCrops(source: source.path, problems: problems) }
        return CropPool(files: files, images: images, problems: problems)
    }
}
