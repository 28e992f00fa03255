import Support

/// The input gradient of a strided convolution — which is also the forward pass of a transposed convolution —
/// by sub-pixel decomposition: the input positions of each phase `(iy mod s, ix mod s)` receive contributions from
/// a fixed subset of filter taps, so each phase is a small stride-1 convolution: pack the output gradient for
/// those taps, one GEMM, then write the phase's pixels. This replaces col2im's large scatter-add (for the
/// generator's 4×4 stride-2 layers, a 4× smaller matrix and a GEMM with a 4× longer inner dimension).
enum SubPixelKernels {
    /// Taps of one phase along one axis: filter index and the offset of the output position it reads.
    struct Taps {
        var k: [Int] = []
        var offset: [Int] = []
    }

    /// For phase `p` (input index ≡ p mod stride): taps with `(p + pad − k) mod stride == 0`;
    /// input index `m·stride + p` reads output index `m + (p + pad − k) / stride`.
    static func taps(phase p: Int, pad: Int, kernel: Int, stride s: Int) -> Taps {
        var t = Taps()
        for k in 0..<kernel where ((p + pad - k) % s + s) % s == 0 {
            t.k.append(k)
            t.offset.append((p + pad - k) / s)  // exact division
        }
        return t
    }

    static func applies(_ g: ConvGeometry) -> Bool { g.stride > 1 && g.groups == 1 }

    /// `dx = ∂(Σ dy·conv(x, w))/∂x`, overwriting `dx`.
    static func backwardData(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                             _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let s = g.stride
        struct Phase { var py, px, rows, cols: Int; var ty, tx: Taps; var weights: UnsafeMutablePointer<Float>?; var k: Int }
        var phases: [Phase] = []
        var maxPack = 1, maxOut = 1
        for py in 0..<s {
            for px in 0..<s {
                let rows = (g.inH - py + s - 1) / s, cols = (g.inW - px + s - 1) / s
                if rows <= 0 || cols <= 0 { continue }
                let ty = taps(phase: py, pad: g.padTop, kernel: g.kh, stride: s)
                let tx = taps(phase: px, pad: g.padLeft, kernel: g.kw, stride: s)
                let k = g.outC * ty.k.count * tx.k.count
                var ph = Phase(py: py, px: px, rows: rows, cols: cols, ty: ty, tx: tx, weights: nil, k: k)
                if k > 0 {
                    // Phase filter [inC, outC·|ty|·|tx|]: wp[c, (o, a, b)] = w[o, c, ty[a], tx[b]].
                    let wp = BufferPool.shared.take(g.inC * k)
                    for c in 0..<g.inC {
                        var j = 0
                        for o in 0..<g.outC {
                            for a in ty.k { for b in tx.k { wp[c * k + j] = w[((o * g.inC + c) * g.kh + a) * g.kw + b]; j += 1 } }
                        }
                    }
                    ph.weights = wp
                    maxPack = max(maxPack, k * rows * cols)
                }
                maxOut = max(maxOut, g.inC * rows * cols)
                phases.append(ph)
            }
        }
        defer { for ph in phases { if let p = ph.weights { BufferPool.shared.give(p, count: g.inC * ph.k) } } }

        let ptrs = UncheckedSendable((dy, dx))
        let phaseList = UncheckedSendable(phases)
        ConvKernels.forEachImage(g, scratch: maxPack + maxOut) { n, scratch, parallelGemm in
            let (dy, dx) = ptrs.value
            let src = dy + n * g.outC * g.outPlane, dst = dx + n * g.inC * g.inPlane
            let pack = scratch, out = scratch + maxPack
            for ph in phaseList.value {
                let plane = ph.rows * ph.cols
                if let wp = ph.weights {
                    packPhase(src, pack, g, ph.ty, ph.tx, rows: ph.rows, cols: ph.cols)
                    ConvKernels.gemm(parallelGemm, transA: false, transB: false, m: g.inC, n: plane, k: ph.k,
                                     a: wp, lda: ph.k, b: pack, ldb: plane, beta: 0, c: out, ldc: plane)
                } else {
                    out.update(repeating: 0, count: g.inC * plane)
                }
                for c in 0..<g.inC {
                    let o = out + c * plane, d = dst + c * g.inPlane
                    for m in 0..<ph.rows {
                        let row = d + (m * s + ph.py) * g.inW + ph.px, orow = o + m * ph.cols
                        for j in 0..<ph.cols { row[j * s] = orow[j] }
                    }
                }
            }
        }
    }

    /// Packs `[(o, a, b), rows·cols]` of one image's output gradient for a phase (zero outside the output).
    @inline(__always)
    static func packPhase(_ src: UnsafePointer<Float>, _ pack: UnsafeMutablePointer<Float>, _ g: ConvGeometry,
                          _ ty: Taps, _ tx: Taps, rows: Int, cols: Int) {
        let plane = rows * cols
        var r = 0
        for o in 0..<g.outC {
            let chan = src + o * g.outPlane
            for a in 0..<ty.k.count {
                let dyOff = ty.offset[a]
                for b in 0..<tx.k.count {
                    let dxOff = tx.offset[b]
                    let dst = pack + r * plane
                    r += 1
                    // Valid j: 0 <= j + dxOff < outW.
                    let jLo = max(0, -dxOff), jHi = min(cols, g.outW - dxOff)
                    for m in 0..<rows {
                        let row = dst + m * cols
                        let sy = m + dyOff
                        guard sy >= 0 && sy < g.outH && jLo < jHi else { row.update(repeating: 0, count: cols); continue }
                        if jLo > 0 { row.update(repeating: 0, count: jLo) }
                        (row + jLo).update(from: chan + sy * g.outW + jLo + dxOff, count: jHi - jLo)
                        if jHi < cols { (row + jHi).update(repeating: 0, count: cols - jHi) }
                    }
                }
            }
        }
    }
}
