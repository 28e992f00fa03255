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

/// Whole-file atomic writes: the data goes to a temporary file in the destination's folder, is flushed to disk
/// (fsync), then renamed over the destination, and the folder is flushed, so a reader — or a machine restarted
/// after a power cut — sees either the old file or the complete new one. The one atomic writer of cellphase:
/// reports, plots, logs, bundles' files, tensor caches, label images; `replaceFolder` does the same for folders
/// (model bundles).
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
            try sync(tmp.path)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw FileWriteError(path: url.path, reason: "\(error)")
        }
        guard rename(tmp.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: tmp)
            throw FileWriteError(path: url.path, reason: String(cString: strerror(code)))
        }
        try? sync(dir.path)
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Puts the complete folder `staged` (in the same parent folder as `url`) at `url`, replacing any folder there
    /// in one step: every file in `staged` and `staged` itself are flushed first, then the two paths are exchanged
    /// atomically (`renameat2(RENAME_EXCHANGE)` on Linux, `renamex_np(RENAME_SWAP)` on macOS), the parent is flushed
    /// and the old folder deleted. At every instant `url` is either the old folder or the new one. On a file system
    /// that cannot exchange (some network shares) the old folder is moved aside and the new one renamed in: there a
    /// reader may find nothing at `url` between the two renames, never a partial folder.
    public static func replaceFolder(at url: URL, with staged: URL) throws {
        let fm = FileManager.default
        let parent = url.deletingLastPathComponent()
        do {
            for name in try fm.contentsOfDirectory(atPath: staged.path) { try sync(staged.appendingPathComponent(name).path) }
            try sync(staged.path)
        } catch {
            throw FileWriteError(path: url.path, reason: "cannot flush \(staged.lastPathComponent): \(error)")
        }
        if rename(staged.path, url.path) == 0 {  // nothing at url yet (or an empty folder there)
            try? sync(parent.path)
            return
        }
        guard errno == ENOTEMPTY || errno == EEXIST else {
            throw FileWriteError(path: url.path, reason: String(cString: strerror(errno)))
        }
        if exchange(staged.path, url.path) {
            try? sync(parent.path)
            try? fm.removeItem(at: staged)  // now the old folder
            return
        }
        let aside = parent.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).old")
        guard rename(url.path, aside.path) == 0 else {
            throw FileWriteError(path: url.path, reason: "cannot move the existing folder aside: \(String(cString: strerror(errno)))")
        }
        guard rename(staged.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(aside.path, url.path)
            throw FileWriteError(path: url.path, reason: reason)
        }
        try? sync(parent.path)
        try? fm.removeItem(at: aside)
    }

    /// Flushes a file or folder to disk.
    static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 || errno == EINVAL else {  // EINVAL: a file system without fsync for folders
            throw FileWriteError(path: path, reason: "fsync: \(String(cString: strerror(errno)))")
        }
    }

    /// Exchanges two paths atomically; false when the system or file system cannot.
    static func exchange(_ a: String, _ b: String) -> Bool {
        #if canImport(Glibc)
        // glibc declares renameat2 only under _GNU_SOURCE, which Swift's Glibc module does not see: look it up.
        typealias RenameAt2 = @convention(c) (CInt, UnsafePointer<CChar>, CInt, UnsafePointer<CChar>, CUnsignedInt) -> CInt
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: CUnsignedInt = 1 << 1
        return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
        #elseif canImport(Darwin)
        return renamex_np(a, b, UInt32(RENAME_SWAP)) == 0
        #else
        return false
        #endif
    }
}
