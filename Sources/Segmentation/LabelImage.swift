import Foundation
import Imaging
import Support

/// A label image: one `Int32` per pixel, 0 = background, objects numbered 1…`count`.
/// It is what the segmenter produces and what users of StarDist, Cellpose or CellProfiler bring
/// instead (`LabelImage(importing:)`, `LabelImage.read(_:)`), so the rest of the whole-field
/// pipeline — features, crops, classification — works the same on either. That pipeline exists
/// because classifying a field cell by cell, as in the SGAN paper (109.7 ms per 64×64 cell,
/// ~28 s per 2048×2048 field of ~250 cells), is too slow to react to a transient mitosis.
public struct LabelImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major labels, 0 = background.
    public var labels: [Int32]
    /// Number of objects; labels are 1…count after `relabelled()` / import.
    public var count: Int

    /// Wraps labels as they are (caller guarantees ids in 0…count).
    public init(width: Int, height: Int, labels: [Int32], count: Int) {
        precondition(labels.count == width * height, "label count does not match shape")
        self.width = width; self.height = height; self.labels = labels; self.count = count
    }

    /// Converts a label image from another tool (8/16-bit or integer-valued 32-bit float, one
    /// channel) and relabels its ids to consecutive 1…n in order of first appearance (raster
    /// order), whatever ids the tool used (gaps, huge ids, random order).
    public init(importing image: Image) throws {
        guard image.width > 0, image.height > 0 else { throw SegmentationError.emptyImage("label image has no pixels") }
        guard image.channels == 1 else {
            throw SegmentationError.invalidLabels("\(image.channels) channels; a label image has one (ids per pixel), not a colour rendering")
        }
        var ids = [Int64](repeating: 0, count: image.planeSize)
        for i in 0..<image.planeSize {
            let v = image.pixels[i]
            guard v == v.rounded(), abs(v) < 9.2e18 else {
                throw SegmentationError.invalidLabels("pixel \(i % image.width),\(i / image.width) holds \(v); labels must be non-negative integers")
            }
            ids[i] = Int64(v)
        }
        try self.init(importing: TIFFLabels.Plane(width: image.width, height: image.height, ids: ids))
    }

    /// Converts integer ids (any width: a 32-bit label TIFF's ids arrive exactly) and relabels
    /// them to consecutive 1…n in raster order of first appearance.
    public init(importing plane: TIFFLabels.Plane) throws {
        guard plane.width > 0, plane.height > 0 else { throw SegmentationError.emptyImage("label image has no pixels") }
        var map: [Int64: Int32] = [:]
        var out = [Int32](repeating: 0, count: plane.ids.count)
        var next: Int32 = 0, last: Int64 = 0, lastNew: Int32 = 0
        for (i, v) in plane.ids.enumerated() {
            if v == 0 { continue }
            guard v > 0 else {
                throw SegmentationError.invalidLabels("pixel \(i % plane.width),\(i / plane.width) holds \(v); labels must be non-negative integers")
            }
            if v == last { out[i] = lastNew; continue }
            let n: Int32
            if let m = map[v] { n = m } else {
                guard next < Int32.max else { throw SegmentationError.invalidLabels("more than \(Int32.max) objects") }
                next += 1; n = next; map[v] = n
            }
            out[i] = n; last = v; lastNew = n
        }
        self.init(width: plane.width, height: plane.height, labels: out, count: Int(next))
    }

    /// Reads a label image written by another tool — a TIFF of 8/16/32-bit integers (signed or
    /// not; Cellpose, StarDist and CellProfiler masks) or integer-valued 32-bit float, or an 8/16-bit
    /// PNG — and relabels it.
    public static func read(_ url: URL) throws -> LabelImage {
        do {
            if ImageFileFormat.detect(url) == .tiff { return try LabelImage(importing: TIFFLabels.read(url)) }
            return try LabelImage(importing: ImageFile.read(url))
        } catch let e as ImagingError {
            throw SegmentationError.image(e)
        } catch SegmentationError.invalidLabels(let m) {
            throw SegmentationError.invalidLabels("\(url.lastPathComponent): \(m)")
        }
    }

    /// Reads and checks that the labels fit a field of `width × height`.
    public static func read(_ url: URL, matching width: Int, _ height: Int) throws -> LabelImage {
        let l = try read(url)
        guard l.width == width, l.height == height else {
            throw SegmentationError.sizeMismatch(expected: (width, height), got: (l.width, l.height), what: "label image \(url.lastPathComponent)")
        }
        return l
    }

    /// The same objects numbered 1…n in raster order of their first pixel (background stays 0).
    public func relabelled() -> LabelImage {
        // Ids here are already valid non-negative Int32s: relabelling cannot fail.
        (try? LabelImage(importing: TIFFLabels.Plane(width: width, height: height, ids: labels.map { Int64($0) }))) ?? self
    }

    /// The labels as an image: 16-bit when ≤ 65535 objects, else 32-bit float (exact up to 2²⁴).
    public func asImage() -> Image {
        Image(width: width, height: height, channels: 1, format: count <= 65535 ? .uint16 : .float32,
              pixels: labels.map { Float($0) })
    }

    /// Writes a TIFF label image — 16-bit unsigned, or 32-bit unsigned integers beyond 65535
    /// objects — the forms napari, CellProfiler, Fiji and Cellpose/StarDist tooling load as labels.
    /// Written to a temporary file renamed over `url`, so a reader never sees half a label image.
    public func writeTIFF(to url: URL, compression: TIFFCompression = .lzw) throws {
        do {
            try AtomicFile.write(to: url) { tmp in
                if count <= 65535 {
                    try TIFFWriter.write(asImage(), to: tmp, compression: compression)
                } else {
                    try TIFFLabels.write32(TIFFLabels.Plane(width: width, height: height, ids: labels.map { Int64($0) }), to: tmp,
                                           compression: compression)
                }
            }
        } catch let e as FileWriteError {
            throw SegmentationError.image(.writeFailed(file: url.path, reason: e.reason))
        }
    }
}
