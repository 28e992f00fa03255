import Imaging

/// Why a field or label image could not be segmented or measured. Messages say what was expected.
public enum SegmentationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The field has zero width or height, or its pixel buffer does not match its shape.
    case emptyImage(String)
    /// Two images that must have the same size do not (e.g. a label image and its field).
    case sizeMismatch(expected: (width: Int, height: Int), got: (width: Int, height: Int), what: String)
    /// A parameter is out of range (e.g. a negative sigma, a window of size 0).
    case invalidParameter(String)
    /// A label image is not usable (negative or fractional labels, several channels, …).
    case invalidLabels(String)
    /// Reading or writing an image failed.
    case image(ImagingError)

    public static func == (a: SegmentationError, b: SegmentationError) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case .emptyImage(let m): "empty image: \(m)"
        case let .sizeMismatch(e, g, what):
            "\(what): size \(g.width)×\(g.height) does not match the field's \(e.width)×\(e.height)"
        case .invalidParameter(let m): "invalid parameter: \(m)"
        case .invalidLabels(let m): "invalid label image: \(m)"
        case .image(let e): e.errorDescription ?? "\(e)"
        }
    }
}
