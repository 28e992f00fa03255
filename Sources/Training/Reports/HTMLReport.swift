import Foundation
import Models
import Plot
import Support

/// A single self-contained HTML page per run: inline CSS, inlined SVG figures, no external assets.
/// Sections are added in order — data summary, model and settings, metrics table, confusion matrix,
/// ROC, training curves, cross-validation summary, notes — then `write(to:)` writes the page
/// atomically, and every figure added as a canvas also as `figures/NAME.svg` and `figures/NAME.png` beside it
/// (issue 4: plots "as SVG (and PNG)"; the page itself still inlines them). Serves the reporting of the first paper's section 2.3.4 metrics and of the SGAN
/// paper's sections 5–6 (fold statistics, Figures 4 and 5).
///
///     try HTMLReport(title: "lowdepth on roboscope-zeiss")
///         .addDataSummary(classCounts: [("A", 120), ("M", 40)])
///         .addMetrics(report)
///         .addNotes("…")
///         .write(to: url)
public final class HTMLReport {
    /// One section of the page: a heading, its anchor id and its (already escaped) HTML body.
    public struct Section: Sendable, Hashable {
        public var title: String
        public var html: String
        public var id: String
    }

    /// A figure of the page kept as a canvas, written as `figures/NAME.svg` and `.png` next to the page.
    public struct Figure: Sendable {
        /// File name without extension: the figure's title in lower case, words joined by "-" (unique in the page).
        public var name: String
        public var canvas: SVGCanvas
    }

    public let title: String
    public private(set) var sections: [Section] = []
    public private(set) var figures: [Figure] = []
    /// Creation time shown under the title.
    public var generated: Date

    public init(title: String, generated: Date = Date()) {
        self.title = title; self.generated = generated
    }

    static func esc(_ s: String) -> String { SVGCanvas.escape(s) }
    static func pct(_ v: Double?) -> String { v.map { String(format: "%.2f %%", $0 * 100) } ?? "—" }
    static func fix(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "—" }

    /// Adds a section whose body is trusted HTML (escape user text with `HTMLReport.escape`).
    @discardableResult
    public func addSection(title: String, html: String) -> Self {
        var id = title.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        if sections.contains(where: { $0.id == id }) { id += "-\(sections.count)" }
        sections.append(Section(title: title, html: html, id: id))
        return self
    }

    /// Escapes text for HTML.
    public static func escape(_ s: String) -> String { esc(s) }

    /// Adds a section with an inlined SVG figure and an optional caption (inline only: a figure given as a canvas,
    /// `addFigure(title:canvas:)`, is also written as SVG and PNG files).
    @discardableResult
    public func addFigure(title: String, svg: String, caption: String? = nil) -> Self {
        addSection(title: title, html: Self.figure(svg: svg, caption: caption))
    }

    /// Adds a section with the canvas inlined as SVG and an optional caption; `write(to:)` also writes it as
    /// `figures/NAME.svg` and `figures/NAME.png` (NAME from `name`, or else the title).
    @discardableResult
    public func addFigure(title: String, canvas: SVGCanvas, caption: String? = nil, name: String? = nil) -> Self {
        addSection(title: title, html: figure(canvas, name: name ?? title, caption: caption))
    }

    /// The inline markup of a canvas, registering it as a figure file.
    func figure(_ canvas: SVGCanvas, name: String, caption: String?) -> String {
        var slug = Self.slug(name), k = 2
        while figures.contains(where: { $0.name == slug }) { slug = Self.slug(name) + "-\(k)"; k += 1 }
        figures.append(Figure(name: slug, canvas: canvas))
        return Self.figure(svg: canvas.render(), caption: caption)
    }

    /// Lower-case letters and digits, other runs of characters as one "-" ("GAN losses — fold 1" → "gan-losses-fold-1").
    static func slug(_ s: String) -> String {
        let words = s.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        return words.isEmpty ? "figure" : words.joined(separator: "-")
    }

    static func figure(svg: String, caption: String?) -> String {
        // Inline SVG in HTML5 needs no namespace; dropping it keeps the page free of any URL.
        let inline = svg.replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        return "<figure>\(inline)" + (caption.map { "<figcaption>\(esc($0))</figcaption>" } ?? "") + "</figure>"
    }

    /// Adds a section with a PNG image inlined as a data URL (the page stays self-contained).
    @discardableResult
    public func addImage(title: String, png: Data, caption: String? = nil) -> Self {
        addSection(title: title, html: "<figure><img alt=\"\(Self.esc(title))\" src=\"data:image/png;base64,\(png.base64EncodedString())\">"
                   + (caption.map { "<figcaption>\(Self.esc($0))</figcaption>" } ?? "") + "</figure>")
    }

    /// A two-column table (e.g. model and settings), values escaped.
    @discardableResult
    public func addTable(title: String, rows: [(String, String)]) -> Self {
        let body = rows.map { "<tr><th>\(Self.esc($0.0))</th><td>\(Self.esc($0.1))</td></tr>" }.joined()
        return addSection(title: title, html: "<table class=\"kv\">\(body)</table>")
    }

