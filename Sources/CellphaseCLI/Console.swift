import Foundation
import Training

/// Progress and notes go to stderr, so stdout holds only results (one JSON object with `--json`).
enum Console {
    static func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    /// One line per epoch: loss, accuracy, validation figures, learning rate, time.
    static func epochLine(_ e: EpochRecord, of total: Int, prefix: String = "") -> String {
        let member = e.member.map { "member \($0)  " } ?? ""
        var s = String(format: "%@%@epoch %3d/%d  loss %.4f  acc %5.1f %%", prefix, member, e.epoch, total, e.trainLoss, 100 * e.trainAccuracy)
        if let vl = e.valLoss, let va = e.valAccuracy { s += String(format: "  val_loss %.4f  val_acc %5.1f %%", vl, 100 * va) }
        if let c = e.confidentFraction { s += String(format: "  confident %4.1f %%", 100 * c) }
        if let p = e.pseudoLabelAccuracy { s += String(format: "  pseudo_acc %5.1f %%", 100 * p) }
        s += String(format: "  lr %.1e  %.1f s", e.learningRate, e.seconds)
        return s
    }

    /// Pretty JSON of an encodable value, sorted keys.
    static func json<T: Encodable>(_ v: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    /// Pretty JSON of a JSON-compatible dictionary, sorted keys.
    static func json(object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
               as: UTF8.self)
    }

    /// An encodable value as a JSON dictionary (to add keys).
    static func dictionary<T: Encodable>(_ v: T) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(v)) as? [String: Any] ?? [:]
    }
}
