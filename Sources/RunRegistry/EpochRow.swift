import Foundation

/// One epoch of a run's curves: named values such as `d_supervised`, `d_real`, `d_fake`, `g` (the SGAN losses of
/// *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, sections 4.2 and 5), `val_accuracy`, `val_loss`, or a supervised trainer's `loss`/`accuracy`.
/// Non-finite values (a diverged GAN) are kept: they are stored as the strings "nan", "inf" and "-inf".
public struct EpochRow: Codable, Sendable, Equatable {
    public var runID: Int64
    public var epoch: Int
    public var values: [String: Double]

    public init(runID: Int64, epoch: Int, values: [String: Double]) {
        self.runID = runID
        self.epoch = epoch
        self.values = values
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", epoch, values
    }

    /// The values as the JSON text stored in the registry (sorted keys, non-finite values as strings).
    static func encodeValues(_ values: [String: Double]) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try e.encode(values), as: UTF8.self)
    }

    static func decodeValues(_ text: String) throws -> [String: Double] {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try d.decode([String: Double].self, from: Data(text.utf8))
    }
}
