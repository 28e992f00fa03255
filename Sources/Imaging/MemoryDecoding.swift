import Foundation

/// Decoding images held in memory — HTTP bodies sent by microscope software (Micro-Manager,
/// Pycro-Manager, pymmcore-plus) to `cellphase serve`, so a field need not touch the disk.
extension ImageFile {
    /// Largest number of samples (width × height × channels) a decoder allocates for one image
    /// (2³⁰: 16384 × 16384 × 4): a corrupt or hostile header cannot make it allocate more.
    public static let maxSamples = 1 << 30

    /// Decodes a TIFF (first page) or PNG from its bytes, recognised by signature, allocating at most `maxSamples`
    /// samples (width × height × channels; refused from the header before any allocation beyond it).
    /// `name` stands for the file in error messages.
    public static func decode(_ data: Data, name: String = "<memory>", maxSamples: Int = maxSamples) throws -> Image {
        switch ImageFileFormat.detect(bytes: data) {
        case .tiff: return try TIFFReader.read(data: data, name: name, maxSamples: maxSamples)
        case .png: return try PNGCodec.read(data: data, name: name, maxSamples: maxSamples)
        case nil: throw ImagingError.unknownFormat(file: name)
        }
    }

    /// Every page of a TIFF, or the one image of a PNG, from its bytes (a stack of crops): at most `maxPages` pages
    /// and `maxSamples` samples over all pages (pages of a hostile TIFF may all point at the same compressed data).
    public static func decodePages(_ data: Data, name: String = "<memory>", maxSamples: Int = maxSamples,
                                   maxPages: Int = .max) throws -> [Image] {
        switch ImageFileFormat.detect(bytes: data) {
        case .tiff: return try TIFFReader.readPages(data: data, name: name, maxSamples: maxSamples, maxPages: maxPages)
        case .png: return [try PNGCodec.read(data: data, name: name, maxSamples: maxSamples)]
        case nil: throw ImagingError.unknownFormat(file: name)
        }
    }

    /// Wraps raw little-endian samples, row-major, one channel (`uint8` or `uint16`; `float32`
    /// as IEEE little-endian). The byte count must be exactly `width × height × bytes per sample`.
    public static func decodeRaw(_ data: Data, width: Int, height: Int, format: PixelFormat, name: String = "<memory>") throws -> Image {
        try data.withUnsafeBytes { try decodeRaw(bytes: $0, width: width, height: height, format: format, name: name) }
    }

    /// `decodeRaw` straight from a byte buffer (a server's request body, without copying it into `Data` first).
    public static func decodeRaw(bytes src: UnsafeRawBufferPointer, width: Int, height: Int, format: PixelFormat,
                                 name: String = "<memory>") throws -> Image {
        guard width > 0, height > 0 else {
            throw ImagingError.corrupt(file: name, reason: "raw image needs positive width and height, got \(width)×\(height)")
        }
        guard width <= maxSamples / height else {
            throw ImagingError.unsupported(file: name, reason: "\(width)×\(height) pixels is more than cellphase reads at once")
        }
        let n = width * height, bps = format.bitDepth / 8
        guard src.count == n * bps else {
            throw ImagingError.corrupt(file: name, reason: "raw \(format.rawValue) \(width)×\(height) needs \(n * bps) bytes, body has \(src.count)")
        }
        let pixels = [Float](unsafeUninitializedCapacity: n) { dst, initialized in
            switch format {
            case .uint8:
                let s = src.baseAddress!.assumingMemoryBound(to: UInt8.self), d = dst.baseAddress!
                for i in 0..<n { d[i] = Float(s[i]) }
            case .uint16:
                // Little-endian hosts (x86-64, arm64): straight widening loop the compiler vectorises.
                let s = src.baseAddress!, d = dst.baseAddress!
                if Int(bitPattern: s) % 2 == 0 && UInt16(littleEndian: 1) == 1 {
                    let s16 = s.assumingMemoryBound(to: UInt16.self)
                    for i in 0..<n { d[i] = Float(s16[i]) }
                } else {
                    for i in 0..<n { d[i] = Float(UInt16(littleEndian: s.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
                }
            case .float32:
                for i in 0..<n { dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            }
            initialized = n
        }
        return Image(width: width, height: height, channels: 1, format: format, pixels: pixels)
    }
}

extension ImageFileFormat {
    /// Recognises TIFF or PNG by the first bytes of `bytes`.
    public static func detect(bytes: Data) -> ImageFileFormat? {
        guard bytes.count >= 4 else { return nil }
        let b = [UInt8](bytes.prefix(4))
        if b[0] == 0x89 && b[1] == 0x50 && b[2] == 0x4E && b[3] == 0x47 { return .png }
        if (b[0] == 0x49 && b[1] == 0x49) || (b[0] == 0x4D && b[1] == 0x4D) { return .tiff }
        return nil
    }
}
