import CTIFF
import Foundation

/// Reads TIFF files through libtiff: 8/16-bit unsigned and 32-bit float samples, any compression
/// libtiff was built with (none, LZW, Deflate, PackBits, …), strips or tiles, contiguous or
/// separate planes, multi-page stacks, one or several samples per pixel (grey, RGB, interleaved
/// channels). Palette / YCbCr / other 8-bit photometrics are converted to RGB by libtiff.
public enum TIFFReader {
    /// Every page (IFD) of the file, in order.
    public static func readPages(_ url: URL) throws -> [Image] {
        try allPages(try TIFFHandle(path: url.path, mode: "r"))
    }

    /// The first page only (fast path for single-page crops).
    public static func read(_ url: URL) throws -> Image {
        let h = try TIFFHandle(path: url.path, mode: "r")
        return try readDirectory(h)
    }

    /// The first page of a TIFF held in memory (an HTTP body); `name` stands for the file in errors.
    public static func read(data: Data, name: String = "<memory>", maxSamples: Int = ImageFile.maxSamples) throws -> Image {
        let h = try TIFFHandle(bytes: data, name: name)
        return try readDirectory(h, maxSamples: maxSamples)
    }

    /// Every page of a TIFF held in memory, within `maxPages` pages and `maxSamples` samples in all.
    public static func readPages(data: Data, name: String = "<memory>", maxSamples: Int = ImageFile.maxSamples,
                                 maxPages: Int = .max) throws -> [Image] {
        try allPages(try TIFFHandle(bytes: data, name: name), maxSamples: maxSamples, maxPages: maxPages)
    }

    /// Decodes every directory of an open TIFF, in order, within the page and sample budgets.
    static func allPages(_ h: TIFFHandle, maxSamples: Int = ImageFile.maxSamples, maxPages: Int = .max) throws -> [Image] {
        var pages: [Image] = []
        var left = maxSamples
        repeat {
            guard pages.count < maxPages else {
                throw ImagingError.unsupported(file: h.path, reason: "more than \(maxPages) pages")
            }
            let page = try readDirectory(h, maxSamples: left)
            left -= page.pixels.count
            pages.append(page)
        } while TIFFReadDirectory(h.tif) == 1
        if !h.messages.errors.isEmpty { throw ImagingError.corrupt(file: h.path, reason: h.errorText) }
        return pages
    }

    /// Number of pages without decoding pixel data.
    public static func pageCount(_ url: URL) throws -> Int {
        let h = try TIFFHandle(path: url.path, mode: "r")
        return Int(TIFFNumberOfDirectories(h.tif))
    }

