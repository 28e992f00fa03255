import Foundation

/// Why a pool could not be analysed or suggestions made: bad parameters, or crops that could not be read (each named).
public enum LabellingError: Error, Equatable, LocalizedError, Sendable {
    case invalid(String)
    case noReadableCrops(source: String, problems: [String])

    public var errorDescription: String? {
        switch self {
        case let .invalid(m): m
        case let .noReadableCrops(s, p): "\(s): no crop could be read" + (p.isEmpty ? "" : " (" + p.prefix(3).joined(separator: "; ") + ")")
        }
    }
}
