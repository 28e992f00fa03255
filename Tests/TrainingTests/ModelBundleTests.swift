import Datasets
import Engine
import Foundation
import Imaging
@testable import Models
import Training
import NN
import TestSupport
import XCTest

/// Model bundles: round trip, atomic replacement, and clear refusals of damaged or incompatible bundles.
final class ModelBundleTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryFolder(self) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A lightly trained low-depth model (so batch-norm statistics are not the defaults) and its bundle.
    func makeBundle(name: String = "m.cellphase") throws -> (URL, Module, PreparedDataset) {
        let data = try syntheticTwoPhase(perClass: 10, side: 32, root: dir.appendingPathComponent("images"))
        let config = ModelConfig(architecture: "lowdepth", inputSide: 32, classes: 2)
        var o = SupervisedTrainer.Options()
        o.epochs = 1; o.earlyStopping = nil
        let (model, _) = try Experiment.train(config, data: data, train: Array(0..<data.count), validation: [], options: o)
        let info = BundleInfo(model: config, classes: data.dataset.classes, preprocessing: data.settings,
                              augmentation: .paper, data: .of(data, root: dir, mapping: nil), seed: 0)
        let url = dir.appendingPathComponent(name)
        try ModelBundle.save(model: model, info: info, to: url)
        return (url, model, data)
    }

    func testRoundTripGivesIdenticalPredictions() throws {
        let (url, model, data) = try makeBundle()
        let classifier = try Classifier(bundle: url)
        XCTAssertEqual(classifier.classes, ["interphase", "metaphase"])
        XCTAssertEqual(classifier.info.parameterCount, model.parameterCount)
        let rows = Array(0..<data.count)
        let samples = rows.map { Array(data.data[$0 * data.sampleSize ..< ($0 + 1) * data.sampleSize]) }
        // The same model in memory and through save/load gives bit-identical probabilities.
        let inMemory = Classifier(model: model, info: classifier.info)
        let direct = try inMemory.probabilities(samples: samples).flatMap { $0 }
        let viaBundle = try classifier.probabilities(samples: samples)
        XCTAssertEqual(viaBundle.flatMap { $0 }, direct)
        // …and equal, up to float rounding of the inference path, to the training-time prediction.
        for (a, b) in zip(direct, SupervisedTrainer.predict(model, data: data, rows: rows).scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // From the files, preprocessed by the classifier exactly as in training.
        let fromFiles = try classifier.predict(files: data.dataset.samples.map { $0.files[0] })
        XCTAssertEqual(fromFiles.flatMap(\.probabilities), direct)
        // From decoded images.
        let images = try data.dataset.samples.map { try ImageFile.read($0.files[0]) }
        XCTAssertEqual(try classifier.probabilities(images).flatMap { $0 }, direct)
        // Evaluation through the bundle matches evaluation of the model.
        XCTAssertEqual(try classifier.evaluate(data).report.confusion, try Experiment.evaluate(model, data: data, rows: rows).report.confusion)
    }

    func testSavingReplacesAnExistingBundleAndLeavesNoTemporaries() throws {
        let (url, _, _) = try makeBundle()
        let first = try ModelBundle.info(at: url).weightsSHA256
        let model = try ModelRegistry.make(ModelConfig(architecture: "lowdepth", inputSide: 32, classes: 2), seed: 99)
        try ModelBundle.save(model: model, info: try ModelBundle.info(at: url), to: url)
        XCTAssertNotEqual(try ModelBundle.info(at: url).weightsSHA256, first)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func assertRefused(_ url: URL, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ModelBundle.load(from: url), file: file, line: line) { error in
            XCTAssertTrue(error is BundleError, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(fragment), "'\(error)' should mention '\(fragment)'", file: file, line: line)
        }
    }

    func editJSON(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let f = url.appendingPathComponent("bundle.json")
        var obj = try JSONSerialization.jsonObject(with: Data(contentsOf: f)) as! [String: Any]
        edit(&obj)
        try JSONSerialization.data(withJSONObject: obj).write(to: f)
    }

    /// The input side is stored once (`preprocessing.side`); a bundle of cellphase ≤ 0.4 that also wrote
    /// `model.input_side` still loads, and is refused when its two copies disagree.
    func testInputSideIsStoredOnceAndOldBundlesStillLoad() throws {
        let (url, _, _) = try makeBundle()
        let raw = try JSONSerialization.jsonObject(with: Data(contentsOf: url.appendingPathComponent("bundle.json"))) as! [String: Any]
        XCTAssertNil((raw["model"] as! [String: Any])["input_side"])
        XCTAssertEqual((raw["preprocessing"] as! [String: Any])["side"] as? Int, 32)
        XCTAssertEqual(try ModelBundle.info(at: url).model.inputSide, 32)
        try editJSON(url) { var m = $0["model"] as! [String: Any]; m["input_side"] = 32; $0["model"] = m }
        XCTAssertEqual(try Classifier(bundle: url).inputSide, 32)
        try editJSON(url) { var m = $0["model"] as! [String: Any]; m["input_side"] = 48; $0["model"] = m }
        assertRefused(url, "preprocessing side 32 ≠ model input 48")
    }

    func testDamagedBundlesAreRefusedClearly() throws {
        let (url, _, _) = try makeBundle()
        let weights = url.appendingPathComponent("model.safetensors")
        let good = try Data(contentsOf: weights)

        assertRefused(dir.appendingPathComponent("nothing.cellphase"), "not found")

        try good.prefix(good.count / 2).write(to: weights)        // truncated
        assertRefused(url, "model.safetensors is damaged")
        var flipped = good; flipped[flipped.count - 3] ^= 0xFF      // same size, one byte changed
        try flipped.write(to: weights)
        assertRefused(url, "does not match the checksum")
        try FileManager.default.removeItem(at: weights)
        assertRefused(url, "model.safetensors is missing")
        try good.write(to: weights)
        XCTAssertNoThrow(try ModelBundle.load(from: url))

        let infoURL = url.appendingPathComponent("bundle.json")
        let info = try Data(contentsOf: infoURL)
        try Data(info.prefix(info.count / 2)).write(to: infoURL)  // edited into invalid JSON
        assertRefused(url, "bundle.json is damaged")
        try info.write(to: infoURL)
        try editJSON(url) { $0.removeValue(forKey: "classes") }
        assertRefused(url, "key 'classes' missing")
        try info.write(to: infoURL)
        try editJSON(url) { var m = $0["model"] as! [String: Any]; m["architecture"] = "vgg16"; $0["model"] = m }
        assertRefused(url, "architecture 'vgg16'")
        try info.write(to: infoURL)
        try editJSON(url) { $0["format"] = 99 }
        assertRefused(url, "format 99")
        try info.write(to: infoURL)
        // Another architecture than the one the weights belong to: names/shapes do not fit.
        try editJSON(url) { var m = $0["model"] as! [String: Any]; m["architecture"] = "scnn"; $0["model"] = m }
        assertRefused(url, "does not fit its architecture")
        try info.write(to: infoURL)
        try editJSON(url) {
            var m = $0["model"] as! [String: Any]; m["classes"] = 3; $0["model"] = m
            $0["classes"] = ["a", "b", "c"]
        }
        assertRefused(url, "shape")
        try info.write(to: infoURL)
        XCTAssertNoThrow(try ModelBundle.load(from: url))
    }

    func testWrongSizedInputsGiveClearErrors() throws {
        let (url, _, _) = try makeBundle()
        let c = try Classifier(bundle: url)
        XCTAssertThrowsError(try c.probabilities(batch: Tensor(zeros: [2, 1, 64, 64]))) {
            XCTAssertTrue("\($0)".contains("expects [N, 1, 32, 32]"), "\($0)")
        }
        XCTAssertThrowsError(try c.probabilities(samples: [[Float](repeating: 0, count: 10)])) {
            XCTAssertTrue("\($0)".contains("expects"), "\($0)")
        }
        // Two-channel images are refused unless the preprocessing sums channels (it does here: accepted).
        let twoChannel = Image(width: 50, height: 40, channels: 2, format: .float32, fill: 0.5)
        XCTAssertEqual(try c.probabilities([twoChannel]).first?.count, 2)
        // Images of any size are resized as in training.
        XCTAssertEqual(try c.probabilities([Image(width: 90, height: 33, format: .uint16, fill: 100)]).count, 1)
    }

    /// Values of bundle.json that size work or change every call are range-checked at load, named in the refusal.
    func testValuesOutOfRangeAreRefusedByName() throws {
        let (url, _, _) = try makeBundle()
        let infoURL = url.appendingPathComponent("bundle.json")
        let info = try Data(contentsOf: infoURL)
        func set(_ object: String, _ key: String, _ value: Any) throws {
            try editJSON(url) { var m = $0[object] as? [String: Any] ?? [:]; m[key] = value; $0[object] = m }
        }
        for (object, key, value, fragment) in [("crop_framing", "bbox_scale", 1e9 as Any, "bbox_scale"),
                                               ("crop_framing", "bbox_scale", -5 as Any, "bbox_scale"),
                                               ("crop_framing", "min_side", 0 as Any, "min_side"),
                                               ("preprocessing", "side", 1 << 40 as Any, "input side"),
                                               ("model", "channels", 1 << 40 as Any, "channels"),
                                               ("model", "channels", 0 as Any, "channels")] {
            try info.write(to: infoURL)
            if object == "crop_framing" {
                try editJSON(url) { $0["crop_framing"] = ["bbox_scale": 1.5, "min_side": 16, "measured_crops": 0] }
            }
            try set(object, key, value)
            assertRefused(url, fragment)
        }
        try info.write(to: infoURL)
        try editJSON(url) {
            var p = $0["preprocessing"] as! [String: Any]
            p["normalization"] = ["percentile": ["low": 99, "high": 1, "symmetric": false]]
            $0["preprocessing"] = p
        }
        assertRefused(url, "percentiles")
        try info.write(to: infoURL)
        try editJSON(url) {  // `--intensity both`'s second channel is checked like the first
            var p = $0["preprocessing"] as! [String: Any]
            p["absoluteIntensity"] = ["fixed": ["low": 500, "high": 100, "symmetric": false]]
            $0["preprocessing"] = p
        }
        assertRefused(url, "normalization range")
        try info.write(to: infoURL)
        try set("preprocessing", "smoothing", 1e6)
        assertRefused(url, "smoothing")
        try info.write(to: infoURL)
        try editJSON(url) { $0["calibration"] = ["temperature": 1e9, "ece_before": 0.1, "ece_after": 0.05, "images": 10] }
        assertRefused(url, "calibration.temperature")
        try info.write(to: infoURL)
        try editJSON(url) { $0["classes"] = ["a", "a"] }
        assertRefused(url, "distinct")
        try info.write(to: infoURL)
        XCTAssertNoThrow(try ModelBundle.load(from: url))
    }

    /// A NaN or infinite weight would make every answer NaN (the JSON then held "nan" confidences): refused.
    func testNonFiniteWeightsAreRefused() throws {
        let config = ModelConfig(architecture: "lowdepth", inputSide: 64, classes: 2)
        let model = try ModelRegistry.make(config, seed: 3)
        let p = model.parameters[model.parameters.count / 2]
        var v = p.value
        v.mutableData()[v.count / 3] = .nan
        p.value = v
        let info = BundleInfo(model: config, classes: ["a", "b"], preprocessing: .smallCNN, augmentation: nil, data: nil, seed: 3)
        let url = dir.appendingPathComponent("nan.cellphase")
        try ModelBundle.save(model: model, info: info, to: url)
        assertRefused(url, "NaN or infinite")
        XCTAssertThrowsError(try Classifier(bundle: url))
    }

    /// Replacing a bundle is atomic at every instant: a reader polling the path while it is replaced again and again
    /// always finds a whole bundle (the old or the new), never nothing and never a mix.
    func testReplacementNeverLeavesThePathEmpty() throws {
        let (url, model, _) = try makeBundle()
        let info = try ModelBundle.info(at: url)
        let stop = UncheckedFlag(), failures = FailureLog()
        let reader = Thread {
            while !stop.value {
                do { _ = try ModelBundle.load(from: url) } catch { failures.add("\(error)") }
            }
        }
        reader.start()
        for _ in 0..<40 { try ModelBundle.save(model: model, info: info, to: url) }
        stop.value = true
        while !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(failures.all, [], "a reader saw no bundle or a partial one while it was replaced")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }
}

final class UncheckedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
}

final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.withLock { items.append(s) } }
    var all: [String] { lock.withLock { items } }
}
