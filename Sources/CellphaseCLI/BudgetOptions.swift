import ArgumentParser
import Foundation
import Training

/// The label budget of `sgan train` and `semi train` (*Semi supervised GAN for smart microscopy, fast and data
/// efficient cell cycle classification*, section 5): N labels per class and the unlabelled pool.
struct BudgetOptions: ParsableArguments {
    @Option(help: "Labelled images per class.") var labelsPerClass: Int = 80
    @Option(help: "Unlabelled pool size (default: every image the budget leaves).") var unlabelled: Int?
    @Flag(help: "Draw the unlabelled pool balanced over classes.") var stratifiedPool = false
    @Option(help: "A folder of unlabelled crops to use as the pool (instead of the unused labelled images).")
    var unlabelledDir: String?

    func validate() throws {
        try OptionCheck.integer(labelsPerClass, "--labels-per-class", 2...1_000_000)
        try OptionCheck.integer(unlabelled, "--unlabelled", 0...100_000_000)
    }

    var spec: SGANExperiment.BudgetSpec {
        SGANExperiment.BudgetSpec(labelsPerClass: labelsPerClass, unlabelled: unlabelled, stratifiedPool: stratifiedPool)
    }
    var unlabelledFolder: URL? { unlabelledDir.map { URL(fileURLWithPath: $0) } }
    /// Whether any pool option was given (a supervised baseline takes none).
    var namesAPool: Bool { unlabelled != nil || stratifiedPool || unlabelledDir != nil }
}
