import Foundation

/// Image file formats cellphase reads, recognised by signature (falling back to the extension).
public enum ImageFileFormat: String, Sendable, Codable {
    case tiff, png

    /// Extensions listed when scanning folders.
    public static let extensions: Set<String> = ["tif", "tiff", "png"]

    /// Recognises a file by its first bytes, then by extension; nil when neither matches.
    public static func detect(_ url: URL) -> ImageFileFormat? {
        if let fh = try? FileHandle(forReadingFrom: url) {
            defer { try? fh.close() }
            if let head = try? fh.read(upToCount: 8), head.count >= 4 {
                let b = [UInt8](head)
                if b[0] == 0x89 && b[1] == 0x50 && b[2] == 0x4E && b[3] == 0x47 { return .png }
                if (b[0] == 0x49 && b[1] == 0x49) || (b[0] == 0x4D && b[1] == 0x4D) { return .tiff }
            }
        }
        switch url.pathExtension.lowercased() {
        case "tif", "tiff": return .tiff
        case "png": return .png
        default: return nil
        }
    }
}

/// Reading any supported image file by format.
public enum ImageFile {
    /// All pages (TIFF stacks) or the single image (PNG).
    public static func readPages(_ url: URL) throws -> [Image] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ImagingError.cannotOpen(file: url.path, reason: "no such file")
        }
        switch ImageFileFormat.detect(url) {
        case .tiff: return try TIFFReader.readPages(url)
        case .png: return [try PNGCodec.read(url)]
        case nil: throw ImagingError.unknownFormat(file: url.path)
        }
    }

    /// The first page / the image.
    public static func read(_ url: URL) throws -> Image {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ImagingError.cannotOpen(file: url.path, reason: "no such file")
        }
        switch ImageFileFormat.detect(url) {
        case .tiff: return try TIFFReader.read(url)
        case .png: return try PNGCodec.read(url)
        case nil: throw ImagingError.unknownFormat(file: url.path)
        }
    }

    /// Writes by extension: `.png` (8/16-bit) or `.tif`/`.tiff` (LZW by default).
    public static func write(_ image: Image, to url: URL, compression: TIFFCompression = .lzw) throws {
        switch url.pathExtension.lowercased() {
        case "png": try PNGCodec.write(image, to: url)
        case "tif", "tiff": try TIFFWriter.write(image, to: url, compression: compression)
        default: throw ImagingError.unknownFormat(file: url.path)
        }
    }
}
