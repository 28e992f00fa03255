import Foundation

extension Dataset {
    /// Loads labelled crops from a folder (`ROOT/<class>/*`, `ROOT/<fold>/<class>/*`) or a `.csv` manifest whose
    /// relative paths start from its own folder, with columns `path,label[,group][,channel2…]`, or `file,label[,group]`
    /// (as in mdck-h2b-tiny, whose other columns are ignored). A `group` column keeps each group on one side of every
    /// split. Used by every command that reads labelled data (train, cv, evaluate, sgan, transfer).
    ///
    /// Cell tracks are not linked automatically: on mdck-h2b-tiny, linking crops over frames (`TrackLinking`) joins
    /// 127 of its 164 non-apoptosis crops into three mixed-class components (a few cells followed through mitosis),
    /// which leaves no usable stratified folds.
    public static func load(_ root: URL, mapping: ClassMapping = .identity, onError: ErrorPolicy = .skip) throws -> Dataset {
        guard root.pathExtension.lowercased() == "csv" else {
            return try FolderLayout.load(root, mapping: mapping, onError: onError)
        }
        let header = try CSVTable(url: root).header
        var columns: ManifestColumns?
        if !header.contains("path"), header.contains("file"), header.contains("label") {
            columns = ManifestColumns(path: "file", label: "label", group: header.contains("group") ? ["group"] : [])
        }
        return try Manifest.load(root, columns: columns, mapping: mapping, onError: onError)
    }
}
