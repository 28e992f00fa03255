import Foundation
import Imaging

/// Why a dataset could not be loaded, split or prepared. Every case names the file, folder,
/// manifest row or class concerned.
public enum DatasetError: Error, Equatable, LocalizedError, Sendable {
    case notFound(path: String)
    case noImages(folder: String)
    case emptyClassFolder(folder: String)
    case missingColumn(manifest: String, column: String, available: [String])
    case badRow(manifest: String, row: Int, message: String)
    case missingFile(manifest: String?, row: Int?, file: String)
    case unknownClass(name: String, known: [String])
    case budgetTooLarge(className: String, available: Int, requested: Int)
    case poolTooSmall(available: Int, requested: Int, detail: String)
    case image(ImagingError, row: Int?)
    case channelMismatch(file: String, expected: Int, got: Int)
    case invalidSpec(String)
    case cache(file: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .notFound(p): "\(p): no such file or folder"
        case let .noImages(f): "\(f): no .tif/.tiff/.png images found"
        case let .emptyClassFolder(f): "\(f): class folder is empty (no images)"
        case let .missingColumn(m, c, a): "\(m): manifest has no column '\(c)' (columns: \(a.joined(separator: ", ")))"
        case let .badRow(m, r, msg): "\(m), row \(r): \(msg)"
        case let .missingFile(m, r, f):
            if let m, let r { "\(m), row \(r): file not found: \(f)" } else { "\(f): file not found" }
        case let .unknownClass(n, k): "class '\(n)' is not in the class list (\(k.joined(separator: ", "))); use --drop to exclude it"
        case let .budgetTooLarge(c, a, r): "class '\(c)' has \(a) images, fewer than the requested budget of \(r) per class"
        case let .poolTooSmall(a, r, d): "unlabelled pool needs \(r) images but only \(a) remain\(d.isEmpty ? "" : " (\(d))")"
        case let .image(e, row): (row.map { "row \($0): " } ?? "") + (e.errorDescription ?? "\(e)")
        case let .channelMismatch(f, e, g): "\(f): has \(g) channels, other samples have \(e)"
        case let .invalidSpec(s): s
        case let .cache(f, r): "\(f): tensor cache: \(r)"
        }
    }

    /// A problem record for reports (`data info`, skipped samples).
    public var problem: DatasetProblem {
        switch self {
        case let .notFound(p): DatasetProblem(file: p, row: nil, message: "no such file or folder")
        case let .noImages(f): DatasetProblem(file: f, row: nil, message: "no images found")
        case let .emptyClassFolder(f): DatasetProblem(file: f, row: nil, message: "empty class folder")
        case let .badRow(m, r, msg): DatasetProblem(file: m, row: r, message: msg)
        case let .missingFile(_, r, f): DatasetProblem(file: f, row: r, message: "file not found")
        case let .image(e, r): DatasetProblem(file: e.file, row: r, message: e.errorDescription ?? "\(e)")
        case let .channelMismatch(f, e, g): DatasetProblem(file: f, row: nil, message: "has \(g) channels, others have \(e)")
        case let .cache(f, r): DatasetProblem(file: f, row: nil, message: r)
        default: DatasetProblem(file: "", row: nil, message: errorDescription ?? "\(self)")
        }
    }
}

/// One problem found in the data, kept when the user chose to skip bad input.
public struct DatasetProblem: Sendable, Hashable, Codable {
    public var file: String
    /// Manifest row (1 = first data row after the header), when the sample came from a manifest.
    public var row: Int?
    public var message: String
    public init(file: String, row: Int?, message: String) { self.file = file; self.row = row; self.message = message }
}

/// What to do with bad input (`--on-error skip|stop`): skip it and report it, or stop at the first.
public enum ErrorPolicy: String, Sendable, Codable, CaseIterable {
    case skip, stop
}

/// Collects problems under an `ErrorPolicy`: `stop` throws at once, `skip` records.
struct ProblemLog {
    let policy: ErrorPolicy
    private(set) var problems: [DatasetProblem] = []
    init(_ policy: ErrorPolicy) { self.policy = policy }
    mutating func report(_ error: DatasetError) throws {
        if policy == .stop { throw error }
        problems.append(error.problem)
    }
}
