import Datasets
import Engine
import Foundation
import Imaging
import NN
import Support

/// The one way cellphase classifies cells — `predict`, `evaluate`, `analyze`, `serve` and `bench field` all go through
/// it. A trained model with the settings it was trained with (`BundleInfo`: classes, input side, preprocessing, crop
/// framing): images are preprocessed exactly as the training crops were (`PreprocessSettings.prepare`), stacked into
/// batches of at most `maxBatch`, run in inference mode (dropout off, batch norm on running statistics, the oneDNN
/// stacks of `Module.infer`) and soft-maxed. Batching every crop of a field into one forward pass is what lets the
/// SGAN paper's whole fields be classified on the fly (*a semi-supervised GAN (SGAN)* paper, whole fields: 109.7 ms
/// per cell there). Safe to call from any thread: forward passes are serialised (the engine is not re-entrant per
/// model).
public final class Classifier: @unchecked Sendable {
    public let model: Module
    public let info: BundleInfo
    /// A name for reports and `GET /v1/model` (the bundle's file name by default).
    public let name: String
    /// False for random weights (`untrained-sgan`: timing and plumbing only).
    public let trained: Bool
    /// Evaluation figures reported with the model (`GET /v1/model`): the bundle's test accuracy by default.
    public var metrics: [String: Double]
    /// Largest batch of one forward pass (bounds activation memory for crowded fields and long file lists).
    public var maxBatch = 512
    /// Test-time augmentation: average the probabilities over the eight symmetries of the square crop (`Dihedral`;
    /// nuclei have no orientation) — eight forward passes per batch. Off by default.
    public var tta = false
    /// Divide the logits by the temperature fit on the validation split when the bundle has one
    /// (`BundleInfo.calibration`, `Calibration`): confidences that match accuracy; the arg-max is unchanged.
    public var calibrated = true
    /// Abstain below this confidence: the verdict is `Classifier.unknownClass` (counted as such by `analyze`; no event
    /// rule fires on it) instead of a class the model is unsure of. Nil (the default) always names a class. Confidence
    /// is the calibrated one when the bundle has a temperature, so 0.6 means "right about six times in ten".
    public var unknownBelow: Float?
    /// For the crops of one field (`probabilities(fieldCrops:)`), refit a dataset-wide intensity range (`--intensity
    /// dataset` or `both`) on that field's nuclei, when there are at least `frameMinimumCrops` of them: brightness
    /// against the frame's other nuclei, as the training crops' range was brightness against the dataset's. Off, the
    /// bundle's raw range is applied as stored (right only for fields of the training microscope and camera).
    public var intensityFromFrame = true
    public static let frameMinimumCrops = 8
    /// The verdict for a cell whose confidence is under `unknownBelow`.
    public static let unknownClass = "unknown"
    private let lock = NSLock()

    public var classes: [String] { info.classes }
    /// Side of the square model input in pixels (the one stored value, `info.preprocessing.side`).
    public var inputSide: Int { info.preprocessing.side }
    /// Channels of the model input.
    public var channels: Int { info.model.channels }
    /// How the training crops framed their nucleus, when the bundle records it.
    public var cropFraming: CropFraming? { info.cropFraming }

    /// One image's result.
    public struct Prediction: Sendable, Hashable {
        /// The most probable class (an index into `classes`), even when the verdict is unknown.
        public var label: Int
        /// The verdict: `classes[label]`, or `Classifier.unknownClass` when the confidence is under `unknownBelow`.
        public var className: String
        public var confidence: Float
        public var probabilities: [Float]
    }

    public init(model: Module, info: BundleInfo, name: String = "model", trained: Bool = true) {
        self.model = model; self.info = info; self.name = name; self.trained = trained
        metrics = info.testMetrics.map { ["accuracy": $0.accuracy] } ?? [:]
    }

    /// A module trained elsewhere (no bundle), with the classes and preprocessing it was trained with.
    public convenience init(model: Module, classes: [String], preprocessing: PreprocessSettings, channels: Int = 1,
                            architecture: String = "module", name: String = "model", trained: Bool = true,
                            cropFraming: CropFraming? = nil) {
        let config = ModelConfig(architecture: architecture, inputSide: preprocessing.side, channels: channels, classes: classes.count)
        self.init(model: model, info: BundleInfo(model: config, classes: classes, preprocessing: preprocessing, augmentation: nil,
                                                 data: nil, seed: 0, cropFraming: cropFraming),
                  name: name, trained: trained)
    }

    /// Loads the bundle at `url` (see `ModelBundle.load`).
    public convenience init(bundle url: URL) throws {
        let (m, i) = try ModelBundle.load(from: url)
        self.init(model: m, info: i, name: url.deletingPathExtension().lastPathComponent)
    }

    // MARK: Preprocessing

