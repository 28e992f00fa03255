import ArgumentParser
import Foundation
import Labelling

/// `cellphase labels merge`: gathers two labellers' manifests and reports where they disagree.
struct LabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Work with label manifests (cellphase label's CSV).",
        subcommands: [Merge.self])

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
}

