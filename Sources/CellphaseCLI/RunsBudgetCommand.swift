import ArgumentParser
import Foundation
import Plot
import RunRegistry
import Training

extension RunsCommand {
    /// `cellphase runs budget`: accuracy against labels per class for recorded `semi train` / `sgan train` runs.
    struct Budget: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Label-budget curves: test accuracy against labels per class, one line per method, ± std over folds.",
            discussion: "Each --group is one run of `semi train` or `sgan train` (its group is shown by `runs list`, e.g. semi:/path/runs/semi-l80). Writes FILE.svg and FILE.png and prints a Markdown table.")
        @OptionGroup var options: RegistryOptions
        @Option(parsing: .singleValue, help: "A run group, optionally with the name of its line: GROUP[=NAME] (repeat for each method and budget).")
        var group: [String] = []
        @Option(help: "The figure, written as FILE.svg and FILE.png.") var out: String = "label-budget.svg"
        @Option(help: "A dashed reference line: LABEL=ACCURACY (0–1), e.g. \"all labels=0.807\".") var reference: String?

        func validate() throws {
            guard !group.isEmpty else { throw ValidationError("give one --group per run (see `cellphase runs list`)") }
            _ = try parsedReference()
        }

        func parsedReference() throws -> (label: String, value: Double)? {
            guard let reference else { return nil }
            let parts = reference.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let v = Double(parts[1]), (0...1).contains(v) else {
                throw ValidationError("--reference must be LABEL=ACCURACY with an accuracy in 0–1; got '\(reference)'")
            }
            return (String(parts[0]), v)
        }

        func run() throws {
            let registry = try options.open()
            let curves = try BudgetCurves(groups: try group.map { g in
                let parts = g.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let name = parts.count == 2 && !parts[1].isEmpty ? parts[1] : nil
                let id = name == nil ? g : parts[0]
                return (id, name, try registry.runs(group: id))
            })
            let url = URL(fileURLWithPath: out).standardizedFileURL
            let svg = url.pathExtension == "svg" ? url : url.appendingPathExtension("svg")
            try curves.plot(reference: try parsedReference()).canvas().writeSVGAndPNG(to: svg)
            print(curves.markdown)
            Console.note("figure: \(svg.path) and \(svg.deletingPathExtension().appendingPathExtension("png").path)")
        }
    }
}
