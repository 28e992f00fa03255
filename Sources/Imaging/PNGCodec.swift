import CPNG
import Foundation

/// Reads and writes 8/16-bit PNG through libpng's simplified API (which reports errors in a
/// message instead of longjmp-ing, so it is safe to call from Swift).
/// Reading keeps the file's bit depth and colour type (grey or RGB; palettes are expanded, an
/// alpha channel is dropped). 16-bit files are read as stored (libpng treats them as linear).
public enum PNGCodec {
    private static let alpha: UInt32 = 0x01, color: UInt32 = 0x02, linear: UInt32 = 0x04, colormap: UInt32 = 0x08

    public static func read(_ url: URL) throws -> Image {
        let path = url.path
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&img, path) != 0 else {
            let msg = message(&img)
            png_image_free(&img)
            if !FileManager.default.fileExists(atPath: path) { throw ImagingError.cannotOpen(file: path, reason: "no such file") }
            throw ImagingError.corrupt(file: path, reason: msg)
        }
        return try finish(&img, name: path)
    }

    /// Decodes a PNG held in memory (an HTTP body); `name` stands for the file in errors.
    public static func read(data: Data, name: String = "<memory>", maxSamples: Int = ImageFile.maxSamples) throws -> Image {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        let copy = [UInt8](data)
        // libpng keeps the pointer until the read is finished: begin and finish inside one closure.
        return try copy.withUnsafeBytes { raw in
            guard png_image_begin_read_from_memory(&img, raw.baseAddress, raw.count) != 0 else {
                let msg = message(&img)
                png_image_free(&img)
                throw ImagingError.corrupt(file: name, reason: msg)
            }
            return try finish(&img, name: name, maxSamples: maxSamples)
        }
    }

    private static func finish(_ img: inout png_image, name path: String, maxSamples: Int = ImageFile.maxSamples) throws -> Image {
        let fileFormat = img.format & ~colormap
        img.format = fileFormat
        let is16 = fileFormat & linear != 0
        let stored = (fileFormat & color != 0 ? 3 : 1) + (fileFormat & alpha != 0 ? 1 : 0)
        let width = Int(img.width), height = Int(img.height)
        guard width > 0, height > 0, width <= maxSamples / height, width * height <= maxSamples / stored else {
            png_image_free(&img)
            throw ImagingError.unsupported(file: path, reason: "\(width)×\(height) pixels is more than cellphase reads at once")
        }
        let n = width * height
        let bytesPerSample = is16 ? 2 : 1
        var raw = [UInt8](repeating: 0, count: n * stored * bytesPerSample)
        let ok = raw.withUnsafeMutableBytes { png_image_finish_read(&img, nil, $0.baseAddress, 0, nil) }
        guard ok != 0 else {
            let msg = message(&img)
            png_image_free(&img)
            throw ImagingError.corrupt(file: path, reason: msg)
        }
        let channels = fileFormat & color != 0 ? 3 : 1
        var pixels = [Float](repeating: 0, count: n * channels)
        raw.withUnsafeBytes { src in
            for p in 0..<n {
                for c in 0..<channels {
                    let s = p * stored + c
                    pixels[c * n + p] = is16 ? Float(src.load(fromByteOffset: 2 * s, as: UInt16.self)) : Float(src[s])
                }
            }
        }
        return Image(width: width, height: height, channels: channels, format: is16 ? .uint16 : .uint8, pixels: pixels)
    }

    /// Writes a 1-channel (grey) or 3-channel (RGB) image as 8-bit or 16-bit PNG, following the
    /// image's format (float32 images must be converted first), atomically.
    public static func write(_ image: Image, to url: URL) throws {
        let data = try encode(image, name: url.path)
        do { try data.write(to: url, options: .atomic) }
        catch { throw ImagingError.writeFailed(file: url.path, reason: error.localizedDescription) }
    }

    /// The PNG file of a 1- or 3-channel 8/16-bit image, in memory (figures embed thumbnails this way).
    public static func encode(_ image: Image, name: String = "<memory>") throws -> Data {
        guard image.channels == 1 || image.channels == 3 else {
            throw ImagingError.writeFailed(file: name, reason: "PNG needs 1 or 3 channels, image has \(image.channels)")
        }
        guard image.format != .float32 else {
            throw ImagingError.writeFailed(file: name, reason: "PNG cannot store 32-bit float samples")
        }
        let is16 = image.format == .uint16, n = image.planeSize, c = image.channels
        var raw = [UInt8](repeating: 0, count: n * c * (is16 ? 2 : 1))
        raw.withUnsafeMutableBytes { dst in
            for p in 0..<n {
                for ch in 0..<c {
                    let v = image.pixels[ch * n + p], i = p * c + ch
                    if is16 {
                        dst.storeBytes(of: UInt16(max(0, min(65535, v.rounded()))), toByteOffset: 2 * i, as: UInt16.self)
                    } else {
                        dst[i] = UInt8(max(0, min(255, v.rounded())))
                    }
                }
            }
        }
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(image.width); img.height = UInt32(image.height)
        img.format = (c == 3 ? color : 0) | (is16 ? linear : 0)
        // First call sizes the file, second writes it.
        var size = 0
        var ok = raw.withUnsafeBytes { png_image_write_to_memory(&img, nil, &size, 0, $0.baseAddress, 0, nil) }
        var out = [UInt8](repeating: 0, count: max(size, 1))
        if ok != 0 {
            ok = raw.withUnsafeBytes { src in out.withUnsafeMutableBytes { png_image_write_to_memory(&img, $0.baseAddress, &size, 0, src.baseAddress, 0, nil) } }
        }
        let msg = message(&img)
        png_image_free(&img)
        guard ok != 0 else { throw ImagingError.writeFailed(file: name, reason: msg) }
        return Data(out.prefix(size))
    }

    private static func message(_ img: inout png_image) -> String {
        withUnsafeBytes(of: &img.message) { b in
            String(decoding: b.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
