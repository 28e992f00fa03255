import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of the report layer (writing or reading reports, plots and logs — the artefacts behind the
/// first paper's section 2.3.4 figures and the SGAN paper's sections 5–6 results).
public enum ReportError: Error, CustomStringConvertible, Equatable {
    case write(path: String, reason: String)
    case read(path: String, reason: String)
    /// A figure could not be painted into pixels (e.g. a colour the PNG renderer does not know).
    case render(figure: String, reason: String)

    public var description: String {
        switch self {
        case let .write(path, reason): return "cannot write \(path): \(reason)"
        case let .read(path, reason): return "cannot read \(path): \(reason)"
        case let .render(figure, reason): return "cannot paint the figure '\(figure)': \(reason)"
        }
    }
}

/// Whole-file atomic writes: the data goes to a temporary file in the destination's folder, which is
/// then renamed over the destination, so a reader sees either the old file or the complete new one.
/// Serves every artefact of a run (reports, plots, logs) that the papers' experiments produce.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating the parent folder if needed.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { try data.write(to: $0) }
    }

    /// Atomically replaces `url` with what `produce` writes to the temporary file it is given (for writers that
    /// only take a path, such as the PNG and TIFF encoders), creating the parent folder if needed.
    public static func write(to url: URL, _ produce: (URL) throws -> Void) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try produce(tmp)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw ReportError.write(path: url.path, reason: "\(error)")
        }
        guard rename(tmp.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: tmp)
            throw ReportError.write(path: url.path, reason: String(cString: strerror(code)))
        }
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