    /// Model and settings table.
    @discardableResult
    public func addSettings(_ rows: [(String, String)], title: String = "Model and settings") -> Self {
        addTable(title: title, rows: rows)
    }

    /// Data summary: classes with their image counts (and an optional note, e.g. dataset path or folds).
    @discardableResult
    public func addDataSummary(classCounts: [(String, Int)], note: String? = nil, title: String = "Data") -> Self {
        let total = classCounts.reduce(0) { $0 + $1.1 }
        var h = note.map { "<p>\(Self.esc($0))</p>" } ?? ""
        h += "<p>\(classCounts.count) classes, \(total) images.</p>"
        h += "<table><tr><th>Class</th><th>Images</th><th>Share</th></tr>"
        for (name, n) in classCounts {
            h += "<tr><td>\(Self.esc(name))</td><td class=\"num\">\(n)</td><td class=\"num\">\(Self.pct(total == 0 ? nil : Double(n) / Double(total)))</td></tr>"
        }
        h += "</table>"
        return addSection(title: title, html: h)
    }

    /// Metrics table (per-class precision/recall/specificity/F1/support, macro and weighted averages,
    /// accuracy, balanced accuracy, AUC) followed by the confusion-matrix heat map and, when
    /// `rocCurves` are given, the ROC plot.
    @discardableResult
    public func addMetrics(_ r: EvaluationReport, rocCurves: [ROCCurve?]? = nil, title: String = "Test metrics") -> Self {
        var h = "<p>Accuracy <b>\(Self.pct(r.accuracy))</b> · balanced accuracy \(Self.pct(r.balancedAccuracy)) · macro F1 \(Self.fix(r.macroF1))"
        if let auc = r.auc?.macro { h += " · macro AUC \(Self.fix(auc))" }
        if let ece = r.ece { h += " · ECE \(Self.fix(ece)) (calibration error of the confidences)" }
        h += " · \(r.samples) test images</p>"
        h += "<table><tr><th>Class</th><th>Precision (PPV)</th><th>Recall (sensitivity)</th><th>Specificity</th><th>F1</th><th>Support</th>"
        if r.auc != nil { h += "<th>AUC</th>" }
        h += "</tr>"
        for (name, m) in r.orderedPerClass {
            h += "<tr><td>\(Self.esc(name))</td><td class=\"num\">\(Self.fix(m.precision))</td><td class=\"num\">\(Self.fix(m.recall))</td>"
            h += "<td class=\"num\">\(Self.fix(m.specificity))</td><td class=\"num\">\(Self.fix(m.f1))</td><td class=\"num\">\(m.support)</td>"
            if let auc = r.auc { h += "<td class=\"num\">\(Self.fix(auc.perClass[name] ?? nil))</td>" }
            h += "</tr>"
        }
        for (label, a) in [("Macro average", r.macro), ("Weighted average", r.weighted)] {
            h += "<tr class=\"avg\"><td>\(label)</td><td class=\"num\">\(Self.fix(a.precision))</td><td class=\"num\">\(Self.fix(a.recall))</td>"
            h += "<td class=\"num\">\(Self.fix(a.specificity))</td><td class=\"num\">\(Self.fix(a.f1))</td><td class=\"num\">\(r.samples)</td>"
            if r.auc != nil { h += "<td class=\"num\">\(label.hasPrefix("Macro") ? Self.fix(r.auc?.macro) : "")</td>" }
            h += "</tr>"
        }
        h += "</table><p class=\"small\">Precision of a class never predicted is 0 by convention; recall and F1 of a class absent from the test set are undefined (—) and left out of the averages.</p>"
        addSection(title: title, html: h)
        addFigure(title: "Confusion matrix", canvas: ConfusionMatrixPlot(report: r).canvas(),
                  caption: "Rows: true class; columns: predicted class. Counts, coloured by row percentage.")
        if let rocCurves {
            let plot = ROCPlot(curves: Array(zip(r.classes, rocCurves)).map { (name: $0.0, curve: $0.1) })
            addFigure(title: "ROC", canvas: plot.canvas(), caption: "One-vs-rest ROC curves; dashed diagonal = chance.")
        }
        return self
    }

    /// Training and validation loss/accuracy curves.
    @discardableResult
    public func addTrainingCurves(_ records: [EpochRecord], title: String = "Training curves") -> Self {
        guard !records.isEmpty else { return addSection(title: title, html: "<p>No epochs recorded.</p>") }
        let best = records.filter { $0.valAccuracy != nil }.max { $0.valAccuracy! < $1.valAccuracy! }
        let secs = records.reduce(0) { $0 + ($1.seconds.isFinite ? $1.seconds : 0) }
        var cap = "\(records.count) epochs, \(String(format: "%.1f", secs)) s"
        if let best { cap += "; best validation accuracy \(Self.pct(best.valAccuracy)) at epoch \(best.epoch)" }
        return addFigure(title: title, canvas: TrainingCurvesPlot(records: records).canvas(), caption: cap)
    }

