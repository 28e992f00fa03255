import Foundation

/// The time left of a long run made of `total` equal units (epochs over folds, grid cells), estimated from the pace
/// so far — what `cv`, `sgan train|grid` and `transfer` print with every epoch line.
public struct TimeLeft: Sendable {
    public let total: Int
    public let start: Date

    public init(total: Int, start: Date = Date()) {
        self.total = max(1, total); self.start = start
    }

    /// "≈ 12 min left" once `done` of `total` units have taken the time since `start` (`now`, for tests).
    public func text(done: Int, now: Date = Date()) -> String {
        let d = min(max(done, 0), total)
        guard d > 0 else { return "time left: estimating" }
        let elapsed = now.timeIntervalSince(start)
        guard elapsed.isFinite, elapsed >= 0 else { return "time left: estimating" }
        let left = elapsed / Double(d) * Double(total - d)
        return "≈ \(Self.format(left)) left"
    }

    /// Seconds as "45 s", "12 min", "1 h 05 min".
    public static func format(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        if seconds < 90 { return "\(Int(seconds.rounded())) s" }
        let minutes = Int((seconds / 60).rounded())
        if minutes < 60 { return "\(minutes) min" }
        return String(format: "%d h %02d min", minutes / 60, minutes % 60)
    }
}
