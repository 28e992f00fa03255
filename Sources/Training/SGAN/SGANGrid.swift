import Datasets
import Foundation
import Models

/// The label-budget grid of the (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 5, Figures 4 and 5): every labelled budget per
/// class × every unlabelled pool size, repeated over test folds, plus supervised baselines at the same label
/// budgets (the SGAN's discriminator without unlabelled or generated data, and the `lowdepth` CNN). Cells are
/// listed in a fixed order so independent shards (`--shard i/n`, a cluster job array) cover each cell exactly once.
public struct SGANGrid: Sendable, Codable, Hashable {
    /// What a cell trains.
    public enum Method: String, Sendable, Codable, CaseIterable {
        case sgan
        /// The SGAN discriminator on the labels alone.
        case supervisedOnly = "supervised-only"
        /// The low-depth CNN of section 6.2.2 on the labels alone.
        case lowdepth
    }

    /// An unlabelled pool size, optionally class-stratified (the paper's "185" cell).
    public struct Pool: Sendable, Codable, Hashable, CustomStringConvertible {
        public var size: Int
        public var stratified: Bool
        public init(_ size: Int, stratified: Bool = false) { self.size = size; self.stratified = stratified }

        /// Parses "300" or "185s" (class-stratified).
        public init?(_ text: String) {
            let t = text.trimmingCharacters(in: .whitespaces).lowercased()
            let strat = t.hasSuffix("s")
            guard let n = Int(strat ? String(t.dropLast()) : t), n > 0 else { return nil }
            self.init(n, stratified: strat)
        }

        public var description: String { "\(size)\(stratified ? "s" : "")" }
    }

    /// One run of the grid.
    public struct Cell: Sendable, Codable, Hashable {
        public var method: Method
        public var budget: SGANExperiment.BudgetSpec
        public var fold: String

        public init(method: Method, budget: SGANExperiment.BudgetSpec, fold: String) {
            self.method = method; self.budget = budget; self.fold = fold
        }

        /// Unique within a grid: "sgan/l80-u600/crossvalidation1_eq", "lowdepth/l20-u0/fold2".
        public var key: String { "\(method.rawValue)/\(budget.key)/\(fold)" }
    }

    /// The paper's pools: 100, 185 (class-stratified), 200, 300, 400, 500, 600.
    public static let paperPools: [Pool] = [Pool(100), Pool(185, stratified: true), Pool(200), Pool(300), Pool(400),
                                            Pool(500), Pool(600)]

    public var labelsPerClass: [Int]
    public var pools: [Pool]
    public var folds: [String]
    public var baselines: [Method]

    public init(labelsPerClass: [Int] = Budget.paperLabelsPerClass, pools: [Pool] = SGANGrid.paperPools, folds: [String],
                baselines: [Method] = [.supervisedOnly, .lowdepth]) {
        self.labelsPerClass = labelsPerClass; self.pools = pools; self.folds = folds
        self.baselines = baselines.filter { $0 != .sgan }
    }

    /// Every cell, in a fixed order: per fold, per label budget, the SGAN at each pool, then the baselines.
    public var cells: [Cell] {
        var out: [Cell] = []
        for fold in folds {
            for l in labelsPerClass {
                for p in pools {
                    out.append(Cell(method: .sgan, budget: .init(labelsPerClass: l, unlabelled: p.size, stratifiedPool: p.stratified),
                                    fold: fold))
                }
                for b in baselines { out.append(Cell(method: b, budget: .init(labelsPerClass: l, unlabelled: 0), fold: fold)) }
            }
        }
        return out
    }

    /// The cells of shard `index` (1-based) of `count`: every `count`-th cell, so shards get similar mixes.
    public static func shard(_ cells: [Cell], index: Int, count: Int) -> [Cell] {
        precondition(count >= 1 && (1...count).contains(index), "shard \(index)/\(count)")
        return cells.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }

    /// Parses "i/n" (1 ≤ i ≤ n).
    public static func parseShard(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else { return nil }
        return (parts[0], parts[1])
    }

    /// Why the data cannot supply `cell` (a class with fewer than N images, or too small a pool in the training
    /// folds), or nil when it can. `trainRows`: the rows outside the cell's test fold.
    public static func infeasibility(of cell: Cell, labels: [Int], classNames: [String], trainRows: [Int]) -> String? {
        do {
            _ = try Budget.draw(labels: labels, classNames: classNames, from: trainRows, perClass: cell.budget.labelsPerClass,
                                unlabelled: cell.budget.unlabelled ?? 0, stratifiedPool: cell.budget.stratifiedPool, seed: 0)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
