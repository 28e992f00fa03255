import Support

/// Direct convolution for layers with very few output channels (the generator's last 3×3 convolution from 128
/// feature maps down to one image channel). im2col would write `inC·kh·kw` copies of every input plane for a
/// GEMM with one output row — memory traffic without arithmetic; the direct form adds shifted input rows into
/// the output planes instead, in cache.
enum NarrowConvKernels {
    /// Output channels up to which the direct kernels are used (ungrouped convolutions).
    static let maxOutputChannels = 4

    static func applies(_ g: ConvGeometry) -> Bool {
        g.groups == 1 && g.outC <= maxOutputChannels && g.inC >= 8 && !g.isPointwise
    }

    static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                        _ y: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let p = UncheckedSendable((x, w, y))
        Parallel.forEach(g.batch * g.outC, costPerItem: g.inC * g.outPlane * g.kh * g.kw) { plane in
            let (x, w, y) = p.value
            let n = plane / g.outC, o = plane % g.outC
            let dst = y + plane * g.outPlane
            dst.update(repeating: 0, count: g.outPlane)
            for c in 0..<g.inC {
                let src = x + (n * g.inC + c) * g.inPlane, filt = w + (o * g.inC + c) * g.kh * g.kw
                DepthwiseKernels.forEachTap(g) { ky, kx, oy, ox in
                    let wv = filt[ky * g.kw + kx]
                    let d = dst + oy * g.outW, s = src + (oy * g.stride - g.padTop + ky) * g.inW - g.padLeft + kx
                    if g.stride == 1 { for o in ox { d[o] += wv * s[o] } } else { for o in ox { d[o] += wv * s[o * g.stride] } }
                }
            }
        }
    }

    static func backwardData(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                             _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let p = UncheckedSendable((dy, w, dx))
        Parallel.forEach(g.batch * g.inC, costPerItem: g.outC * g.outPlane * g.kh * g.kw) { plane in
            let (dy, w, dx) = p.value
            let n = plane / g.inC, c = plane % g.inC
            let dst = dx + plane * g.inPlane
            dst.update(repeating: 0, count: g.inPlane)
            for o in 0..<g.outC {
                let src = dy + (n * g.outC + o) * g.outPlane, filt = w + (o * g.inC + c) * g.kh * g.kw
                DepthwiseKernels.forEachTap(g) { ky, kx, oy, ox in
                    let wv = filt[ky * g.kw + kx]
                    let s = src + oy * g.outW, d = dst + (oy * g.stride - g.padTop + ky) * g.inW - g.padLeft + kx
                    if g.stride == 1 { for o in ox { d[o] += wv * s[o] } } else { for o in ox { d[o * g.stride] += wv * s[o] } }
                }
            }
        }
    }

    static func backwardFilter(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                               _ dw: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let p = UncheckedSendable((x, dy, dw))
        let taps = g.kh * g.kw
        Parallel.forEach(g.outC * g.inC, costPerItem: g.batch * g.outPlane * taps) { pair in
            let (x, dy, dw) = p.value
            let o = pair / g.inC, c = pair % g.inC
            var acc = [Double](repeating: 0, count: taps)
            for n in 0..<g.batch {
                let src = x + (n * g.inC + c) * g.inPlane, grad = dy + (n * g.outC + o) * g.outPlane
                DepthwiseKernels.forEachTap(g) { ky, kx, oy, ox in
                    let d = grad + oy * g.outW, s = src + (oy * g.stride - g.padTop + ky) * g.inW - g.padLeft + kx
                    var sum: Float = 0
                    if g.stride == 1 { for o in ox { sum += d[o] * s[o] } } else { for o in ox { sum += d[o] * s[o * g.stride] } }
                    acc[ky * g.kw + kx] += Double(sum)
                }
            }
            for t in 0..<taps { dw[(o * g.inC + c) * taps + t] = Float(acc[t]) }
        }
    }
}
