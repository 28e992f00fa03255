import ArgumentParser
import Datasets
import Foundation
import Models
import Training

/// `cellphase evaluate`: metrics of a trained bundle on a labelled folder.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a model bundle on a labelled folder: accuracy, per-class PPV/recall/F1, confusion matrix, AUC.")

    @Option(help: "A model: a bundle NAME.cellphase, a folder with model.safetensors + model.json, a .safetensors file with its .json, or untrained-sgan.") var model: String
    @OptionGroup var inference: InferenceOptions
    @Option(help: "Dataset folder (ROOT/<class>/* or ROOT/<fold>/<class>/*) or a CSV manifest (path,label or file,label).") var data: String
    @Option(help: "Class order/grouping/dropping as --classes (default: the mapping the model was trained with).") var classes: String?
    @Option(parsing: .singleValue, help: "Merge classes: name=A,B,C (repeatable).") var group: [String] = []
    @Option(help: "Classes to drop, comma-separated.") var drop: String?
    @Option(help: "Only this fold of a ROOT/<fold>/<class>/ layout.") var fold: String?
    @Option(help: "Also write an HTML report here.") var report: String?
    @Flag(help: "Print one JSON object on stdout (accuracy, macro_f1, per_class, confusion, auc, …).") var json = false

    func run() throws {
        let classifier = try Classifier.load(model)
        inference.configure(classifier)
        let custom = classes != nil || !group.isEmpty || drop != nil
        let mapping = custom ? try ClassMapping(classes: classes, groupSpecs: group, drop: drop) : nil
        let data = try classifier.prepare(root: URL(fileURLWithPath: data), mapping: mapping)
        for p in data.problems { Console.note("skipped \(p.file): \(p.message)") }
        var rows: [Int]?
        if let fold {
            rows = data.dataset.samples.indices.filter { data.dataset.samples[$0].fold == fold }
            guard !rows!.isEmpty else { throw ValidationError("no images in fold '\(fold)' (folds: \(data.dataset.folds.joined(separator: ", ")))") }
        }
        let (r, probs) = try classifier.evaluate(data, rows: rows)
        if let report {
            var c = RunReportContents(title: "cellphase evaluate — \(classifier.info.model.architecture)")
            c.classCounts = data.dataset.classes.map { ($0, data.dataset.classCounts[$0] ?? 0) }
            c.dataNote = self.data
            c.settings = [("bundle", model), ("model", classifier.info.model.architecture)]
            c.evaluation = r
            c.rocCurves = try ROCCurve.oneVsRest(truth: (rows ?? Array(0..<data.count)).map { classifier.classes.firstIndex(of: data.dataset.classes[data.labels[$0]])! },
                                                 probabilities: probs, classCount: classifier.classes.count)
            try c.write(to: URL(fileURLWithPath: report))
            Console.note("report: \(report)")
        }
        if json {
            print(String(decoding: try r.jsonData(), as: UTF8.self))
        } else {
            print(String(format: "accuracy %.1f %%  balanced accuracy %.1f %%  macro F1 %.3f%@  (%d images)",
                         100 * r.accuracy, 100 * r.balancedAccuracy, r.macroF1,
                         r.auc?.macro.map { String(format: "  macro AUC %.3f", $0) } ?? "", r.samples))
            print("class          precision  recall   F1      support")
            for (name, m) in r.orderedPerClass {
                print(String(format: "%-14@ %9.3f  %6@  %6@  %7d", name as NSString, m.precision,
                             (m.recall.map { String(format: "%.3f", $0) } ?? "–") as NSString,
                             (m.f1.map { String(format: "%.3f", $0) } ?? "–") as NSString, m.support))
            }
            print("confusion (rows = true, columns = predicted; \(r.classes.joined(separator: ", "))):")
            for row in r.confusion { print("  " + row.map { String(format: "%5d", $0) }.joined()) }
        }
    }
}
