import ArgumentParser
import Datasets
import Foundation
import Labelling
import Models
import Support
import Training

/// `cellphase labels merge`: gathers two labellers' manifests and reports where they disagree; `cellphase labels
/// simulate`: the simulated labelling loop that shows whether choosing crops pays.
struct LabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Work with label manifests (cellphase label's CSV).",
        subcommands: [Merge.self, Simulate.self])

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge a second labeller's manifest into a first; list the crops they label differently.")

        @Argument(help: "The first manifest (path,label[,labeller,time,predicted,confidence]).") var first: String
        @Argument(help: "The second manifest.") var second: String
        @Option(help: "The merged manifest.") var out = "labels-merged.csv"
        @Option(help: "Crops labelled differently: drop (left out), first (the first manifest's label) or latest (by time).")
        var conflicts: LabelManifest.ConflictPolicy = .drop

        func run() throws {
            let a = try LabelManifest.read(URL(fileURLWithPath: first)), b = try LabelManifest.read(URL(fileURLWithPath: second))
            let (merged, disagreements) = a.merged(with: b, policy: conflicts)
            try merged.write(to: URL(fileURLWithPath: out))
            for d in disagreements {
                print("disagree: \(d.path): \(d.first.label) (\(d.first.labeller.isEmpty ? "first" : d.first.labeller)) "
                      + "vs \(d.second.label) (\(d.second.labeller.isEmpty ? "second" : d.second.labeller))")
            }
            print("\(merged.count) labels in \(out) (\(a.count) + \(b.count) given, \(disagreements.count) disagreements, \(conflicts.rawValue))")
        }
    }

    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate the labelling loop on labelled folds: per strategy, accuracy on the held-out fold as labels are added.",
            discussion: "On each test fold: a few random labels per class from the other folds, then rounds of picks by each strategy (or at random) labelled with their true class, retraining after each round (from scratch, or with --warm-start fine-tuning the previous round's model); diverse spreads its picks over the model's embedding. Writes study.json, study.csv and figures/accuracy-vs-labels.svg|png.")

        @OptionGroup var source: DataOptions
        @Option(help: "Architecture retrained in every round: \(ModelRegistry.names.joined(separator: ", ")).") var model = "lowdepth"
        @Option(help: "Comma-separated strategies: random, margin, entropy, diverse.") var strategies = "random,margin,entropy,diverse"
        @Option(help: "Labels per class to start from (drawn at random, the same for every strategy).") var initial = 5
        @Option(help: "Labels added per round.") var round = 70
        @Option(help: "Labels per class to stop at (the last budget is this times the number of classes).") var final = 80
        @Option(help: "Optimiser steps of each retraining (batch 32), whatever the number of labels.") var steps = 200
        @Flag(help: "Fine-tune the previous round's model in every round instead of training a new one.") var warmStart = false
        @Option(help: "Input side in pixels.") var size = 64
        @Option(help: "Number of folds (default: the dataset's own folds, else 5).") var folds: Int?
        @Option(help: "Random seed (the first labels, random picks, training).") var seed: UInt64 = 1
        @Option(help: "Output folder.") var out = "runs/labelling-study"
        @Flag(help: "Print the result as JSON on stdout.") var json = false

        func validate() throws {
            try OptionCheck.integer(initial, "--initial", 1...10_000)
            try OptionCheck.integer(final, "--final", 1...100_000)
            try OptionCheck.integer(round, "--round", 1...1_000_000)
            try OptionCheck.integer(steps, "--steps", 1...1_000_000)
            try OptionCheck.integer(size, "--size", 32...1024)
            try OptionCheck.integer(folds, "--folds", 2...100)
            if final < initial { throw ValidationError("--final (\(final)) must be ≥ --initial (\(initial))") }
            _ = try parsedStrategies()
        }

        func parsedStrategies() throws -> [LabellingStudy.Strategy] {
            try strategies.split(separator: ",").map {
                let name = $0.trimmingCharacters(in: .whitespaces)
                guard let s = LabellingStudy.Strategy(rawValue: name) else {
                    throw ValidationError("--strategies: unknown strategy '\(name)' (random, margin, entropy, diverse)")
                }
                return s
            }
        }

        func run() throws {
            let data = try source.prepare(settings: Experiment.preprocessing(side: size))
            let testFolds = Experiment.folds(for: data, k: folds, seed: seed)
            var study = LabellingStudy(architecture: try ModelRegistry.entry(model).name, strategies: try parsedStrategies(),
                                       initialPerClass: initial, roundSize: round, finalPerClass: final, steps: steps, seed: seed)
            study.warmStart = warmStart
            try study.validate(classes: data.dataset.classes.count)
            Console.note("labelling study: \(testFolds.count) folds, budgets \(study.budgets(classes: data.dataset.classes.count).map(String.init).joined(separator: " ")) labels")
            let result = try study.run(data: data, folds: testFolds, note: Console.note)
            let dir = URL(fileURLWithPath: out).standardizedFileURL
            try result.write(to: dir)
            if json {
                print(try Console.json(result))
            } else {
                print(result.text)
                print("wrote \(dir.path)/study.json, study.csv, figures/accuracy-vs-labels.svg|png")
            }
        }
    }
}
