import Foundation

/// Errors of the report layer (writing or reading reports, plots and logs — the artefacts behind the
/// first paper's section 2.3.4 figures and the SGAN paper's sections 5–6 results).
public enum ReportError: Error, CustomStringConvertible, Equatable {
    case read(path: String, reason: String)
    /// A figure could not be painted into pixels (e.g. a colour the PNG renderer does not know).
    case render(figure: String, reason: String)

    public var description: String {
        switch self {
        case let .read(path, reason): return "cannot read \(path): \(reason)"
        case let .render(figure, reason): return "cannot paint the figure '\(figure)': \(reason)"
        }
    }
}
