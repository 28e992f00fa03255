import Foundation
internal import CRSVG

/// A failure of librsvg or cairo, with the library's own message (GError message or cairo status string).
public struct SVGRenderError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "SVG rendering failed: \(message)" }
}

/// SVG text → pixels / PNG through librsvg (Pango + FreeType + fontconfig text, anti-aliased) and cairo.
///
/// Every render is serialised on one process-wide lock: librsvg handles are independent, but cairo's FreeType
/// font backend and the shared fontconfig/Pango state have crashed under concurrent rendering (see NOTES.md).
/// A figure takes milliseconds, so the lock costs nothing noticeable for reports.
public enum SVGRender {
    /// 8-bit straight (not premultiplied) RGBA, row-major, top row first: `rgba[(y * width + x) * 4 + c]`.
    public struct Pixels: Sendable, Equatable {
        public let width: Int
        public let height: Int
        public var rgba: [UInt8]

        public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
            let i = (y * width + x) * 4
            return (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3])
        }
    }

    /// The document's own size in CSS pixels (its `width`/`height`, or its `viewBox`), or nil if it has neither.
    public static func intrinsicSize(svg: String) throws -> (width: Double, height: Double)? {
        try locked {
            try withHandle(svg) { handle in
                var w = 0.0, h = 0.0
                return rsvg_handle_get_intrinsic_size_in_pixels(handle, &w, &h) != 0 ? (w, h) : nil
            }
        }
    }

    /// Renders `svg` fitted into a `width` × `height` (CSS px; nil = the document's own size) viewport at `scale`
    /// pixels per unit. The result is ⌈width × scale⌉ × ⌈height × scale⌉ pixels. `opaque`: painted over white
    /// (alpha 255 everywhere, like a PNG without alpha); otherwise over transparent black.
    public static func pixels(svg: String, width: Double? = nil, height: Double? = nil, scale: Double = 1,
                              opaque: Bool = true) throws -> Pixels {
        try render(svg, width, height, scale, opaque) { surface, w, h in
            guard let base = cairo_image_surface_get_data(surface) else { throw SVGRenderError("cairo surface has no data") }
            let stride = Int(cairo_image_surface_get_stride(surface))
            var out = [UInt8](repeating: 0, count: w * h * 4)
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let row = UnsafeRawPointer(base + y * stride)
                    for x in 0..<w {
                        // cairo: native-endian 32-bit 0xAARRGGBB, premultiplied (RGB24: alpha byte undefined).
                        let p = row.loadUnaligned(fromByteOffset: x * 4, as: UInt32.self)
                        let a = opaque ? 255 : UInt32(p >> 24)
                        var r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff
                        if a != 255 && a != 0 { r = (r * 255 + a / 2) / a; g = (g * 255 + a / 2) / a; b = (b * 255 + a / 2) / a }
                        let i = (y * w + x) * 4
                        dst[i] = UInt8(min(r, 255)); dst[i + 1] = UInt8(min(g, 255)); dst[i + 2] = UInt8(min(b, 255)); dst[i + 3] = UInt8(a)
                    }
                }
            }
            return Pixels(width: w, height: h, rgba: out)
        }
    }

    /// The PNG file bytes (cairo's encoder: 8-bit RGB when `opaque`, 8-bit RGBA otherwise).
    public static func pngData(svg: String, width: Double? = nil, height: Double? = nil, scale: Double = 1,
                               opaque: Bool = true) throws -> Data {
        try render(svg, width, height, scale, opaque) { surface, _, _ in
            let sink = PNGSink()
            let status = cairo_surface_write_to_png_stream(surface, { closure, bytes, length in
                guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
                Unmanaged<PNGSink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque())
            try check(status, "writing PNG")
            return sink.data
        }
    }

    // MARK: - Internals

    private final class PNGSink { var data = Data() }

    /// One lock for every call into librsvg/cairo/Pango (NSLock is Sendable, and works on macOS 14).
    private static let lock = NSLock()

    private static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    private static func check(_ status: cairo_status_t, _ what: String) throws {
        guard status == CAIRO_STATUS_SUCCESS else {
            throw SVGRenderError("\(what): \(String(cString: cairo_status_to_string(status)))")
        }
    }

    /// Parses the SVG into a librsvg handle (released after `body`); GError → SVGRenderError.
    private static func withHandle<T>(_ svg: String, _ body: (UnsafeMutablePointer<RsvgHandle>) throws -> T) throws -> T {
        var error: UnsafeMutablePointer<GError>?
        let bytes = Array(svg.utf8)
        let handle = bytes.withUnsafeBufferPointer { rsvg_handle_new_from_data($0.baseAddress, gsize($0.count), &error) }
        guard let handle else { throw gError(error, "parsing SVG") }
        defer { g_object_unref(handle) }
        return try body(handle)
    }

    private static func gError(_ error: UnsafeMutablePointer<GError>?, _ what: String) -> SVGRenderError {
        guard let error else { return SVGRenderError("\(what): unknown error") }
        defer { g_error_free(error) }
        return SVGRenderError("\(what): \(error.pointee.message.map { String(cString: $0) } ?? "code \(error.pointee.code)")")
    }

    private static func render<T>(_ svg: String, _ width: Double?, _ height: Double?, _ scale: Double, _ opaque: Bool,
                                  _ body: (OpaquePointer, Int, Int) throws -> T) throws -> T {
        guard scale > 0, scale.isFinite else { throw SVGRenderError("scale \(scale) is not a positive number") }
        return try locked {
            try withHandle(svg) { handle in
                var vw = width ?? 0, vh = height ?? 0
                if width == nil || height == nil {
                    var iw = 0.0, ih = 0.0
                    guard rsvg_handle_get_intrinsic_size_in_pixels(handle, &iw, &ih) != 0 else {
                        throw SVGRenderError("the SVG has no width/height or viewBox; pass width and height")
                    }
                    vw = width ?? iw; vh = height ?? ih
                }
                let sw = vw * scale, sh = vh * scale
                guard sw > 0, sh > 0, sw <= 32767, sh <= 32767 else {
                    throw SVGRenderError("cannot render a \(vw)×\(vh) document at scale \(scale) (cairo allows 1…32767 px)")
                }
                let w = Int(sw.rounded(.up)), h = Int(sh.rounded(.up))
                guard let surface = cairo_image_surface_create(opaque ? CAIRO_FORMAT_RGB24 : CAIRO_FORMAT_ARGB32,
                                                               Int32(w), Int32(h)) else {
                    throw SVGRenderError("cannot create a \(w)×\(h) cairo surface")
                }
                defer { cairo_surface_destroy(surface) }
                try check(cairo_surface_status(surface), "creating a \(w)×\(h) surface")
                guard let cr = cairo_create(surface) else { throw SVGRenderError("cannot create a cairo context") }
                defer { cairo_destroy(cr) }
                if opaque { cairo_set_source_rgb(cr, 1, 1, 1); cairo_paint(cr) }
                var viewport = RsvgRectangle(x: 0, y: 0, width: sw, height: sh)
                var error: UnsafeMutablePointer<GError>?
                guard rsvg_handle_render_document(handle, cr, &viewport, &error) != 0 else { throw gError(error, "rendering SVG") }
                try check(cairo_status(cr), "rendering SVG")
                cairo_surface_flush(surface)
                return try body(surface, w, h)
            }
        }
    }
}
