import Foundation
import Support

/// Separable smoothing of a plane (row-major `Float`, edges replicated), parallel over row
/// bands. Used before thresholding so that shot noise does not fragment nuclei (`NucleiSegmenter`), and on model inputs
/// when a bundle asks for it (`PreprocessSettings.smoothing`).
public enum Smoothing {
    /// Gaussian blur with standard deviation `sigma` pixels (kernel radius ⌈3σ⌉); σ ≤ 0 copies.
    public static func gaussian(_ plane: [Float], width: Int, height: Int, sigma: Double) -> [Float] {
        guard sigma > 0, width > 0, height > 0 else { return plane }
        let r = max(1, Int((3 * sigma).rounded(.up)))
        var k = (-r...r).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let total = k.reduce(0, +); k = k.map { $0 / total }
        return separable(plane, width: width, height: height, kernel: k)
    }

    /// Mean over a `(2·radius+1)²` square (a box blur), as a separable filter.
    public static func box(_ plane: [Float], width: Int, height: Int, radius: Int) -> [Float] {
        guard radius > 0, width > 0, height > 0 else { return plane }
        let k = [Float](repeating: 1 / Float(2 * radius + 1), count: 2 * radius + 1)
        return separable(plane, width: width, height: height, kernel: k)
    }

    /// Convolution with `kernel` (odd length) along rows, then columns. Each band keeps its rows'
    /// horizontal results in a small ring of padded rows, so the vertical pass reads them from
    /// cache and no full-size intermediate plane is written; the taps run 8 pixels at a time.
    static func separable(_ plane: [Float], width w: Int, height h: Int, kernel k: [Float]) -> [Float] {
        precondition(plane.count == w * h && k.count % 2 == 1)
        let r = k.count / 2, taps = k.count
        return [Float](unsafeUninitializedCapacity: w * h) { out, initialized in
            plane.withUnsafeBufferPointer { src in
                k.withUnsafeBufferPointer { kb in
                    let s = src.baseAddress!, d = out.baseAddress!, kp = kb.baseAddress!
                    Parallel.bands(h, minPerBand: 16) { rows in
                        // ring[j] holds the horizontally filtered source row that maps to slot j.
                        let ring = UnsafeMutablePointer<Float>.allocate(capacity: taps * w)
                        let pad = UnsafeMutablePointer<Float>.allocate(capacity: w + 2 * r + 8)
                        defer { ring.deallocate(); pad.deallocate() }
                        var slotRow = [Int](repeating: -1, count: taps)
                        func horizontal(_ y: Int, into o: UnsafeMutablePointer<Float>) {
                            let row = s + y * w
                            for i in 0..<r { pad[i] = row[0]; pad[w + r + i] = row[w - 1] }
                            (pad + r).update(from: row, count: w)
                            convolve(pad, kp, taps: taps, count: w, into: o)
                        }
                        let rowPointers = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: taps)
                        defer { rowPointers.deallocate() }
                        for y in rows {
                            for j in 0..<taps {
                                let sy = min(h - 1, max(0, y + j - r))
                                let slot = sy % taps
                                if slotRow[slot] != sy { horizontal(sy, into: ring + slot * w); slotRow[slot] = sy }
                                rowPointers[j] = UnsafePointer(ring + slot * w)
                            }
                            vertical(rowPointers, kp, taps: taps, count: w, into: d + y * w)
                        }
                    }
                }
            }
            initialized = w * h
        }
    }

    /// o[x] = Σⱼ k[j]·p[x + j] for x in 0..<count (p holds count + taps − 1 values).
    @inline(__always)
    static func convolve(_ p: UnsafePointer<Float>, _ k: UnsafePointer<Float>, taps: Int, count: Int,
                         into o: UnsafeMutablePointer<Float>) {
        var x = 0
        while x + 8 <= count {
            var acc = SIMD8<Float>(repeating: 0)
            for j in 0..<taps { acc += k[j] * UnsafeRawPointer(p + x + j).loadUnaligned(as: SIMD8<Float>.self) }
            UnsafeMutableRawPointer(o + x).storeBytes(of: acc, as: SIMD8<Float>.self)
            x += 8
        }
        while x < count {
            var acc: Float = 0
            for j in 0..<taps { acc += k[j] * p[x + j] }
            o[x] = acc; x += 1
        }
    }

    /// o[x] = Σⱼ k[j]·rows[j][x] for x in 0..<count.
    @inline(__always)
    static func vertical(_ rows: UnsafePointer<UnsafePointer<Float>>, _ k: UnsafePointer<Float>, taps: Int, count: Int,
                         into o: UnsafeMutablePointer<Float>) {
        var x = 0
        while x + 8 <= count {
            var acc = SIMD8<Float>(repeating: 0)
            for j in 0..<taps { acc += k[j] * UnsafeRawPointer(rows[j] + x).loadUnaligned(as: SIMD8<Float>.self) }
            UnsafeMutableRawPointer(o + x).storeBytes(of: acc, as: SIMD8<Float>.self)
            x += 8
        }
        while x < count {
            var acc: Float = 0
            for j in 0..<taps { acc += k[j] * rows[j][x] }
            o[x] = acc; x += 1
        }
    }
}
