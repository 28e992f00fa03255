import CTIFF
import Foundation

/// TIFF compression schemes the writer offers.
public enum TIFFCompression: String, Sendable, CaseIterable, Codable {
    case none, lzw, deflate, packBits

    var tag: Int {
        switch self {
        case .none: Int(COMPRESSION_NONE)
        case .lzw: Int(COMPRESSION_LZW)
        case .deflate: Int(COMPRESSION_ADOBE_DEFLATE)
        case .packBits: Int(COMPRESSION_PACKBITS)
        }
    }
}

/// Writes TIFF files through libtiff: one page per image (multi-page stacks), samples interleaved
/// (3-channel images are tagged RGB, others grey + extra samples), in the image's own format
/// (8/16-bit unsigned, 32-bit float).
public enum TIFFWriter {
    public static func write(_ image: Image, to url: URL, compression: TIFFCompression = .lzw) throws {
        try write(pages: [image], to: url, compression: compression)
    }

    public static func write(pages: [Image], to url: URL, compression: TIFFCompression = .lzw) throws {
        let h = try TIFFHandle(path: url.path, mode: "w")
        for (index, img) in pages.enumerated() {
            try writePage(h, img, compression: compression, page: index, of: pages.count)
        }
    }

    private static func writePage(_ h: TIFFHandle, _ img: Image, compression: TIFFCompression, page: Int, of count: Int) throws {
        let bps = img.format.bitDepth / 8
        // Interleave channel planes into contiguous samples.
        let n = img.planeSize, c = img.channels
        var bytes = [UInt8](repeating: 0, count: n * c * bps)
        bytes.withUnsafeMutableBytes { dst in
            for p in 0..<n {
                for ch in 0..<c {
                    let v = img.pixels[ch * n + p], i = p * c + ch
                    switch img.format {
                    case .uint8: dst[i] = UInt8(max(0, min(255, v.rounded())))
                    case .uint16: dst.storeBytes(of: UInt16(max(0, min(65535, v.rounded()))), toByteOffset: 2 * i, as: UInt16.self)
                    case .float32: dst.storeBytes(of: v, toByteOffset: 4 * i, as: Float.self)
                    }
                }
            }
        }
        try writeDirectory(h, samples: bytes, width: img.width, height: img.height, channels: c, bitsPerSample: img.format.bitDepth,
                           sampleFormat: img.format == .float32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT,
                           compression: compression, page: page, of: count)
    }

    /// Writes one page (directory) of interleaved samples already laid out in the file's byte
    /// order: the tags, the strips and the directory. Shared by images and integer label images.
    static func writeDirectory(_ h: TIFFHandle, samples bytes: [UInt8], width: Int, height: Int, channels c: Int, bitsPerSample: Int,
                               sampleFormat: Int32, compression: TIFFCompression, page: Int, of count: Int) throws {
        let fail = { (what: String) in ImagingError.writeFailed(file: h.path, reason: h.errorText.isEmpty ? what : h.errorText) }
        let bps = bitsPerSample / 8
        h.set(TIFFTAG_IMAGEWIDTH, width)
        h.set(TIFFTAG_IMAGELENGTH, height)
        h.set(TIFFTAG_BITSPERSAMPLE, bitsPerSample)
        h.set(TIFFTAG_SAMPLESPERPIXEL, c)
        h.set(TIFFTAG_SAMPLEFORMAT, Int(sampleFormat))
        h.set(TIFFTAG_PLANARCONFIG, Int(PLANARCONFIG_CONTIG))
        h.set(TIFFTAG_PHOTOMETRIC, Int(c == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK))
        if c > 1 && c != 3 {
            var extra = [UInt16](repeating: UInt16(EXTRASAMPLE_UNSPECIFIED), count: c - 1)
            _ = extra.withUnsafeMutableBufferPointer { p in
                withVaList([Int32(c - 1), p.baseAddress!]) { TIFFVSetField(h.tif, UInt32(TIFFTAG_EXTRASAMPLES), $0) }
            }
        }
        guard h.set(TIFFTAG_COMPRESSION, compression.tag) else { throw fail("compression \(compression) unavailable") }
        if (compression == .lzw || compression == .deflate) && sampleFormat != SAMPLEFORMAT_IEEEFP {
            h.set(TIFFTAG_PREDICTOR, Int(PREDICTOR_HORIZONTAL))
        }
        if count > 1 {
            h.set(TIFFTAG_SUBFILETYPE, Int(FILETYPE_PAGE))
            _ = withVaList([Int32(page), Int32(count)]) { TIFFVSetField(h.tif, UInt32(TIFFTAG_PAGENUMBER), $0) }
        }
        let rowsPerStrip = max(1, min(height, (64 * 1024) / max(1, width * c * bps)))
        h.set(TIFFTAG_ROWSPERSTRIP, rowsPerStrip)
        var bytes = bytes
        let rowBytes = width * c * bps
        var strip = 0
        for first in stride(from: 0, to: height, by: rowsPerStrip) {
            let rows = min(rowsPerStrip, height - first)
            let ok = bytes.withUnsafeMutableBytes {
                TIFFWriteEncodedStrip(h.tif, UInt32(strip), $0.baseAddress! + first * rowBytes, tmsize_t(rows * rowBytes))
            }
            guard ok >= 0 else { throw fail("strip \(strip) not written") }
            strip += 1
        }
        guard TIFFWriteDirectory(h.tif) == 1 else { throw fail("directory not written") }
    }
}
