import Foundation
import Imaging

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
        var raw = [Int32](repeating: 0, count: image.planeSize)
        for i in 0..<image.planeSize {
            let v = image.pixels[i]
            guard v >= 0, v == v.rounded(), v < 2_147_483_648 else {
                throw SegmentationError.invalidLabels("pixel \(i % image.width),\(i / image.width) holds \(v); labels must be non-negative integers")
            }
            raw[i] = Int32(v)
        }
        self = LabelImage(width: image.width, height: image.height, labels: raw, count: 0).relabelled()
    }

    /// Reads a label image written by another tool (TIFF or PNG; 8/16-bit or 32-bit float) and relabels it.
    /// 32-bit *integer* TIFFs are not read by `Imaging` yet: save labels as 16-bit (≤ 65535 objects) instead.
    public static func read(_ url: URL) throws -> LabelImage {
        let image: Image
        do { image = try ImageFile.read(url) } catch let e as ImagingError { throw SegmentationError.image(e) }
        return try LabelImage(importing: image)
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
        var map: [Int32: Int32] = [:]
        var out = labels
        var next: Int32 = 0
        var last: Int32 = 0, lastNew: Int32 = 0
        for i in out.indices {
            let v = out[i]
            if v == 0 { continue }
            if v == last { out[i] = lastNew; continue }
            let n: Int32
            if let m = map[v] { n = m } else { next += 1; n = next; map[v] = n }
            out[i] = n; last = v; lastNew = n
        }
        return LabelImage(width: width, height: height, labels: out, count: Int(next))
    }

    /// The labels as an image: 16-bit when ≤ 65535 objects, else 32-bit float (exact up to 2²⁴).
    public func asImage() -> Image {
        Image(width: width, height: height, channels: 1, format: count <= 65535 ? .uint16 : .float32,
              pixels: labels.map { Float($0) })
    }

    /// Writes a TIFF label image (16-bit unsigned, or 32-bit float beyond 65535 objects), the
    /// form napari, CellProfiler, Fiji and Cellpose/StarDist tooling load as labels.
    public func writeTIFF(to url: URL, compression: TIFFCompression = .lzw) throws {
        do { try TIFFWriter.write(asImage(), to: url, compression: compression) } catch let e as ImagingError {
            throw SegmentationError.image(e)
        }
    }
}
