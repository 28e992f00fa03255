import ArgumentParser
import Datasets
import Foundation

/// `--data` as a folder or a CSV manifest (e.g. mdck-h2b-tiny's `labels.csv`), for the commands that train and
/// cross-validate (SGAN paper section 6.3's stratified folds).
extension DataOptions {
    /// Loads the dataset (`Dataset.load`: a folder layout or a CSV manifest).
    func load(mapping: ClassMapping) throws -> Dataset {
        try Dataset.load(root, mapping: mapping, onError: try policy())
    }
}
