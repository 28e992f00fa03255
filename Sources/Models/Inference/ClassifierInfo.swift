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
    /// The calibration temperature applied to the logits (nil: none).
    public var temperature: Double?
    /// Whether probabilities are averaged over the eight symmetries of each crop.
    public var tta: Bool
    /// Confidence under which the verdict is `unknown` (nil: always a class).
    public var unknownBelow: Double?
    /// For an `Ensemble`: its member architecture and how many members are averaged (nil for one model).
    public var member: String?
    public var members: Int?

    public init(name: String, architecture: String, classes: [String], inputSide: Int, channels: Int = 1,
                preprocessing: String = "", metrics: [String: Double] = [:], trained: Bool = true, cropFraming: CropFraming? = nil,
                temperature: Double? = nil, tta: Bool = false, unknownBelow: Double? = nil,
                member: String? = nil, members: Int? = nil) {
        self.name = name; self.architecture = architecture; self.classes = classes; self.inputSide = inputSide
        self.channels = channels; self.preprocessing = preprocessing; self.metrics = metrics; self.trained = trained
        self.cropFraming = cropFraming; self.temperature = temperature; self.tta = tta
        self.unknownBelow = unknownBelow; self.member = member; self.members = members
    }

    enum CodingKeys: String, CodingKey {
        case name, architecture, classes, channels, preprocessing, metrics, trained, temperature, tta, member, members
        case inputSide = "input_size", cropFraming = "crop_framing", unknownBelow = "unknown_below"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        architecture = try c.decode(String.self, forKey: .architecture)
        classes = try c.decode([String].self, forKey: .classes)
        inputSide = try c.decode(Int.self, forKey: .inputSide)
        channels = try c.decodeIfPresent(Int.self, forKey: .channels) ?? 1
        preprocessing = try c.decodeIfPresent(String.self, forKey: .preprocessing) ?? ""
        metrics = try c.decodeIfPresent([String: Double].self, forKey: .metrics) ?? [:]
        trained = try c.decodeIfPresent(Bool.self, forKey: .trained) ?? true
        cropFraming = try c.decodeIfPresent(CropFraming.self, forKey: .cropFraming)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        tta = try c.decodeIfPresent(Bool.self, forKey: .tta) ?? false
        unknownBelow = try c.decodeIfPresent(Double.self, forKey: .unknownBelow)
        member = try c.decodeIfPresent(String.self, forKey: .member)
        members = try c.decodeIfPresent(Int.self, forKey: .members)
    }
}
