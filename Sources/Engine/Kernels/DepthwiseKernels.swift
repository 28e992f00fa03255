import Support

/// Direct depthwise convolution (one filter per channel): a GEMM per channel would be 1×(kh·kw)×(H·W),
/// far from BLAS's sweet spot. Each kernel walks the filter taps and adds shifted rows, which vectorises.
enum DepthwiseKernels {
    static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                        _ y: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let p = UncheckedSendable((x, w, y))
        Parallel.forEach(g.batch * g.outC, costPerItem: g.outPlane * g.kh * g.kw) { plane in
            let (x, w, y) = p.value
            let c = plane % g.outC
            let src = x + plane * g.inPlane, dst = y + plane * g.outPlane, filt = w + c * g.kh * g.kw
            dst.update(repeating: 0, count: g.outPlane)
            forEachTap(g) { ky, kx, oy, ox in
                let wv = filt[ky * g.kw + kx]
                let d = dst + oy * g.outW, s = src + (oy * g.stride - g.padTop + ky) * g.inW - g.padLeft + kx
                if g.stride == 1 { for o in ox { d[o] += wv * s[o] } } else { for o in ox { d[o] += wv * s[o * g.stride] } }
            }
        }
    }

    static func backwardData(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                             _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let p = UncheckedSendable((dy, w, dx))
        Parallel.forEach(g.batch * g.outC, costPerItem: g.outPlane * g.kh * g.kw) { plane in
            let (dy, w, dx) = p.value
            let c = plane % g.outC
            let src = dy + plane * g.outPlane, dst = dx + plane * g.inPlane, filt = w + c * g.kh * g.kw
            dst.update(repeating: 0, count: g.inPlane)
            forEachTap(g) { ky, kx, oy, ox in
                let wv = filt[ky * g.kw + kx]
                let s = src + oy * g.outW, d = dst + (oy * g.stride - g.padTop + ky) * g.inW - g.padLeft + kx
                if g.stride == 1 { for o in ox { d[o] += wv * s[o] } } else { for o in ox { d[o * g.stride] += wv * s[o] } }
            }
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
