import Foundation
import Imaging
import Models

/// Anything that turns nucleus crops into class probabilities, in one batch — what the
/// whole-field pipeline needs from a model. The (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*) classifies one cell at a
/// time (109.7 ms per cell, ~28 s per 2048×2048 field of ~250 cells); batching every crop of a
/// field into one forward pass is what makes event-driven microscopy possible on a CPU.
///
/// Implementations must be safe to call from any thread; the engine is not re-entrant per model,
/// so they serialise their own forward passes (`Classifier` does, with a lock). `Models.Classifier` is the one
/// implementation cellphase ships; tests add slow or failing ones.
public protocol CellClassifier: AnyObject, Sendable {
    /// Class names, in output order.
    var classes: [String] { get }
    /// Side of the square model input in pixels (crops are resized to it).
    var inputSide: Int { get }
    /// How the training crops framed their nucleus (crops of a field are cut alike), if known.
    var cropFraming: CropFraming? { get }
    /// What `GET /v1/model` and `analyze --json` report.
    var summary: ClassifierInfo { get }
    /// One probability vector (summing to 1, in `classes` order) per crop. Crops keep the
    /// field's raw values; the classifier applies its own preprocessing.
    func probabilities(for crops: [Image]) throws -> [[Float]]
    /// The same for every nucleus cut from one field (`Classifier` may adapt its preprocessing to the frame:
    /// `Classifier.intensityFromFrame`); by default `probabilities(for:)`.
    func probabilities(forField crops: [Image]) throws -> [[Float]]
    /// The class named for one probability vector (the most probable by default; `Classifier` may abstain with
    /// `Classifier.unknownClass`).
    func verdict(_ probabilities: [Float]) -> (className: String, confidence: Float)
}

extension CellClassifier {
    public var cropFraming: CropFraming? { nil }
    public func probabilities(forField crops: [Image]) throws -> [[Float]] { try probabilities(for: crops) }
    public var summary: ClassifierInfo {
        ClassifierInfo(name: "model", architecture: "custom", classes: classes, inputSide: inputSide, cropFraming: cropFraming)
    }
    public func verdict(_ p: [Float]) -> (className: String, confidence: Float) {
        guard !p.isEmpty else { return (Classifier.unknownClass, 0) }
        let best = Classifier.argmax(p)
        return (classes[best], p[best])
    }
}

/// The shipped classifier, as the field pipeline sees it.
extension Classifier: CellClassifier {
    public func probabilities(for crops: [Image]) throws -> [[Float]] {
        do { return try probabilities(crops) } catch let e as ModelError { throw FieldError.badField("\(e)") }
    }
    public func probabilities(forField crops: [Image]) throws -> [[Float]] {
        do { return try probabilities(fieldCrops: crops) } catch let e as ModelError { throw FieldError.badField("\(e)") }
    }
}
