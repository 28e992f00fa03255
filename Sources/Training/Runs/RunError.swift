import Foundation

/// Why a run of the labelling loop — a simulated study (`LabellingStudy`) or a "retrain now" (`LabelRetraining`) —
/// could not start: a message the user can act on (the setting or the labels at fault).
public struct RunError: Error, LocalizedError, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var errorDescription: String? { message }
}
