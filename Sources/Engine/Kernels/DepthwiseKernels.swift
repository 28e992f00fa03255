import Support

/// Direct depthwise convolution (one filter per channel): a GEMM per channel would be 1×(kh·kw)×(H·W),
/// far from BLAS's sweet spot. Each kernel walks the filter taps and adds shifted rows, which vectorises.
enum DepthwiseKernels {
    static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                        _ y: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        planes(x, srcPlane: g.inPlane, w, y, dstPlane: g.outPlane, g, gather: true)
    }

    static func backwardData(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                             _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        planes(dy, srcPlane: g.outPlane, w, dx, dstPlane: g.inPlane, g, gather: false)
    }

    /// Every (image, channel) plane in parallel: the destination plane zeroed, then its one filter gathered from
    /// (forward) or scattered back through (input gradient) the source plane.
    private static func planes(_ src: UnsafePointer<Float>, srcPlane: Int, _ w: UnsafePointer<Float>,
                               _ dst: UnsafeMutablePointer<Float>, dstPlane: Int, _ g: ConvGeometry, gather: Bool) {
        let p = UncheckedSendable((src, w, dst))
        Parallel.forEach(g.batch * g.outC, costPerItem: g.outPlane * g.kh * g.kw) { plane in
            let (src, w, dst) = p.value
            let filt = w + (plane % g.outC) * g.kh * g.kw, s = src + plane * srcPlane, d = dst + plane * dstPlane
            d.update(repeating: 0, count: dstPlane)
            if gather { gatherTaps(filt, from: s, into: d, g) } else { scatterTaps(filt, from: s, into: d, g) }
        }
    }

    static func backwardFilter(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                               _ dw: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let p = UncheckedSendable((x, dy, dw))
        Parallel.forEach(g.outC, costPerItem: g.batch * g.outPlane * g.kh * g.kw) { c in
            let (x, dy, dw) = p.value
            let filt = dw + c * g.kh * g.kw
            var acc = [Double](repeating: 0, count: g.kh * g.kw)
            for n in 0..<g.batch {
                let plane = n * g.outC + c
                let src = x + plane * g.inPlane, grad = dy + plane * g.outPlane
                forEachTap(g) { ky, kx, oy, ox in
                    let d = grad + oy * g.outW, s = src + (oy * g.stride - g.padTop + ky) * g.inW - g.padLeft + kx
                    var sum: Float = 0
                    if g.stride == 1 { for o in ox { sum += d[o] * s[o] } } else { for o in ox { sum += d[o] * s[o * g.stride] } }
                    acc[ky * g.kw + kx] += Double(sum)
                }
            }
            for i in 0..<acc.count { filt[i] = Float(acc[i]) }
        }
    }

    /// Forward of one filter plane: adds `filt` applied to the input plane `src` into the output plane `dst`
    /// (each output row gathers its shifted, strided input row, tap by tap).
    @inline(__always)
    static func gatherTaps(_ filt: UnsafePointer<Float>, from src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>,
                           _ g: ConvGeometry) {
        forEachTap(g) { ky, kx, oy, ox in
            let wv = filt[ky * g.kw + kx]
            let d = dst + oy * g.outW, s = src + (oy * g.stride - g.padTop + ky) * g.inW - g.padLeft + kx
            if g.stride == 1 { for o in ox { d[o] += wv * s[o] } } else { for o in ox { d[o] += wv * s[o * g.stride] } }
        }
    }

    /// Input gradient of one filter plane, the adjoint of `gatherTaps`: scatters the output-gradient plane `src`,
    /// weighted by `filt`, back into the input-gradient plane `dst`.
    @inline(__always)
    static func scatterTaps(_ filt: UnsafePointer<Float>, from src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>,
                            _ g: ConvGeometry) {
        forEachTap(g) { ky, kx, oy, ox in
            let wv = filt[ky * g.kw + kx]
            let s = src + oy * g.outW, d = dst + (oy * g.stride - g.padTop + ky) * g.inW - g.padLeft + kx
            if g.stride == 1 { for o in ox { d[o] += wv * s[o] } } else { for o in ox { d[o * g.stride] += wv * s[o] } }
        }
    }

    /// Calls `body(ky, kx, oy, oxRange)` for every filter tap and output row whose inputs lie inside the image.
    @inline(__always)
    static func forEachTap(_ g: ConvGeometry, _ body: (Int, Int, Int, Range<Int>) -> Void) {
        for ky in 0..<g.kh {
            let oyRange = Im2Col.validRange(ky, pad: g.padTop, stride: g.stride, inSize: g.inH, outSize: g.outH)
            for kx in 0..<g.kw {
                let oxRange = Im2Col.validRange(kx, pad: g.padLeft, stride: g.stride, inSize: g.inW, outSize: g.outW)
                if oxRange.isEmpty { continue }
                for oy in oyRange { body(ky, kx, oy, oxRange) }
            }
        }
    }
}
