/// im2col and its adjoint col2im for one image and one group: the copy that turns a convolution into a GEMM.
///
/// The column matrix is `[groupIn·kh·kw, outH·outW]`, row `(c, ky, kx)`, column `(oy, ox)`; padded positions
/// read as zero.
enum Im2Col {
    /// Output columns `ox` whose input column `ox·stride − padLeft + kx` lies inside `0..<inW`.
    @inline(__always)
    static func validRange(_ k: Int, pad: Int, stride s: Int, inSize: Int, outSize: Int) -> Range<Int> {
        let a = pad - k
        let lo = a <= 0 ? 0 : (a + s - 1) / s
        let b = inSize - 1 + pad - k
        let hiFloor = b >= 0 ? b / s : -((-b + s - 1) / s)
        let hi = min(outSize, hiFloor + 1)
        return lo < hi ? lo..<hi : lo..<lo
    }

    /// Fills `col` from the `groupIn` channels of one image starting at `x`; `ld` is the row stride of `col`
    /// (several images of a chunk sit side by side, each `outH·outW` columns wide).
    static func pack(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ g: ConvGeometry, ld: Int? = nil) {
        let outW = g.outW, outH = g.outH, hw = ld ?? g.outPlane, s = g.stride
        for c in 0..<g.groupIn {
            let plane = x + c * g.inPlane
            for ky in 0..<g.kh {
                let oyRange = validRange(ky, pad: g.padTop, stride: s, inSize: g.inH, outSize: outH)
                for kx in 0..<g.kw {
                    let dst = col + ((c * g.kh + ky) * g.kw + kx) * hw
                    let oxRange = validRange(kx, pad: g.padLeft, stride: s, inSize: g.inW, outSize: outW)
                    for oy in 0..<outH {
                        let row = dst + oy * outW
                        guard oyRange.contains(oy), !oxRange.isEmpty else {
                            row.update(repeating: 0, count: outW); continue
                        }
                        let src = plane + (oy * s - g.padTop + ky) * g.inW - g.padLeft + kx
                        if oxRange.lowerBound > 0 { row.update(repeating: 0, count: oxRange.lowerBound) }
                        if s == 1 {
                            (row + oxRange.lowerBound).update(from: src + oxRange.lowerBound, count: oxRange.count)
                        } else {
                            for ox in oxRange { row[ox] = src[ox * s] }
                        }
                        if oxRange.upperBound < outW {
                            (row + oxRange.upperBound).update(repeating: 0, count: outW - oxRange.upperBound)
                        }
                    }
                }
            }
        }
    }

    /// Adds the column matrix back onto the `groupIn` channels of one image at `dx` (which it accumulates into);
    /// `ld` as in `pack`.
    static func unpackAdd(_ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry, ld: Int? = nil) {
        let outW = g.outW, outH = g.outH, hw = ld ?? g.outPlane, s = g.stride
        for c in 0..<g.groupIn {
            let plane = dx + c * g.inPlane
            for ky in 0..<g.kh {
                let oyRange = validRange(ky, pad: g.padTop, stride: s, inSize: g.inH, outSize: outH)
                for kx in 0..<g.kw {
                    let src = col + ((c * g.kh + ky) * g.kw + kx) * hw
                    let oxRange = validRange(kx, pad: g.padLeft, stride: s, inSize: g.inW, outSize: outW)
                    if oxRange.isEmpty { continue }
                    for oy in oyRange {
                        let row = src + oy * outW
                        let dst = plane + (oy * s - g.padTop + ky) * g.inW - g.padLeft + kx
                        if s == 1 {
                            for ox in oxRange { dst[ox] += row[ox] }
                        } else {
                            for ox in oxRange { dst[ox * s] += row[ox] }
                        }
                    }
                }
            }
        }
    }
}
