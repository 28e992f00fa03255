/// Separable smoothing of a plane (row-major `Float`, edges replicated), parallel over row
/// bands. Used before thresholding so that shot noise does not fragment nuclei.
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

    /// Convolution with `kernel` (odd length) along rows, then columns.
    static func separable(_ plane: [Float], width w: Int, height h: Int, kernel k: [Float]) -> [Float] {
        precondition(plane.count == w * h && k.count % 2 == 1)
        let r = k.count / 2
        var tmp = [Float](repeating: 0, count: w * h)
        var out = [Float](repeating: 0, count: w * h)
        plane.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.bands(h, minPerBand: 16) { rows in
                    var pad = [Float](repeating: 0, count: w + 2 * r)
                    pad.withUnsafeMutableBufferPointer { pb in
                        let p = pb.baseAddress!
                        for y in rows {
                            let row = s + y * w, o = d + y * w
                            for i in 0..<(w + 2 * r) { p[i] = row[min(w - 1, max(0, i - r))] }
                            for x in 0..<w { o[x] = 0 }
                            for j in 0..<k.count {
                                let kj = k[j], q = p + j
                                for x in 0..<w { o[x] += kj * q[x] }
                            }
                        }
                    }
                }
            }
        }
        tmp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.bands(h, minPerBand: 16) { rows in
                    for y in rows {
                        let o = d + y * w
                        for x in 0..<w { o[x] = 0 }
                        for j in 0..<k.count {
                            let kj = k[j], row = s + min(h - 1, max(0, y + j - r)) * w
                            for x in 0..<w { o[x] += kj * row[x] }
                        }
                    }
                }
            }
        }
        return out
    }
}

import Foundation