    /// An image (any size, any bit depth, `channels` channels or summed to one) as the model's input:
    /// `channels × side × side` floats.
    public func preprocess(_ image: Image) throws -> [Float] {
        try checked(info.preprocessing.prepare(image: image), from: image)
    }

    /// An image file read and preprocessed exactly as the training data was.
    public func preprocess(file url: URL) throws -> [Float] {
        let raw = try info.preprocessing.decode(Sample(files: [url]))
        return try checked(info.preprocessing.prepare(image: raw), from: raw)
    }

    private func checked(_ prepared: Image, from image: Image) throws -> [Float] {
        guard prepared.channels == channels, prepared.pixels.count == channels * inputSide * inputSide else {
            throw ModelError.wrongInputShape(architecture: info.model.architecture, expected: info.model.inputShape(batch: 1),
                                             got: [1, prepared.channels, image.height, image.width])
        }
        return prepared.pixels
    }

    // MARK: Probabilities

    /// Probabilities `[N, classes]` for an already-preprocessed batch `[N, C, side, side]`; throws on any other shape.
    public func probabilities(batch: Tensor) throws -> Tensor {
        try ModelRegistry.checkInput(batch.shape, for: info.model)
        lock.lock(); defer { lock.unlock() }
        let t = calibrated ? Float(info.calibration?.temperature ?? 1) : 1
        func softmax(_ x: Tensor) -> Tensor {
            var logits = model.infer(x)
            if t != 1 {
                let d = logits.mutableData()
                for i in 0..<logits.count { d[i] /= t }
            }
            return Variable(logits).softmax().value
        }
        var p = softmax(batch)
        if tta {
            let side = batch.shape[3], planes = batch.count / (side * side)
            var sum = p.scalars
            var moved = Tensor(uninitializedShape: batch.shape)
            for t in Dihedral.allCases where t != .identity {
                let dst = moved.mutableData()
                batch.withUnsafeBufferPointer { src in
                    for k in 0..<planes { t.apply(src.baseAddress! + k * side * side, to: dst + k * side * side, side: side) }
                }
                let q = softmax(moved).scalars
                for i in sum.indices { sum[i] += q[i] }
            }
            let scale = 1 / Float(Dihedral.allCases.count)
            p = Tensor(shape: p.shape, values: sum.map { $0 * scale })
        }
        guard p.shape.last == classes.count else {
            throw ModelError.invalidConfig("the model outputs \(p.shape.last ?? 0) classes, its bundle names \(classes.count)")
        }
        return p
    }

    /// Probabilities for preprocessed samples (`channels × side × side` floats each), `maxBatch` at a time.
    public func probabilities(samples: [[Float]]) throws -> [[Float]] {
        let size = channels * inputSide * inputSide
        for s in samples where s.count != size {
            throw ModelError.wrongInputShape(architecture: info.model.architecture, expected: info.model.inputShape(batch: 1),
                                             got: [1, s.count])
        }
        return try batched(count: samples.count, run: probabilities(batch:)) { range, out in
            for (k, i) in range.enumerated() {
                samples[i].withUnsafeBufferPointer { (out + k * size).update(from: $0.baseAddress!, count: size) }
            }
        }
    }

    /// Probabilities for images of any size (crops cut from a field keep the field's raw values): each is prepared
    /// as the training crops were, in parallel, then classified `maxBatch` at a time. One vector per image, summing to
    /// 1, in `classes` order.
    public func probabilities(_ images: [Image]) throws -> [[Float]] {
        try rows(images, settings: info.preprocessing, run: probabilities(batch:))
    }

    /// Probabilities for the nuclei cut from one field: as `probabilities(_:)`, with a dataset-wide intensity range
    /// refit on these crops (`intensityFromFrame`).
    public func probabilities(fieldCrops images: [Image]) throws -> [[Float]] {
        let refit = intensityFromFrame && images.count >= Self.frameMinimumCrops && info.preprocessing.hasFixedRange
        return try rows(images, settings: refit ? info.preprocessing.fittingRange(toImages: images) : info.preprocessing,
                        run: probabilities(batch:))
    }

    // MARK: Embeddings

    /// Whether the model gives an embedding (every architecture of `ModelRegistry` does).
    public var hasEmbedding: Bool { model is EmbeddingModel }

    /// The model's embedding `[N, D]` (`EmbeddingModel`: the input of its last dense layer, in inference mode, no
    /// test-time augmentation) of an already-preprocessed batch `[N, C, side, side]`.
    public func embedding(batch: Tensor) throws -> Tensor {
        try ModelRegistry.checkInput(batch.shape, for: info.model)
        guard let m = model as? EmbeddingModel else {
            throw ModelError.invalidConfig("a \(info.model.architecture) model gives no embedding")
        }
        lock.lock(); defer { lock.unlock() }
        let n = batch.shape[0], chunk = 64
        guard n > chunk else { return m.embedding(Variable(batch)).value }
        return Tensor.concatenateBatches(stride(from: 0, to: n, by: chunk).map {
            m.embedding(Variable(batch.batchSlice($0 ..< min(n, $0 + chunk)))).value
        })
    }

