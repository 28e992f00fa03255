import ArgumentParser
import Datasets
import Foundation

/// `--data` as a folder or a CSV manifest (e.g. mdck-h2b-tiny's `labels.csv`, where cells seen on consecutive
/// frames must stay on one side of every split, SGAN paper section 6.3's stratified folds).
extension DataOptions {
    /// Loads the dataset: a folder (`ROOT/<class>/*`, `ROOT/<fold>/<class>/*`) or a `.csv` manifest whose relative
    /// paths start from its own folder. Manifest columns: `path,label[,group][,channel2…]`; or `file`/`label` as in
    /// mdck-h2b-tiny, with groups linked from `frame`, `y`, `x` when present (one cell's crops over time).
    func load(mapping: ClassMapping) throws -> Dataset {
        guard root.pathExtension.lowercased() == "csv" else {
            return try FolderLayout.load(root, mapping: mapping, onError: try policy())
        }
        let header = try CSVTable(url: root).header
        var columns: ManifestColumns?
        if !header.contains("path"), header.contains("file"), header.contains("label") {
            let tracks = ["frame", "y", "x"].allSatisfy(header.contains)
            columns = ManifestColumns(path: "file", label: "label", track: tracks ? TrackLinking() : nil)
            if tracks { Console.note("manifest: groups = cell tracks linked over frames (columns frame, y, x)") }
        }
        return try Manifest.load(root, columns: columns, mapping: mapping, onError: try policy())
    }
}
