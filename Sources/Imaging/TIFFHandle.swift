import CTIFF
import Foundation

/// An open libtiff handle whose errors and warnings are captured per handle (libtiff ≥ 4.5
/// `TIFFOpenExt` handlers) instead of being printed to stderr, so they surface as Swift errors.
final class TIFFHandle {
    /// Messages collected by the handlers below.
    final class Messages {
        var errors: [String] = []
        var warnings: [String] = []
    }

    let tif: OpaquePointer
    let path: String
    let messages: Messages
    private let retained: Unmanaged<Messages>
    /// The bytes of an in-memory TIFF (kept alive while libtiff reads them).
    private let memory: MemoryTIFF?

    /// Silences libtiff's process-wide handlers once (they would print to stderr).
    private static let silenced: Bool = {
        TIFFSetErrorHandler(nil)
        TIFFSetWarningHandler(nil)
        return true
    }()

    /// libtiff open options whose error and warning handlers collect messages into `messages` (free them after opening).
    private static func openOptions(reportingTo messages: Unmanaged<Messages>) -> OpaquePointer? {
        let opts = TIFFOpenOptionsAlloc()
        let ctx = messages.toOpaque()
        TIFFOpenOptionsSetErrorHandlerExtR(opts, tiffErrorHandler, ctx)
        TIFFOpenOptionsSetWarningHandlerExtR(opts, tiffWarningHandler, ctx)
        return opts
    }

    init(path: String, mode: String) throws {
        _ = TIFFHandle.silenced
        let messages = Messages()
        let retained = Unmanaged.passRetained(messages)
        let opts = Self.openOptions(reportingTo: retained)
        defer { TIFFOpenOptionsFree(opts) }
        guard let tif = TIFFOpenExt(path, mode, opts) else {
            retained.release()
            let reason = messages.errors.joined(separator: "; ")
            if mode == "r" && FileManager.default.fileExists(atPath: path) {
                throw ImagingError.corrupt(file: path, reason: reason.isEmpty ? "not a readable TIFF" : reason)
            }
            throw ImagingError.cannotOpen(file: path, reason: reason.isEmpty ? "no such file" : reason)
        }
        self.tif = tif; self.path = path; self.messages = messages; self.retained = retained; self.memory = nil
    }

    /// Opens a TIFF held in memory for reading (`name` stands for the file in error messages).
    init(bytes: Data, name: String) throws {
        _ = TIFFHandle.silenced
        let messages = Messages()
        let retained = Unmanaged.passRetained(messages)
        let opts = Self.openOptions(reportingTo: retained)
        defer { TIFFOpenOptionsFree(opts) }
        let memory = MemoryTIFF(bytes)
        let client = Unmanaged.passUnretained(memory).toOpaque()
        guard let tif = TIFFClientOpenExt(name, "r", client, memRead, memWrite, memSeek, memClose, memSize, memMap, memUnmap, opts) else {
            retained.release()
            let reason = messages.errors.joined(separator: "; ")
            throw ImagingError.corrupt(file: name, reason: reason.isEmpty ? "not a readable TIFF" : reason)
        }
        self.tif = tif; self.path = name; self.messages = messages; self.retained = retained; self.memory = memory
    }

    deinit {
        TIFFClose(tif)
        retained.release()
    }

    /// The errors reported so far, joined.
    var errorText: String { messages.errors.joined(separator: "; ") }

    func u16(_ tag: Int32, default value: UInt16? = nil) -> UInt16? {
        var v: UInt16 = 0
        let ok = withUnsafeMutablePointer(to: &v) { p in
            withVaList([p]) { TIFFVGetFieldDefaulted(tif, UInt32(tag), $0) }
        }
        return ok == 1 ? v : value
    }

    func u32(_ tag: Int32) -> UInt32? {
        var v: UInt32 = 0
        let ok = withUnsafeMutablePointer(to: &v) { p in
            withVaList([p]) { TIFFVGetFieldDefaulted(tif, UInt32(tag), $0) }
        }
        return ok == 1 ? v : nil
    }

    /// Sets a tag whose C type is uint16 (passed promoted to int) or uint32.
    @discardableResult
    func set(_ tag: Int32, _ value: Int) -> Bool {
        withVaList([Int32(truncatingIfNeeded: value)]) { TIFFVSetField(tif, UInt32(tag), $0) } == 1
    }
}

private func format(_ fmt: UnsafePointer<CChar>?, _ args: CVaListPointer?) -> String {
    guard let fmt else { return "unknown error" }
    guard let args else { return String(cString: fmt) }
    var buf = [CChar](repeating: 0, count: 512)
    _ = vsnprintf(&buf, buf.count, fmt, args)
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private let tiffErrorHandler: TIFFErrorHandlerExtR = { _, ctx, module, fmt, args in
    guard let ctx else { return 1 }
    let m = Unmanaged<TIFFHandle.Messages>.fromOpaque(ctx).takeUnretainedValue()
    let mod = module.map { String(cString: $0) }
    m.errors.append((mod.map { "\($0): " } ?? "") + format(fmt, args))
    return 1
}

private let tiffWarningHandler: TIFFErrorHandlerExtR = { _, ctx, _, fmt, args in
    guard let ctx else { return 1 }
    Unmanaged<TIFFHandle.Messages>.fromOpaque(ctx).takeUnretainedValue().warnings.append(format(fmt, args))
    return 1
}

/// A read-only in-memory file for libtiff's client I/O.
final class MemoryTIFF {
    let base: UnsafeMutableRawPointer
    let count: Int
    var offset = 0
    init(_ data: Data) {
        count = data.count
        base = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        data.withUnsafeBytes { if let p = $0.baseAddress, count > 0 { base.copyMemory(from: p, byteCount: count) } }
    }
    deinit { base.deallocate() }
    static func from(_ h: thandle_t?) -> MemoryTIFF { Unmanaged<MemoryTIFF>.fromOpaque(UnsafeRawPointer(h!)).takeUnretainedValue() }
}

private let memRead: TIFFReadWriteProc = { h, buf, size in
    let m = MemoryTIFF.from(h)
    let n = max(0, min(Int(size), m.count - m.offset))
    if n > 0, let buf { buf.copyMemory(from: m.base + m.offset, byteCount: n) }
    m.offset += n
    return tmsize_t(n)
}
private let memWrite: TIFFReadWriteProc = { _, _, _ in 0 }
private let memSeek: TIFFSeekProc = { h, off, whence in
    let m = MemoryTIFF.from(h)
    let target: Int
    switch whence {
    case SEEK_SET: target = Int(truncatingIfNeeded: off)
    case SEEK_CUR: target = m.offset + Int(truncatingIfNeeded: off)
    case SEEK_END: target = m.count + Int(truncatingIfNeeded: off)
    default: return toff_t.max
    }
    guard target >= 0 else { return toff_t.max }
    m.offset = target
    return toff_t(target)
}
private let memClose: TIFFCloseProc = { _ in 0 }
private let memSize: TIFFSizeProc = { h in toff_t(MemoryTIFF.from(h).count) }
private let memMap: TIFFMapFileProc = { h, base, size in
    let m = MemoryTIFF.from(h)
    base?.pointee = m.base
    size?.pointee = toff_t(m.count)
    return 1
}
private let memUnmap: TIFFUnmapFileProc = { _, _, _ in }
