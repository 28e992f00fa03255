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
    ///
    /// The input is first split into `stride²` zero-bordered phase planes (pixel `(s·r + py, s·c + px)` of the
    /// input is pixel `(r, c)` of plane `(py, px)`), each input pixel touched once. Every filter tap then reads a
    /// plain window of one plane, so each row of the column matrix is a contiguous copy with no bounds checks.
    static func pack(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ g: ConvGeometry, ld: Int? = nil) {
        let ph = PhasePlanes(g)
        withScratch(ph.count * g.groupIn) { planes in
            ph.fill(planes, from: x, channels: g.groupIn, g)
            let hw = ld ?? g.outPlane, outW = g.outW, outH = g.outH
            for c in 0..<g.groupIn {
                for ky in 0..<g.kh {
                    let (py, qy) = PhasePlanes.split(ky - g.padTop, g.stride)
                    for kx in 0..<g.kw {
                        let (px, qx) = PhasePlanes.split(kx - g.padLeft, g.stride)
                        let plane = UnsafePointer(planes) + c * ph.count + (py * g.stride + px) * ph.planeSize
                        let dst = col + ((c * g.kh + ky) * g.kw + kx) * hw
                        let start = plane + (qy - ph.qMinY) * ph.cols + (qx - ph.qMinX)
                        for oy in 0..<outH {
                            let s = start + oy * ph.cols, d = dst + oy * outW
                            for j in 0..<outW { d[j] = s[j] }
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

/// The `stride²` zero-bordered phase planes of one image's channels, laid out so every filter tap of a
/// convolution reads a contiguous window (see `Im2Col.pack`).
struct PhasePlanes {
    let qMinY, qMinX, rows, cols: Int
    let planeSize: Int
    /// Floats for one channel's `stride²` planes.
    let count: Int

    init(_ g: ConvGeometry) {
        let s = g.stride
        let (_, qMinY) = Self.split(-g.padTop, s), (_, qMaxY) = Self.split(g.kh - 1 - g.padTop, s)
        let (_, qMinX) = Self.split(-g.padLeft, s), (_, qMaxX) = Self.split(g.kw - 1 - g.padLeft, s)
        self.qMinY = qMinY
        self.qMinX = qMinX
        rows = g.outH + qMaxY - qMinY
        cols = g.outW + qMaxX - qMinX
        planeSize = rows * cols
        count = planeSize * s * s
    }

    /// `v = s·q + p` with `0 ≤ p < s` (floor division).
    @inline(__always) static func split(_ v: Int, _ s: Int) -> (p: Int, q: Int) {
        let q = v >= 0 ? v / s : -((-v + s - 1) / s)
        return (v - q * s, q)
    }

    /// Writes the planes of `channels` channels of `x` (each `inH×inW`) into `planes`.
    func fill(_ planes: UnsafeMutablePointer<Float>, from x: UnsafePointer<Float>, channels: Int, _ g: ConvGeometry) {
        let s = g.stride
        for c in 0..<channels {
            let src = x + c * g.inPlane
            for py in 0..<s {
                for px in 0..<s {
                    let plane = planes + c * count + (py * s + px) * planeSize
                    // Plane column j holds input column s·(j + qMinX) + px when inside the image.
                    let (jLo, jHi) = validRange(origin: qMinX, phase: px, stride: s, size: g.inW, count: cols)
                    for r in 0..<rows {
                        let row = plane + r * cols
                        let iy = s * (r + qMinY) + py
                        guard iy >= 0 && iy < g.inH && jLo < jHi else { row.update(repeating: 0, count: cols); continue }
                        for j in 0..<jLo { row[j] = 0 }
                        let line = src + iy * g.inW + s * qMinX + px
                        if s == 1 {
                            for j in jLo..<jHi { row[j] = line[j] }
                        } else {
                            for j in jLo..<jHi { row[j] = line[s * j] }
                        }
                        for j in jHi..<cols { row[j] = 0 }
                    }
                }
            }
        }
    }

    /// Plane indices `j` in `0..<count` whose input index `s·(j + origin) + phase` lies in `0..<size`.
    @inline(__always)
    func validRange(origin: Int, phase: Int, stride s: Int, size: Int, count: Int) -> (Int, Int) {
        // s·(j + origin) + phase ≥ 0  ⇔  j ≥ ceil((−phase)/s) − origin
        let lo = max(0, -origin + Self.ceilDiv(-phase, s))
        // s·(j + origin) + phase ≤ size − 1  ⇔  j ≤ floor((size − 1 − phase)/s) − origin
        let hi = min(count, Self.split(size - 1 - phase, s).q - origin + 1)
        return (lo, max(lo, hi))
    }

    @inline(__always) static func ceilDiv(_ a: Int, _ b: Int) -> Int { -split(-a, b).q }
}