    /// Cross-validation summary: mean ± std and 95 % CI, per-fold figures and per-class F1.
    @discardableResult
    public func addCrossValidation(_ s: CrossValidationSummary, title: String = "Cross-validation") -> Self {
        func row(_ name: String, _ st: SummaryStatistic) -> String {
            let ci = st.ci95.map { "[\(Self.pct($0[0])), \(Self.pct($0[1]))]" } ?? "—"
            return "<tr><td>\(name)</td><td class=\"num\">\(Self.pct(st.mean))</td><td class=\"num\">\(Self.pct(st.std))</td><td class=\"num\">\(ci)</td></tr>"
        }
        var h = "<p>\(s.folds) folds. Standard deviation over folds (n − 1); 95 % confidence interval from Student's t with \(max(s.folds - 1, 0)) degrees of freedom.</p>"
        h += "<table><tr><th>Figure</th><th>Mean</th><th>Std</th><th>95 % CI</th></tr>"
        h += row("Accuracy", s.accuracy) + row("Balanced accuracy", s.balancedAccuracy) + row("Macro F1", s.macroF1)
        if let auc = s.macroAUC { h += row("Macro AUC", auc) }
        h += "</table><h3>Per fold</h3><table><tr><th>Fold</th><th>Accuracy</th><th>Balanced accuracy</th><th>Macro F1</th><th>Test images</th></tr>"
        for (i, r) in s.perFold.enumerated() {
            h += "<tr><td>\(i + 1)</td><td class=\"num\">\(Self.pct(r.accuracy))</td><td class=\"num\">\(Self.pct(r.balancedAccuracy))</td><td class=\"num\">\(Self.fix(r.macroF1))</td><td class=\"num\">\(r.samples)</td></tr>"
        }
        h += "</table><h3>Per class</h3><table><tr><th>Class</th><th>F1 mean</th><th>F1 std</th><th>Precision mean</th><th>Recall mean</th><th>Support (all folds)</th></tr>"
        for name in s.classes {
            guard let pc = s.perClass[name] else { continue }
            h += "<tr><td>\(Self.esc(name))</td><td class=\"num\">\(Self.fix(pc.f1?.mean))</td><td class=\"num\">\(Self.fix(pc.f1?.std))</td>"
            h += "<td class=\"num\">\(Self.fix(pc.precisionMean))</td><td class=\"num\">\(Self.fix(pc.recallMean))</td><td class=\"num\">\(pc.supportTotal)</td></tr>"
        }
        h += "</table>"
        h += figure(ConfusionMatrixPlot(counts: s.confusion, classes: s.classes, title: "Confusion matrix, all test folds").canvas(),
                    name: "\(title) confusion matrix", caption: nil)
        return addSection(title: title, html: h)
    }

    /// Free-form notes; blank lines separate paragraphs; text is escaped.
    @discardableResult
    public func addNotes(_ text: String, title: String = "Notes") -> Self {
        let paras = text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        return addSection(title: title, html: paras.map { "<p>\(Self.esc($0).replacingOccurrences(of: "\n", with: "<br>"))</p>" }.joined())
    }

    static let css = """
    body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.4;padding:0 1em}
    h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
    table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left}
    th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.avg td{font-weight:bold;background:#fafafa}
    table.kv th{width:14em}figure{margin:1em 0}figcaption,.small{color:#555;font-size:.9em}
    nav a{margin-right:1em}svg{max-width:100%;height:auto}.meta{color:#666}
    """

    /// The complete page.
    public func render() -> String {
        let stamp = ISO8601DateFormatter().string(from: generated)
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<title>\(Self.esc(title))</title>\n<style>\n\(Self.css)\n</style>\n</head>\n<body>\n"
        h += "<h1>\(Self.esc(title))</h1>\n<p class=\"meta\">Generated \(stamp) by cellphase.</p>\n"
        if sections.count > 1 {
            h += "<nav>" + sections.map { "<a href=\"#\($0.id)\">\(Self.esc($0.title))</a>" }.joined() + "</nav>\n"
        }
        for s in sections {
            h += "<section id=\"\(s.id)\">\n<h2>\(Self.esc(s.title))</h2>\n\(s.html)\n</section>\n"
        }
        h += "</body>\n</html>\n"
        return h
    }

    /// Writes the page atomically (temporary file in the same folder, then rename), then each figure as
    /// `figures/NAME.svg` and `figures/NAME.png` in the page's folder (each file atomically).
    public func write(to url: URL) throws {
        try AtomicFile.write(render(), to: url)
        let dir = url.deletingLastPathComponent().appendingPathComponent("figures")
        for f in figures { try f.canvas.writeSVGAndPNG(to: dir.appendingPathComponent("\(f.name).svg")) }
    }
}