    static func readDirectory(_ h: TIFFHandle, maxSamples: Int = ImageFile.maxSamples) throws -> Image {
        let file = h.path
        guard let w32 = h.u32(TIFFTAG_IMAGEWIDTH), let h32 = h.u32(TIFFTAG_IMAGELENGTH), w32 > 0, h32 > 0 else {
            throw ImagingError.corrupt(file: file, reason: "missing image dimensions")
        }
        let width = Int(w32), height = Int(h32)
        // Checked by division: width × height of two 32-bit header fields can overflow.
        guard width <= maxSamples / height else {
            throw ImagingError.unsupported(file: file, reason: "\(width)×\(height) pixels is more than cellphase reads at once (at most \(maxSamples) samples)")
        }
        let bits = Int(h.u16(TIFFTAG_BITSPERSAMPLE, default: 1)!)
        let spp = Int(h.u16(TIFFTAG_SAMPLESPERPIXEL, default: 1)!)
        // Every sample of every channel becomes a Float (and RGBA pages 4): samples per pixel count against the cap.
        guard spp >= 1, max(spp, 4) <= maxSamples / (width * height) else {
            throw ImagingError.unsupported(file: file, reason: "\(width)×\(height) pixels × \(spp) samples is more than cellphase reads at once")
        }
        let sampleFormat = Int32(h.u16(TIFFTAG_SAMPLEFORMAT, default: UInt16(SAMPLEFORMAT_UINT))!)
        let planar = Int32(h.u16(TIFFTAG_PLANARCONFIG, default: UInt16(PLANARCONFIG_CONTIG))!)
        let photometric = Int32(h.u16(TIFFTAG_PHOTOMETRIC, default: UInt16(PHOTOMETRIC_MINISBLACK))!)

        let direct: Set<Int32> = [PHOTOMETRIC_MINISBLACK, PHOTOMETRIC_MINISWHITE, PHOTOMETRIC_RGB, PHOTOMETRIC_SEPARATED]
        if !direct.contains(photometric) {
            guard bits <= 8 else {
                throw ImagingError.unsupported(file: file, reason: "photometric \(photometric) with \(bits)-bit samples")
            }
            return try readRGBA(h, width: width, height: height)
        }
        let format: PixelFormat
        switch (bits, sampleFormat) {
        case (8, SAMPLEFORMAT_UINT): format = .uint8
        case (16, SAMPLEFORMAT_UINT): format = .uint16
        case (32, SAMPLEFORMAT_IEEEFP): format = .float32
        default:
            let kind = sampleFormat == SAMPLEFORMAT_IEEEFP ? "float" : sampleFormat == SAMPLEFORMAT_INT ? "signed" : "unsigned"
            throw ImagingError.unsupported(file: file, reason: "\(bits)-bit \(kind) samples (supported: 8/16-bit unsigned, 32-bit float)")
        }
        let bytesPerSample = bits / 8
        let planes = planar == PLANARCONFIG_SEPARATE ? spp : 1
        let samplesPerPlanePixel = planar == PLANARCONFIG_SEPARATE ? 1 : spp
        let rowBytes = width * samplesPerPlanePixel * bytesPerSample
        // Decoded bytes of each plane, rows top to bottom.
        var raw = [UInt8](repeating: 0, count: planes * height * rowBytes)
        if TIFFIsTiled(h.tif) != 0 {
            try readTiles(h, into: &raw, width: width, height: height, planes: planes, pixelBytes: samplesPerPlanePixel * bytesPerSample)
        } else {
            try readStrips(h, into: &raw, height: height, planes: planes, rowBytes: rowBytes)
        }
        var pixels = [Float](repeating: 0, count: spp * width * height)
        let n = width * height
        raw.withUnsafeBytes { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for i in 0..<(spp * n) {
                    // Source index of sample (channel c, pixel p) in decoded order.
                    let c = i / n, p = i % n
                    let s = planar == PLANARCONFIG_SEPARATE ? c * n + p : p * spp + c
                    switch format {
                    case .uint8: dst[i] = Float(src[s])
                    case .uint16: dst[i] = Float(src.load(fromByteOffset: 2 * s, as: UInt16.self))
                    case .float32: dst[i] = src.load(fromByteOffset: 4 * s, as: Float.self)
                    }
                }
            }
        }
        // NaN or ±Inf would reach percentiles, histograms and integer conversions downstream: refuse the file here.
        if format == .float32, let bad = pixels.firstIndex(where: { !$0.isFinite }) {
            throw ImagingError.corrupt(file: file, reason: "sample \(bad) is \(pixels[bad]) (not a finite number)")
        }
        if photometric == PHOTOMETRIC_MINISWHITE && format != .float32 {
            for i in pixels.indices { pixels[i] = format.maxValue - pixels[i] }
        }
        if !h.messages.errors.isEmpty { throw ImagingError.corrupt(file: file, reason: h.errorText) }
        return Image(width: width, height: height, channels: spp, format: format, pixels: pixels)
    }

    static func readStrips(_ h: TIFFHandle, into raw: inout [UInt8], height: Int, planes: Int, rowBytes: Int) throws {
        let strips = Int(TIFFNumberOfStrips(h.tif))
        let stripsPerPlane = max(1, strips / planes)
        let rowsPerStrip = Int(h.u32(TIFFTAG_ROWSPERSTRIP) ?? UInt32(height))
        let stripSize = Int(TIFFStripSize(h.tif))
        var buf = [UInt8](repeating: 0, count: max(stripSize, 1))
        for s in 0..<strips {
            let plane = s / stripsPerPlane, first = (s % stripsPerPlane) * rowsPerStrip
            let rows = min(rowsPerStrip, height - first)
            guard rows > 0 else { continue }
            let want = rows * rowBytes
            let got = buf.withUnsafeMutableBytes { TIFFReadEncodedStrip(h.tif, UInt32(s), $0.baseAddress, tmsize_t(want)) }
            guard got >= want else {
                throw ImagingError.corrupt(file: h.path, reason: h.errorText.isEmpty ? "strip \(s) is short (truncated file?)" : h.errorText)
            }
            let offset = (plane * height + first) * rowBytes
            raw.replaceSubrange(offset ..< offset + want, with: buf[0..<want])
        }
    }

    static func readTiles(_ h: TIFFHandle, into raw: inout [UInt8], width: Int, height: Int, planes: Int, pixelBytes: Int) throws {
        guard let tw32 = h.u32(TIFFTAG_TILEWIDTH), let th32 = h.u32(TIFFTAG_TILELENGTH), tw32 > 0, th32 > 0 else {
            throw ImagingError.corrupt(file: h.path, reason: "missing tile size")
        }
        let tw = Int(tw32), th = Int(th32)
        // A tile is at most the image rounded up to the 16-pixel tile grid (TIFF 6.0 section 15): a header claiming
        // larger tiles would make us allocate for pixels that do not exist.
        guard tw <= (width + 15) / 16 * 16, th <= (height + 15) / 16 * 16 else {
            throw ImagingError.corrupt(file: h.path, reason: "\(tw)×\(th) tiles for a \(width)×\(height) image")
        }
        let tileSize = Int(TIFFTileSize(h.tif))
        guard tileSize > 0, tileSize <= tw * th * pixelBytes else {
            throw ImagingError.corrupt(file: h.path, reason: "tile size \(tileSize) bytes for \(tw)×\(th) tiles of \(pixelBytes)-byte pixels")
        }
        var buf = [UInt8](repeating: 0, count: tileSize)
        let rowBytes = width * pixelBytes
        for plane in 0..<planes {
            for ty in stride(from: 0, to: height, by: th) {
                for tx in stride(from: 0, to: width, by: tw) {
                    let tile = TIFFComputeTile(h.tif, UInt32(tx), UInt32(ty), 0, UInt16(plane))
                    let got = buf.withUnsafeMutableBytes { TIFFReadEncodedTile(h.tif, tile, $0.baseAddress, tmsize_t(tileSize)) }
                    guard got >= tileSize else {
                        throw ImagingError.corrupt(file: h.path, reason: h.errorText.isEmpty ? "tile \(tile) is short (truncated file?)" : h.errorText)
                    }
                    let cols = min(tw, width - tx)
                    for r in 0..<min(th, height - ty) {
                        let src = r * tw * pixelBytes
                        let dst = (plane * height + ty + r) * rowBytes + tx * pixelBytes
                        raw.replaceSubrange(dst ..< dst + cols * pixelBytes, with: buf[src ..< src + cols * pixelBytes])
                    }
                }
            }
        }
    }

    /// libtiff's RGBA conversion for palette, YCbCr and other 8-bit photometrics.
    private static func readRGBA(_ h: TIFFHandle, width: Int, height: Int) throws -> Image {
        var rgba = [UInt32](repeating: 0, count: width * height)
        let ok = rgba.withUnsafeMutableBufferPointer {
            TIFFReadRGBAImageOriented(h.tif, UInt32(width), UInt32(height), $0.baseAddress, ORIENTATION_TOPLEFT, 0)
        }
        guard ok == 1, h.messages.errors.isEmpty else {
            throw ImagingError.corrupt(file: h.path, reason: h.errorText.isEmpty ? "cannot convert to RGB" : h.errorText)
        }
        let n = width * height
        var pixels = [Float](repeating: 0, count: 3 * n)
        for p in 0..<n {
            let v = rgba[p]
            pixels[p] = Float(v & 0xFF); pixels[n + p] = Float((v >> 8) & 0xFF); pixels[2 * n + p] = Float((v >> 16) & 0xFF)
        }
        return Image(width: width, height: height, channels: 3, format: .uint8, pixels: pixels)
    }
}
