import CTIFF
import Foundation

/// Label images as TIFF integers — what segmenters write: Cellpose and StarDist save masks as 16- or
/// 32-bit integer TIFFs (int32 or uint32 once a field holds more than 65535 objects), CellProfiler
/// as 8/16/32-bit. `Image` keeps samples as Float, exact only up to 2²⁴, so labels take this path
/// instead: every id arrives exactly, widened to Int64.
public enum TIFFLabels {
    /// Integer ids of a label image, row-major.
    public struct Plane: Sendable, Equatable {
        public var width: Int, height: Int
        public var ids: [Int64]
        public init(width: Int, height: Int, ids: [Int64]) { self.width = width; self.height = height; self.ids = ids }
    }

    /// The first page of `url`: 8/16/32-bit unsigned or signed integer samples, or 32-bit float
    /// (whole numbers, as some tools save labels), one sample per pixel.
    public static func read(_ url: URL) throws -> Plane {
        let h = try TIFFHandle(path: url.path, mode: "r")
        let file = h.path
        let bits = Int(h.u16(TIFFTAG_BITSPERSAMPLE, default: 1)!)
        let spp = Int(h.u16(TIFFTAG_SAMPLESPERPIXEL, default: 1)!)
        let sampleFormat = Int32(h.u16(TIFFTAG_SAMPLEFORMAT, default: UInt16(SAMPLEFORMAT_UINT))!)
        guard spp == 1 else {
            throw ImagingError.unsupported(file: file, reason: "\(spp) samples per pixel; a label image has one (ids per pixel), not a colour rendering")
        }
        if sampleFormat == SAMPLEFORMAT_IEEEFP {
            let image = try TIFFReader.readDirectory(h)
            var ids = [Int64](repeating: 0, count: image.planeSize)
            for i in ids.indices {
                let v = image.pixels[i]
                guard v == v.rounded(), abs(v) < 9.2e18 else {
                    throw ImagingError.corrupt(file: file, reason: "pixel \(i % image.width),\(i / image.width) holds \(v); labels are whole numbers")
                }
                ids[i] = Int64(v)
            }
            return Plane(width: image.width, height: image.height, ids: ids)
        }
        guard [8, 16, 32].contains(bits), sampleFormat == SAMPLEFORMAT_UINT || sampleFormat == SAMPLEFORMAT_INT else {
            throw ImagingError.unsupported(file: file, reason: "\(bits)-bit samples of format \(sampleFormat) (labels: 8/16/32-bit integers or 32-bit float)")
        }
        guard let w32 = h.u32(TIFFTAG_IMAGEWIDTH), let h32 = h.u32(TIFFTAG_IMAGELENGTH), w32 > 0, h32 > 0 else {
            throw ImagingError.corrupt(file: file, reason: "missing image dimensions")
        }
        let width = Int(w32), height = Int(h32)
        guard width * height <= ImageFile.maxSamples / 4 else {
            throw ImagingError.unsupported(file: file, reason: "\(width)×\(height) pixels is more than cellphase reads at once")
        }
        let bytesPerSample = bits / 8, rowBytes = width * bytesPerSample
        var raw = [UInt8](repeating: 0, count: height * rowBytes)
        if TIFFIsTiled(h.tif) != 0 {
            try TIFFReader.readTiles(h, into: &raw, width: width, height: height, planes: 1, pixelBytes: bytesPerSample)
        } else {
            try TIFFReader.readStrips(h, into: &raw, height: height, planes: 1, rowBytes: rowBytes)
        }
        if !h.messages.errors.isEmpty { throw ImagingError.corrupt(file: file, reason: h.errorText) }
        let signed = sampleFormat == SAMPLEFORMAT_INT, n = width * height
        let ids = raw.withUnsafeBytes { src in
            (0..<n).map { i -> Int64 in
                switch (bits, signed) {
                case (8, false): Int64(src.load(fromByteOffset: i, as: UInt8.self))
                case (8, true): Int64(src.load(fromByteOffset: i, as: Int8.self))
                case (16, false): Int64(src.load(fromByteOffset: 2 * i, as: UInt16.self))
                case (16, true): Int64(src.load(fromByteOffset: 2 * i, as: Int16.self))
                case (_, false): Int64(src.load(fromByteOffset: 4 * i, as: UInt32.self))
                case (_, true): Int64(src.load(fromByteOffset: 4 * i, as: Int32.self))
                }
            }
        }
        return Plane(width: width, height: height, ids: ids)
    }

    /// Writes ids (0…2³²−1, or −2³¹…2³¹−1 when `signed`) as a single-page 32-bit integer TIFF.
    public static func write32(_ plane: Plane, signed: Bool = false, to url: URL, compression: TIFFCompression = .lzw) throws {
        guard plane.ids.count == plane.width * plane.height else {
            throw ImagingError.writeFailed(file: url.path, reason: "\(plane.ids.count) ids for \(plane.width)×\(plane.height) pixels")
        }
        let range: ClosedRange<Int64> = signed ? Int64(Int32.min)...Int64(Int32.max) : 0...Int64(UInt32.max)
        if let bad = plane.ids.first(where: { !range.contains($0) }) {
            throw ImagingError.writeFailed(file: url.path, reason: "id \(bad) does not fit a 32-bit \(signed ? "signed" : "unsigned") label")
        }
        var bytes = [UInt8](repeating: 0, count: 4 * plane.ids.count)
        bytes.withUnsafeMutableBytes { dst in
            for (i, v) in plane.ids.enumerated() {
                if signed { dst.storeBytes(of: Int32(v), toByteOffset: 4 * i, as: Int32.self) } else {
                    dst.storeBytes(of: UInt32(v), toByteOffset: 4 * i, as: UInt32.self)
                }
            }
        }
        let h = try TIFFHandle(path: url.path, mode: "w")
        try TIFFWriter.writeDirectory(h, samples: bytes, width: plane.width, height: plane.height, channels: 1, bitsPerSample: 32,
                                      sampleFormat: signed ? SAMPLEFORMAT_INT : SAMPLEFORMAT_UINT, compression: compression, page: 0, of: 1)
    }
}