    /// The model's embedding of images of any size, prepared as the training crops were: one vector per image.
    public func embeddings(_ images: [Image]) throws -> [[Float]] {
        try rows(images, settings: info.preprocessing, run: embedding(batch:))
    }

    /// `run`'s output rows for `images`, each prepared with `settings` (in parallel), `maxBatch` at a time.
    private func rows(_ images: [Image], settings: PreprocessSettings, run: (Tensor) throws -> Tensor) throws -> [[Float]] {
        let size = channels * inputSide * inputSide
        let channels = self.channels
        let failure = FirstError()
        return try batched(count: images.count, run: run) { range, out in
            let base = UncheckedSendable(out)
            Parallel.forEach(range.count, costPerItem: 1 << 15) { k in
                let p = settings.prepare(image: images[range.lowerBound + k])
                guard p.channels == channels, p.pixels.count == size else {
                    failure.set(ModelError.wrongInputShape(architecture: self.info.model.architecture,
                                                           expected: self.info.model.inputShape(batch: 1),
                                                           got: [1, p.channels, images[range.lowerBound + k].height,
                                                                 images[range.lowerBound + k].width]))
                    return
                }
                p.pixels.withUnsafeBufferPointer { (base.value + k * size).update(from: $0.baseAddress!, count: size) }
            }
            if let e = failure.value { throw e }
        }
    }

    /// Fills one batch of at most `maxBatch` inputs at a time (`fill(range, buffer)` writes `range.count` samples),
    /// runs it (`run`: probabilities or embeddings) and collects the output rows.
    private func batched(count: Int, run: (Tensor) throws -> Tensor,
                         fill: (Range<Int>, UnsafeMutablePointer<Float>) throws -> Void) throws -> [[Float]] {
        guard count > 0 else { return [] }
        let size = channels * inputSide * inputSide
        var out: [[Float]] = []
        out.reserveCapacity(count)
        var start = 0
        while start < count {
            let range = start ..< min(count, start + max(1, maxBatch))
            var flat = [Float](repeating: 0, count: range.count * size)
            try flat.withUnsafeMutableBufferPointer { try fill(range, $0.baseAddress!) }
            out += try run(Tensor(shape: info.model.inputShape(batch: range.count), values: flat)).rowArrays()
            start = range.upperBound
        }
        return out
    }

    // MARK: Predictions

    /// Predictions for image files.
    public func predict(files: [URL]) throws -> [Prediction] {
        try probabilities(samples: files.map { try preprocess(file: $0) }).map(prediction)
    }

    /// Predictions for images.
    public func predict(_ images: [Image]) throws -> [Prediction] {
        try probabilities(images).map(prediction)
    }

    /// The most probable class of one probability vector, and the verdict (`verdict`).
    public func prediction(_ p: [Float]) -> Prediction {
        let arg = Self.argmax(p)
        return Prediction(label: arg, className: verdict(p).className, confidence: p[arg], probabilities: p)
    }

    /// The index of the largest probability (the first of equal ones; 0 for an empty vector).
    public static func argmax(_ p: [Float]) -> Int {
        var arg = 0
        for j in p.indices where p[j] > p[arg] { arg = j }
        return arg
    }

    /// The class named for one probability vector: the most probable, or `unknownClass` when its probability is under
    /// `unknownBelow`.
    public func verdict(_ p: [Float]) -> (className: String, confidence: Float) {
        guard !p.isEmpty else { return (Self.unknownClass, 0) }
        let arg = Self.argmax(p)
        if let unknownBelow, !(p[arg] >= unknownBelow) { return (Self.unknownClass, p[arg]) }
        return (classes[arg], p[arg])
    }

    /// What `GET /v1/model` and `cellphase analyze --json` report about this classifier.
    public var summary: ClassifierInfo {
        ClassifierInfo(name: name, architecture: info.model.architecture, classes: classes, inputSide: inputSide,
                              channels: channels, preprocessing: info.preprocessing.key, metrics: metrics, trained: trained,
                              cropFraming: cropFraming, temperature: calibrated ? info.calibration?.temperature : nil, tta: tta,
                       unknownBelow: unknownBelow.map(Double.init), member: ensemble?.member.architecture, members: ensemble?.count)
    }

    /// The members of an `Ensemble` bundle (nil for one model).
    private var ensemble: (member: ModelConfig, count: Int)? {
        info.model.architecture == Ensemble.architecture ? try? Ensemble.members(of: info.model) : nil
    }
}

/// The first error raised by concurrent iterations.
private final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func set(_ e: any Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
    var value: (any Error)? { lock.lock(); defer { lock.unlock() }; return error }
}
