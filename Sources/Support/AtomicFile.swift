import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that could not be written whole (its path and the system's reason).
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Whole-file atomic writes: the data goes to a temporary file in the destination's folder, which is
/// then renamed over the destination, so a reader sees either the old file or the complete new one.
/// The one atomic writer of cellphase: reports, plots, logs, bundles' files, tensor caches, label images.
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
            throw FileWriteError(path: url.path, reason: "\(error)")
        }
        guard rename(tmp.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: tmp)
            throw FileWriteError(path: url.path, reason: String(cString: strerror(code)))
        }
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
