import Foundation

/// Errors raised when predictions handed to the evaluation layer are inconsistent
/// (different lengths, labels outside the class list, malformed probability rows). Guards the metrics of
/// the first paper's section 2.3.4 and the fold summaries of the SGAN paper's sections 5–6 against silent misuse.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    case lengthMismatch(what: String, expected: Int, got: Int)
    case labelOutOfRange(label: Int, classCount: Int)
    case noClasses
    case noFolds
    case emptyTestSet
    case duplicateClassName(String)
    case foldClassesDiffer

    public var description: String {
        switch self {
        case let .lengthMismatch(what, expected, got):
            return "evaluation: \(what) has \(got) entries, expected \(expected)"
        case let .labelOutOfRange(label, classCount):
            return "evaluation: label \(label) is outside 0..<\(classCount)"
        case .noClasses:
            return "evaluation: no class names given"
        case .noFolds:
            return "evaluation: cross-validation summary needs at least one fold"
        case .emptyTestSet:
            return "evaluation: the test set is empty"
        case let .duplicateClassName(name):
            return "evaluation: class name '\(name)' appears twice"
        case .foldClassesDiffer:
            return "evaluation: the folds of a cross-validation have different class lists"
        }
    }
}
