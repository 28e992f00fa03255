import Datasets
import Engine
import Foundation
import Imaging
import Models
import NN

/// Anything that turns nucleus crops into class probabilities, in one batch — what the
/// whole-field pipeline needs from a model. The SGAN paper (`004_…txt`) classifies one cell at a
/// time (109.7 ms per cell, ~28 s per 2048×2048 field of ~250 cells); batching every crop of a
/// field into one forward pass is what makes event-driven microscopy possible on a CPU.
///
/// Implementations must be safe to call from any thread; the engine is not re-entrant per model,
/// so they serialise their own forward passes (`ModuleClassifier` does, with a lock).
public protocol CellClassifier: AnyObject, Sendable {
    /// Class names, in output order.
    var classes: [String] { get }
    /// Side of the square model input in pixels (crops are resized to it).
    var inputSide: Int { get }
    /// One probability vector (summing to 1, in `classes` order) per crop. Crops keep the
    /// field's raw values; the classifier applies its own preprocessing.
    func probabilities(for crops: [Image]) throws -> [[Float]]
}

/// What `GET /v1/model` and `cellphase analyze --json` report about the loaded model.
public struct ClassifierInfo: Codable, Sendable, Equatable {
    public var name: String
    public var architecture: String
    public var classes: [String]
    public var inputSide: Int
    public var channels: Int
    public var preprocessing: String
    /// Evaluation figures stored with the model (accuracy, F1, …), if any.
    public var metrics: [String: Double]
    /// False for untrained weights (timing runs only).
    public var trained: Bool
    /// How the training crops framed their nucleus, when the model records it (`FieldAnalyzer` crops alike).
    public var cropFraming: CropFraming?

    public init(name: String, architecture: String, classes: [String], inputSide: Int, channels: Int = 1,
                preprocessing: String = "", metrics: [String: Double] = [:], trained: Bool = true, cropFraming: CropFraming? = nil) {
        self.name = name; self.architecture = architecture; self.classes = classes; self.inputSide = inputSide
        self.channels = channels; self.preprocessing = preprocessing; self.metrics = metrics; self.trained = trained
        self.cropFraming = cropFraming
    }

    enum CodingKeys: String, CodingKey {
        case name, architecture, classes, channels, preprocessing, metrics, trained
        case inputSide = "input_size", cropFraming = "crop_framing"
    }
}

/// Errors of the classification step.
public enum ClassifierError: Error, LocalizedError, Equatable {
    case channelMismatch(expected: Int, got: Int)
    case badModel(String)

    public var errorDescription: String? {
        switch self {
        case let .channelMismatch(e, g): "crops have \(g) channel(s) after preprocessing; the model expects \(e)"
        case let .badModel(m): "model: \(m)"
        }
    }
}

/// A `CellClassifier` over any engine `Module` (SGAN discriminator, low-depth CNN, …) and the
/// `PreprocessSettings` it was trained with: crops are prepared in parallel, stacked into one
/// `[N, C, side, side]` batch, run in inference mode (no tape: dropout off, batch norm on running
/// statistics) and soft-maxed. Forward passes are serialised by a lock (the engine is not
/// re-entrant per model). When model bundles land, a bundle's classifier is adapted the same way.
public final class ModuleClassifier: CellClassifier, @unchecked Sendable {
    public let model: Module
    public let settings: PreprocessSettings
    public let classes: [String]
    public let channels: Int
    public let info: ClassifierInfo
    /// Largest batch of one forward pass (bounds the activation memory of very crowded fields).
    public var maxBatch = 512
    private let lock = NSLock()

    /// A value set from concurrent iterations.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var v: Int?
        func set(_ x: Int) { lock.lock(); v = x; lock.unlock() }
        var value: Int? { lock.lock(); defer { lock.unlock() }; return v }
    }

    public var inputSide: Int { settings.side }

    public init(model: Module, classes: [String], settings: PreprocessSettings, channels: Int = 1,
                name: String = "model", architecture: String = "module", metrics: [String: Double] = [:], trained: Bool = true,
                cropFraming: CropFraming? = nil) {
        self.model = model; self.classes = classes; self.settings = settings; self.channels = channels
        info = ClassifierInfo(name: name, architecture: architecture, classes: classes, inputSide: settings.side,
                              channels: channels, preprocessing: settings.key, metrics: metrics, trained: trained,
                              cropFraming: cropFraming)
    }

    /// One crop as the model sees it (`C × side × side`, normalised).
    public func prepare(_ crop: Image) -> Image { settings.prepare(image: crop) }

    public func probabilities(for crops: [Image]) throws -> [[Float]] {
        guard !crops.isEmpty else { return [] }
        let side = settings.side, sample = channels * side * side
        var data = [Float](repeating: 0, count: crops.count * sample)
        let bad = Flag()
        data.withUnsafeMutableBufferPointer { db in
            let base = UncheckedSendable(db.baseAddress!)
            let settings = self.settings, channels = self.channels
            DispatchQueue.concurrentPerform(iterations: min(crops.count, max(1, Parallel.threadCount * 4))) { chunk in
                var i = chunk
                let stride = min(crops.count, max(1, Parallel.threadCount * 4))
                while i < crops.count {
                    let p = settings.prepare(image: crops[i])
                    if p.channels != channels || p.pixels.count != sample {
                        bad.set(p.channels)
                    } else {
                        p.pixels.withUnsafeBufferPointer { (base.value + i * sample).update(from: $0.baseAddress!, count: sample) }
                    }
                    i += stride
                }
            }
        }
        if let got = bad.value { throw ClassifierError.channelMismatch(expected: channels, got: got) }
        var out: [[Float]] = []
        out.reserveCapacity(crops.count)
        lock.lock(); defer { lock.unlock() }
        var start = 0
        while start < crops.count {
            let n = min(maxBatch, crops.count - start)
            let x = Tensor(shape: [n, channels, side, side], values: Array(data[(start * sample)..<((start + n) * sample)]))
            let probs = Variable(model.infer(x)).softmax().value  // the fast inference path (oneDNN stack)
            let k = probs.shape.last ?? 0
            guard k == classes.count else { throw ClassifierError.badModel("model outputs \(k) classes, \(classes.count) names given") }
            let flat = probs.scalars
            for r in 0..<n { out.append(Array(flat[(r * k)..<((r + 1) * k)])) }
            start += n
        }
        return out
    }
}
