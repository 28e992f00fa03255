import ArgumentParser

/// Range checks of numeric command-line options, run in each command's `validate()` before any work: a NaN, an
/// infinity or an absurd size would otherwise reach arithmetic, an `Int(…)` conversion or an allocation (Swift traps
/// on all three) or silently change a run. Every message names the option and its range.
enum OptionCheck {
    static func number<T: BinaryFloatingPoint>(_ value: T?, _ flag: String, _ range: ClosedRange<T>, excludingLower: Bool = false) throws {
        guard let value else { return }
        guard value.isFinite, range.contains(value), !(excludingLower && value == range.lowerBound) else {
            let low = excludingLower ? "above \(range.lowerBound)" : "from \(range.lowerBound)"
            throw ValidationError("\(flag) must be a number \(low) to \(range.upperBound), got \(value)")
        }
    }

    static func integer(_ value: Int?, _ flag: String, _ range: ClosedRange<Int>) throws {
        guard let value else { return }
        guard range.contains(value) else { throw ValidationError("\(flag) must be \(range.lowerBound)…\(range.upperBound), got \(value)") }
    }
}
