import Foundation

/// One example: one or more files (several files = channels of the same cell) with optional
/// class, group (cell / track identity, for group-aware splits) and fold (authors' folds).
public struct Sample: Sendable, Hashable, Codable {
    public var files: [URL]
    /// The class as found in the data, before grouping/dropping (nil: unlabelled).
    public var rawLabel: String?
    public var group: String?
    public var fold: String?
    /// Manifest data row (1-based), for error messages.
    public var row: Int?

    public init(files: [URL], rawLabel: String? = nil, group: String? = nil, fold: String? = nil, row: Int? = nil) {
        self.files = files; self.rawLabel = rawLabel; self.group = group; self.fold = fold; self.row = row
    }
}

/// A labelled (or unlabelled) collection of samples with its final class list. `labels[i]` is
/// the index of `samples[i]`'s class in `classes`, or -1 for unlabelled samples.
public struct Dataset: Sendable {
    public var classes: [String]
    public var samples: [Sample]
    public var labels: [Int]
    /// Problems met while listing (skipped folders, manifest rows naming missing files, …).
    public var problems: [DatasetProblem]
    /// "classes", "folds", "manifest" or "unlabelled".
    public var layout: String

    public init(classes: [String], samples: [Sample], labels: [Int], problems: [DatasetProblem] = [], layout: String) {
        precondition(samples.count == labels.count)
        self.classes = classes; self.samples = samples; self.labels = labels; self.problems = problems; self.layout = layout
    }

    public var count: Int { samples.count }

    /// Sample count per class name (every class listed, even with 0).
    public var classCounts: [String: Int] {
        var d = Dictionary(uniqueKeysWithValues: classes.map { ($0, 0) })
        for l in labels where l >= 0 { d[classes[l], default: 0] += 1 }
        return d
    }

    /// Fold names, sorted (empty when the layout has none).
    public var folds: [String] { Array(Set(samples.compactMap(\.fold))).sorted() }

    /// Sample count per fold.
    public var foldCounts: [String: Int] {
        samples.reduce(into: [:]) { d, s in if let f = s.fold { d[f, default: 0] += 1 } }
    }

    /// Indices of the samples of one class.
    public func indices(ofClass c: Int) -> [Int] { labels.indices.filter { labels[$0] == c } }

    /// The group of each sample (nil when none).
    public var groups: [String?] { samples.map(\.group) }

    /// A dataset made of some samples (in the given order), same classes.
    public func subset(_ indices: [Int]) -> Dataset {
        Dataset(classes: classes, samples: indices.map { samples[$0] }, labels: indices.map { labels[$0] },
                problems: problems, layout: layout)
    }
}
