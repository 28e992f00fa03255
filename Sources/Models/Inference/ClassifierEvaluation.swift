import Datasets
import Engine
import Foundation

extension Classifier {
    /// Loads a labelled folder or CSV manifest (`Dataset.load`) the way this model was trained: the bundle's class mapping (unless `mapping` is
    /// given) and preprocessing.
    public func prepare(root: URL, mapping: ClassMapping? = nil, onError: ErrorPolicy = .skip) throws -> PreparedDataset {
        let ds = try Dataset.load(root, mapping: mapping ?? info.data?.mapping ?? .identity, onError: onError)
        return try PreparedDataset.prepare(ds, settings: info.preprocessing, onError: onError)
    }

    /// Evaluates on `rows` of a prepared dataset (default all). Its classes are matched to the model's by name;
    /// a class the model does not know is an error.
    public func evaluate(_ data: PreparedDataset, rows: [Int]? = nil) throws -> (report: EvaluationReport, probabilities: [[Float]]) {
        guard data.side == info.model.inputSide, data.channels == info.model.channels else {
            throw ModelError.wrongInputShape(architecture: info.model.architecture, expected: info.model.inputShape(batch: 1),
                                             got: [1, data.channels, data.side, data.side])
        }
        var index: [Int] = []
        for c in data.dataset.classes {
            guard let i = classes.firstIndex(of: c) else {
                throw ModelError.invalidConfig("the data has class '\(c)', the model knows \(classes.joined(separator: ", ")) (use --classes/--group/--drop)")
            }
            index.append(i)
        }
        let rows = rows ?? Array(0..<data.count)
        let size = data.sampleSize
        let samples = rows.map { Array(data.data[$0 * size ..< ($0 + 1) * size]) }
        let probs = try probabilities(samples: samples)
        let report = try EvaluationReport(truth: rows.map { index[data.labels[$0]] }, probabilities: probs, classes: classes)
        return (report, probs)
    }
}
