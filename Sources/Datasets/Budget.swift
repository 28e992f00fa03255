import Imaging
import Support

/// A label budget draw: `labelled` (N per class), `unlabelled` (the pool for semi-supervised
/// training) and `heldOut` (everything else in the candidates: the held-out test set).
public struct BudgetDraw: Sendable, Hashable, Codable {
    public var labelled: [Int]
    public var unlabelled: [Int]
    public var heldOut: [Int]
}

/// Label budgets and unlabelled pools drawn reproducibly from a seed, as in the SGAN paper's grid
/// (section 5: 20/40/60/80 labels per class, unlabelled pools of 100–600 images, 20 % stratified
/// validation taken from the labelled set with `Splitter.stratified`).
public enum Budget {
    public static let paperLabelsPerClass = [20, 40, 60, 80]
    public static let paperUnlabelledPools = [100, 200, 300, 400, 500, 600]
    public static let paperValidationFraction = 0.2

    /// Draws `perClass` labelled samples of every class in `classes` (default: all classes present),
    /// then `unlabelled` samples from the rest (balanced over classes when `stratifiedPool`;
    /// remainder to the first classes in a seeded order). Throws `budgetTooLarge` naming the class,
    /// or `poolTooSmall`.
    public static func draw(labels: [Int], classNames: [String], from candidates: [Int]? = nil, perClass: Int,
                            unlabelled: Int = 0, stratifiedPool: Bool = false, seed: UInt64) throws -> BudgetDraw {
        let cands = candidates ?? Array(labels.indices)
        let classes = Array(Set(cands.map { labels[$0] }.filter { $0 >= 0 })).sorted()
        var remaining: [Int: [Int]] = [:]
        var labelled: [Int] = []
        for c in classes {
            var g = SeededGenerator(seed: seed, stream: 1, UInt64(c))
            let members = g.shuffled(cands.filter { labels[$0] == c })
            guard members.count >= perClass else {
                throw DatasetError.budgetTooLarge(className: c < classNames.count ? classNames[c] : "\(c)",
                                                  available: members.count, requested: perClass)
            }
            labelled += members.prefix(perClass)
            remaining[c] = Array(members.dropFirst(perClass))
        }
        var pool: [Int] = []
        if unlabelled > 0 {
            var g = SeededGenerator(seed: seed, stream: 2)
            if stratifiedPool {
                let order = g.shuffled(classes)
                for (k, c) in order.enumerated() {
                    let quota = unlabelled / order.count + (k < unlabelled % order.count ? 1 : 0)
                    guard remaining[c]!.count >= quota else {
                        throw DatasetError.poolTooSmall(available: remaining[c]!.count, requested: quota,
                                                        detail: "class '\(c < classNames.count ? classNames[c] : "\(c)")'")
                    }
                    pool += remaining[c]!.prefix(quota)
                    remaining[c] = Array(remaining[c]!.dropFirst(quota))
                }
            } else {
                let rest = g.shuffled(classes.flatMap { remaining[$0]! } + cands.filter { labels[$0] < 0 })
                guard rest.count >= unlabelled else {
                    throw DatasetError.poolTooSmall(available: rest.count, requested: unlabelled, detail: "")
                }
                pool = Array(rest.prefix(unlabelled))
            }
        }
        let used = Set(labelled).union(pool)
        return BudgetDraw(labelled: labelled.sorted(), unlabelled: pool.sorted(), heldOut: cands.filter { !used.contains($0) }.sorted())
    }
}

/// One test fold's share of a label budget: the labelled crops to train on, the labelled crops held out for validation
/// (the paper's stratified 20 % of the budget), and the unlabelled pool.
public struct FoldBudget: Sendable, Hashable {
    public var labelled: [Int]
    public var validation: [Int]
    public var unlabelled: [Int]

    public init(labelled: [Int], validation: [Int], unlabelled: [Int]) {
        self.labelled = labelled; self.validation = validation; self.unlabelled = unlabelled
    }
}

extension Budget {
    /// Draws a fold's budget from its training rows (*Semi supervised GAN for smart microscopy, fast and data
    /// efficient cell cycle classification*, section 5): `perClass` labelled crops of every class, the pool from
    /// what they leave (`unlabelled` of them, or all; balanced over classes when `stratifiedPool`) — or, when
    /// `extraUnlabelled` rows (crops without labels) are given, the pool from those — then a stratified
    /// `paperValidationFraction` of the labelled crops for validation. Used by `sgan train`, `sgan grid` and
    /// `semi train` alike, so every method of a comparison sees the same crops.
    public static func forFold(labels: [Int], classNames: [String], trainRows: [Int], extraUnlabelled: [Int] = [],
                               perClass: Int, unlabelled: Int?, stratifiedPool: Bool, seed: UInt64) throws -> FoldBudget {
        let labelledCandidates = trainRows.filter { labels[$0] >= 0 }
        let draw: BudgetDraw
        if extraUnlabelled.isEmpty {
            let available = labelledCandidates.count - perClass * Set(labelledCandidates.map { labels[$0] }).count
            draw = try Budget.draw(labels: labels, classNames: classNames, from: trainRows, perClass: perClass,
                                   unlabelled: unlabelled ?? max(0, available), stratifiedPool: stratifiedPool, seed: seed)
        } else {
            var d = try Budget.draw(labels: labels, classNames: classNames, from: labelledCandidates, perClass: perClass, seed: seed)
            var g = SeededGenerator(seed: seed, stream: 3)
            let pool = g.shuffled(extraUnlabelled)
            if let n = unlabelled, n > pool.count {
                throw DatasetError.poolTooSmall(available: pool.count, requested: n, detail: "unlabelled folder")
            }
            d.unlabelled = Array(pool.prefix(unlabelled ?? pool.count)).sorted()
            draw = d
        }
        let split = Splitter.stratified(labels: labels, groups: nil, indices: draw.labelled, train: 1 - paperValidationFraction,
                                        validation: paperValidationFraction, test: 0, seed: seed)
        return FoldBudget(labelled: split.train, validation: split.validation, unlabelled: draw.unlabelled)
    }
}
