import Foundation

/// Why an image could not be read or written. Every case names the file.
public enum ImagingError: Error, Equatable, LocalizedError, Sendable {
    /// The file does not exist or cannot be opened.
    case cannotOpen(file: String, reason: String)
    /// The file is damaged, e.g. truncated or with invalid compressed data.
    case corrupt(file: String, reason: String)
    /// A valid file in a format, bit depth or layout cellphase does not read.
    case unsupported(file: String, reason: String)
    /// The file extension / signature is not TIFF or PNG.
    case unknownFormat(file: String)
    /// Writing failed.
    case writeFailed(file: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .cannotOpen(f, r): "\(f): cannot open: \(r)"
        case let .corrupt(f, r): "\(f): corrupt or truncated image: \(r)"
        case let .unsupported(f, r): "\(f): unsupported image: \(r)"
        case let .unknownFormat(f): "\(f): unknown image format (expected TIFF or PNG)"
        case let .writeFailed(f, r): "\(f): cannot write: \(r)"
        }
    }

    /// The file concerned.
    public var file: String {
        switch self {
        case let .cannotOpen(f, _), let .corrupt(f, _), let .unsupported(f, _), let .unknownFormat(f),
             let .writeFailed(f, _): f
        }
    }
}
