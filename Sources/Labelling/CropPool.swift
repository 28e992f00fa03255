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
            catch { problems.append("\(url.path): \((error as? LocalizedError)?.errorDescription ?? "\(error)")") }
        }
        guard !files.isEmpty else { throw LabellingError.noReadableCrops(source: source.path, problems: problems) }
        return CropPool(files: files, images: images, problems: problems)
    }
}
