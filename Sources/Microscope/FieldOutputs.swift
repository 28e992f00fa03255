import Foundation
import Imaging
import Models
import Segmentation
import Support

/// Files written per field for people and other tools: the per-object CSV (what napari and
/// CellProfiler users load: one row per label, centroid, bbox, class, confidence, one `p_<class>`
/// column per class), the 16-bit label TIFF (ids match the CSV's `label` column) and a PNG overlay
/// with outlines coloured by class. CellCognition-style class-painted pixels are deliberately not
/// produced: a label image plus a table is what users of those tools ask for (microscope notes).
public enum FieldOutputs {
    /// The CSV text. With `cropPaths` (one per object, relative to the CSV) the rows also name each object's crop
    /// (`path`) and repeat its class as `predicted`: the form `cellphase label --data FIELD.csv` opens, so that a
    /// user confirms or corrects what the model called.
    public static func csv(_ r: FieldResult, cropPaths: [String]? = nil) -> String {
        var lines: [String] = []
        let header = ["label", "centroid_x", "centroid_y", "bbox_min_x", "bbox_min_y", "bbox_max_x", "bbox_max_y",
                      "area", "perimeter", "mean_intensity", "touches_border", "class", "confidence"]
            + r.classes.map { "p_" + sanitize($0) } + (cropPaths == nil ? [] : ["path", "predicted"])
        lines.append(header.joined(separator: ","))
        for (i, o) in r.objects.enumerated() {
            var row = [String(o.id), fmt(o.centroidX), fmt(o.centroidY)] + o.bbox.map(String.init)
            row += [String(o.area), fmt(o.perimeter), fmt(o.meanIntensity), o.touchesBorder ? "1" : "0",
                    quote(o.className), fmt(Double(o.confidence))]
            row += o.probabilities.map { fmt(Double($0)) }
            if let cropPaths { row += [quote(cropPaths[i]), quote(o.className)] }
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `BASE.csv`, `BASE_labels.tif`, optionally `BASE_overlay.png`, `BASE.json` and (with `crops`) every
    /// object's crop as `BASE_crops/LABEL.tif` at the field's bit depth, into `folder`; returns the files written.
    @discardableResult
    public static func write(_ a: FieldAnalysis, field: Image, to folder: URL, base: String,
                             overlay: Bool = true, json: Bool = true, crops: Bool = false) throws -> [URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var out: [URL] = []
        var cropPaths: [String]?
        if crops {
            precondition(a.crops.count == a.result.objects.count, "FieldOutputs: one crop per object")
            let dir = base + "_crops"
            cropPaths = a.result.objects.map { "\(dir)/\($0.id).tif" }
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(dir), withIntermediateDirectories: true)
            for (crop, path) in zip(a.crops, cropPaths!) {
                let url = folder.appendingPathComponent(path)
                try AtomicFile.write(to: url) { try TIFFWriter.write(crop, to: $0) }
                out.append(url)
            }
        }
        let csvURL = folder.appendingPathComponent(base + ".csv")
        try Data(csv(a.result, cropPaths: cropPaths).utf8).write(to: csvURL, options: .atomic)
        out.append(csvURL)
        let labelsURL = folder.appendingPathComponent(base + "_labels.tif")
        try a.labels.writeTIFF(to: labelsURL)
        out.append(labelsURL)
        if overlay {
            // Abstentions (`Classifier.unknownClass`) get the colour after the classes'.
            let named = a.result.classes + (a.result.objects.contains { $0.className == Classifier.unknownClass }
                                            && !a.result.classes.contains(Classifier.unknownClass) ? [Classifier.unknownClass] : [])
            let classIndex = Dictionary(named.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            var colour = [Int](repeating: 0, count: a.labels.count + 1)
            for o in a.result.objects where o.id < colour.count { colour[o.id] = classIndex[o.className] ?? 0 }
            let url = folder.appendingPathComponent(base + "_overlay.png")
            try Overlay.writePNG(field: field, labels: a.labels, to: url) { colour[$0 < colour.count ? $0 : 0] }
            out.append(url)
            // The colour legend (Overlay.palette order) for the person looking at the overlay.
            let legend = named.enumerated().map { i, c -> String in
                let p = Overlay.palette[i % Overlay.palette.count]
                return "\(c),#" + String(format: "%02X%02X%02X", p.0, p.1, p.2)
            }
            let legendURL = folder.appendingPathComponent(base + "_overlay_legend.csv")
            try Data(("class,colour\n" + legend.joined(separator: "\n") + "\n").utf8).write(to: legendURL, options: .atomic)
            out.append(legendURL)
        }
        if json {
            let url = folder.appendingPathComponent(base + ".json")
            try jsonData(a.result, pretty: true).write(to: url, options: .atomic)
            out.append(url)
        }
        return out
    }

    /// JSON encoding of any result (sorted keys; compact unless `pretty`).
    public static func jsonData<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(value)
    }

    static func fmt(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "nan" }
    static func sanitize(_ s: String) -> String { String(s.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }) }
    static func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
