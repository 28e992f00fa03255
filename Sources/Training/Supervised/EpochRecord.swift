import Foundation

/// One epoch of training: losses, accuracies, learning rate and wall-clock seconds.
/// The raw material of the loss/accuracy curves (first paper section 2.3, training with early
/// stopping and a learning-rate schedule; SGAN paper section 5, recorded loss curves).
public struct EpochRecord: Sendable, Hashable, Codable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    /// `nil` when there is no validation set.
    public var valLoss: Double?
    public var valAccuracy: Double?
    public var learningRate: Double
    /// Seconds this epoch took.
    public var seconds: Double
    /// Which member of an ensemble (`Ensemble`, 1-based) this epoch trained; nil for a single model.
    public var member: Int?
    /// Consistency training (`ConsistencyTraining`): the share of unlabelled crops confident enough to train on, and
    /// how many of those pseudo-labels were right where the pool's labels are known (a diagnostic).
    public var confidentFraction: Double?
    public var pseudoLabelAccuracy: Double?

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss = "train_loss", trainAccuracy = "train_accuracy", valLoss = "val_loss"
        case valAccuracy = "val_accuracy", learningRate = "learning_rate", seconds, member
        case confidentFraction = "confident_fraction", pseudoLabelAccuracy = "pseudo_label_accuracy"
    }

    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, valLoss: Double? = nil,
                valAccuracy: Double? = nil, learningRate: Double, seconds: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.trainAccuracy = trainAccuracy
        self.valLoss = valLoss; self.valAccuracy = valAccuracy; self.learningRate = learningRate
        self.seconds = seconds
    }

    /// Every key is written; missing validation figures are `null`, and non-finite losses
    /// (a diverged run) are written as `null` too, so the file stays valid JSON.
    public func encode(to encoder: Encoder) throws {
        func finite(_ v: Double?) -> Double? { v.flatMap { $0.isFinite ? $0 : nil } }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(finite(trainLoss), forKey: .trainLoss)
        try c.encode(finite(trainAccuracy), forKey: .trainAccuracy)
        try c.encode(finite(valLoss), forKey: .valLoss)
        try c.encode(finite(valAccuracy), forKey: .valAccuracy)
        try c.encode(finite(learningRate), forKey: .learningRate)
        try c.encode(finite(seconds), forKey: .seconds)
        try c.encodeIfPresent(member, forKey: .member)
        try c.encodeIfPresent(confidentFraction, forKey: .confidentFraction)
        try c.encodeIfPresent(pseudoLabelAccuracy, forKey: .pseudoLabelAccuracy)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(Int.self, forKey: .epoch)
        trainLoss = try c.decodeIfPresent(Double.self, forKey: .trainLoss) ?? .nan
        trainAccuracy = try c.decodeIfPresent(Double.self, forKey: .trainAccuracy) ?? .nan
        valLoss = try c.decodeIfPresent(Double.self, forKey: .valLoss)
        valAccuracy = try c.decodeIfPresent(Double.self, forKey: .valAccuracy)
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? .nan
        seconds = try c.decodeIfPresent(Double.self, forKey: .seconds) ?? .nan
        member = try c.decodeIfPresent(Int.self, forKey: .member)
        confidentFraction = try c.decodeIfPresent(Double.self, forKey: .confidentFraction)
        pseudoLabelAccuracy = try c.decodeIfPresent(Double.self, forKey: .pseudoLabelAccuracy)
    }
}
