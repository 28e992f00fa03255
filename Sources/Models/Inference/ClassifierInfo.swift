import Foundation

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
