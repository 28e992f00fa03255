/// One saved checkpoint of a run: the SGAN paper keeps every checkpoint whose validation accuracy passes a threshold
/// and then picks the best one for the single test-set evaluation (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 5).
public struct CheckpointRow: Codable, Sendable, Equatable {
    public var runID: Int64
    public var epoch: Int
    public var validationAccuracy: Double
    public var path: String

    public init(runID: Int64, epoch: Int, validationAccuracy: Double, path: String) {
        self.runID = runID
        self.epoch = epoch
        self.validationAccuracy = validationAccuracy
        self.path = path
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", epoch, validationAccuracy = "validation_accuracy", path
    }
}
