import Foundation
import Imaging

/// Lists image folders: `ROOT/<class>/*`, `ROOT/<fold>/<class>/*` (authors' folds, e.g.
/// roboscope-zeiss' `crossvalidation{1..4}_eq/<CLASS>/`) and unlabelled pools (`ROOT/*`).
/// The layout is detected from the tree; hidden files are ignored; files sorted by name.
public enum FolderLayout {
    /// Loads a labelled folder, detecting the class or fold/class layout.
    public static func load(_ root: URL, mapping: ClassMapping = .identity, onError: ErrorPolicy = .stop) throws -> Dataset {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError.notFound(path: root.path)
        }
        var log = ProblemLog(onError)
        let top = try subfolders(root)
        // Fold layout: the top folders hold class folders (and no images themselves).
        let isFolds = !top.isEmpty && top.allSatisfy { (try? images(in: $0).isEmpty) == true && !((try? subfolders($0)) ?? []).isEmpty }
        var raw: [Sample] = []
        for outer in top {
            let classFolders = isFolds ? try subfolders(outer) : [outer]
            for folder in classFolders {
                let files = try images(in: folder)
                if files.isEmpty { try log.report(.emptyClassFolder(folder: folder.path)); continue }
                raw += files.map { Sample(files: [$0], rawLabel: folder.lastPathComponent, fold: isFolds ? outer.lastPathComponent : nil) }
            }
        }
        if raw.isEmpty {
            if !(try images(in: root)).isEmpty {
                throw DatasetError.invalidSpec("\(root.path): images but no class folders; load it as an unlabelled pool")
            }
            throw DatasetError.noImages(folder: root.path)
        }
        return try label(raw, mapping: mapping, problems: log.problems, layout: isFolds ? "folds" : "classes")
    }

    /// A folder of images without classes (recursively), all labels -1.
    public static func unlabelledPool(_ root: URL) throws -> Dataset {
        guard FileManager.default.fileExists(atPath: root.path) else { throw DatasetError.notFound(path: root.path) }
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) else {
            throw DatasetError.notFound(path: root.path)
        }
        let files = e.compactMap { $0 as? URL }.filter(isImage).sorted { $0.path < $1.path }
        guard !files.isEmpty else { throw DatasetError.noImages(folder: root.path) }
        return Dataset(classes: [], samples: files.map { Sample(files: [$0]) }, labels: files.map { _ in -1 }, layout: "unlabelled")
    }

    /// Applies a class mapping to raw samples (drops those mapped away).
    static func label(_ raw: [Sample], mapping: ClassMapping, problems: [DatasetProblem], layout: String) throws -> Dataset {
        let (classes, index) = try mapping.resolve(Set(raw.compactMap(\.rawLabel)))
        var samples: [Sample] = [], labels: [Int] = []
        for s in raw {
            guard let l = s.rawLabel.flatMap({ index[$0] ?? nil }) else { continue }
            samples.append(s); labels.append(l)
        }
        return Dataset(classes: classes, samples: samples, labels: labels, problems: problems, layout: layout)
    }

    static func isImage(_ url: URL) -> Bool {
        ImageFileFormat.extensions.contains(url.pathExtension.lowercased()) && !url.lastPathComponent.hasPrefix(".")
    }

    static func subfolders(_ url: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: [.isDirectoryKey], options: [.skipsHiddenFiles])
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func images(in url: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])
            .filter(isImage).sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
