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
        planes(x, srcPlane: g.inPlane, w, y, dstPlane: g.outPlane, g, gather: true)
    }

    static func backwardData(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                             _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        planes(dy, srcPlane: g.outPlane, w, dx, dstPlane: g.inPlane, g, gather: false)
    }

    /// Forward (`gather`): one task per output plane, summing every input channel's filter applied to its plane.
    /// Input gradient: one task per input-gradient plane, scattering every output channel's gradient back through
    /// its filter. Each task writes only its own destination plane.
    private static func planes(_ src: UnsafePointer<Float>, srcPlane: Int, _ w: UnsafePointer<Float>,
                               _ dst: UnsafeMutablePointer<Float>, dstPlane: Int, _ g: ConvGeometry, gather: Bool) {
        let outer = gather ? g.outC : g.inC, inner = gather ? g.inC : g.outC
        let p = UncheckedSendable((src, w, dst))
        Parallel.forEach(g.batch * outer, costPerItem: inner * g.outPlane * g.kh * g.kw) { plane in
            let (src, w, dst) = p.value
            let n = plane / outer, a = plane % outer, d = dst + plane * dstPlane
            d.update(repeating: 0, count: dstPlane)
            for b in 0..<inner {
                let filt = w + (gather ? a * g.inC + b : b * g.inC + a) * g.kh * g.kw, s = src + (n * inner + b) * srcPlane
                if gather { DepthwiseKernels.gatherTaps(filt, from: s, into: d, g) } else { DepthwiseKernels.scatterTaps(filt, from: s, into: d, g) }
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
