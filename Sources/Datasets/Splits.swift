/// A train / validation / test partition, as indices into a dataset.
public struct Split: Sendable, Hashable, Codable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]
    public init(train: [Int], validation: [Int], test: [Int]) { self.train = train; self.validation = validation; self.test = test }
}

/// Reproducible splits: stratified train/validation/test, stratified k-fold, the authors' folds,
/// all optionally group-aware (all samples sharing a group — e.g. one cell on consecutive
/// frames — land on the same side). Groups are stratified by their most common label.
public enum Splitter {
    /// Stratified (and, with `groups`, group-aware) split of `indices` (default: all) by fractions
    /// (normalised to sum 1). The SGAN paper's validation is `validation: 0.2` of the labelled set.
    public static func stratified(labels: [Int], groups: [String?]? = nil, indices: [Int]? = nil,
                                  train: Double, validation: Double, test: Double, seed: UInt64) -> Split {
        let bins = partition(labels: labels, groups: groups, indices: indices ?? Array(labels.indices),
                             weights: [train, validation, test], seed: seed)
        return Split(train: bins[0], validation: bins[1], test: bins[2])
    }

    /// Stratified k-fold: the test indices of each of `k` folds (disjoint, covering `indices`).
    public static func kFold(labels: [Int], groups: [String?]? = nil, indices: [Int]? = nil, k: Int, seed: UInt64) -> [[Int]] {
        precondition(k >= 2, "k-fold needs k ≥ 2")
        return partition(labels: labels, groups: groups, indices: indices ?? Array(labels.indices),
                         weights: Array(repeating: 1, count: k), seed: seed)
    }

    /// The authors' folds (`ROOT/<fold>/<class>/`): fold name → sample indices.
    public static func authorsFolds(_ dataset: Dataset) -> [(name: String, indices: [Int])] {
        dataset.folds.map { f in (f, dataset.samples.indices.filter { dataset.samples[$0].fold == f }) }
    }

    /// For cross-validation: each fold as test against the union of the others as training.
    public static func crossValidation(_ folds: [[Int]]) -> [(train: [Int], test: [Int])] {
        folds.indices.map { i in (folds.indices.filter { $0 != i }.flatMap { folds[$0] }.sorted(), folds[i].sorted()) }
    }

    /// Core: distribute units (groups, or single samples) per stratum over bins with weights,
    /// each unit to the bin furthest below its target for that stratum.
    static func partition(labels: [Int], groups: [String?]?, indices: [Int], weights: [Double], seed: UInt64) -> [[Int]] {
        let total = weights.reduce(0, +)
        precondition(total > 0 && weights.allSatisfy { $0 >= 0 })
        let w = weights.map { $0 / total }
        // Units: samples sharing a group, else single samples, in first-seen order.
        var unitOf: [String: Int] = [:], units: [[Int]] = []
        for i in indices {
            if let g = groups?[i] ?? nil {
                if let u = unitOf[g] { units[u].append(i) } else { unitOf[g] = units.count; units.append([i]) }
            } else { units.append([i]) }
        }
        // Stratum of a unit: its most common label (ties → smallest).
        var strata: [Int: [Int]] = [:]
        for (u, members) in units.enumerated() {
            let counts = members.reduce(into: [Int: Int]()) { $0[labels[$1], default: 0] += 1 }
            let s = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
            strata[s, default: []].append(u)
        }
        var bins = Array(repeating: [Int](), count: w.count)
        var binTotals = Array(repeating: 0, count: w.count)
        for s in strata.keys.sorted() {
            var g = SeededGenerator(seed: seed, stream: UInt64(bitPattern: Int64(s)))
            var us = g.shuffled(strata[s]!)
            // Larger groups first so the small ones even out the counts (stable: ties keep shuffle order).
            us = us.enumerated().sorted { units[$0.element].count != units[$1.element].count ? units[$0.element].count > units[$1.element].count : $0.offset < $1.offset }.map(\.element)
            let stratumSize = us.reduce(0) { $0 + units[$1].count }
            var counts = Array(repeating: 0, count: w.count)
            for u in us {
                let size = units[u].count
                let best = w.indices.filter { w[$0] > 0 }.max { a, b in
                    let da = w[a] * Double(stratumSize) - Double(counts[a]), db = w[b] * Double(stratumSize) - Double(counts[b])
                    if abs(da - db) > 1e-9 { return da < db }
                    let ta = Double(binTotals[a]) / w[a], tb = Double(binTotals[b]) / w[b]
                    if abs(ta - tb) > 1e-9 { return ta > tb }
                    return a > b
                }!
                bins[best] += units[u]; counts[best] += size; binTotals[best] += size
            }
        }
        return bins.map { $0.sorted() }
    }
}

import Imaging
import Support
