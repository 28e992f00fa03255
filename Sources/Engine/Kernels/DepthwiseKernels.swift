import Support

/// Direct depthwise convolution (one filter per channel): a GEMM per channel would be 1×(kh·kw)×(H·W), far from
/// BLAS's sweet spot, and a loop plane by plane is mostly loop overhead on the 2×2…32×32 planes of EfficientNet
/// or MobileNet at 64 px. So the channels are the vector axis, as in oneDNN's blocked depthwise kernels: each work
/// item (an image, or a block of its channels) copies its input once into a zero-bordered `[H, W, C]` buffer, and
/// every output pixel accumulates its kh·kw taps as contiguous vector operations over the channels — no bounds
/// checks, no strided loads, whatever the stride.
enum DepthwiseKernels {
    /// The work items: images, each split into channel blocks when there are fewer images than cores.
    struct Blocks {
        let g: ConvGeometry
        let perImage: Int, width: Int
        init(_ g: ConvGeometry) {
            self.g = g
            let split = g.batch >= Parallel.workers ? 1 : Swift.min(Parallel.workers, Swift.max(1, g.outC / 8))
            width = (g.outC + split - 1) / split
            perImage = (g.outC + width - 1) / width
        }
        var count: Int { g.batch * perImage }
        /// Image and channel range of item `i`.
        func item(_ i: Int) -> (n: Int, channels: Range<Int>) {
            let b = i % perImage
            return (i / perImage, b * width..<Swift.min(g.outC, (b + 1) * width))
        }
        /// Padded rows and columns of the `[H, W, C]` buffer.
        var paddedH: Int { g.inH + g.padTop + g.padBottom }
        var paddedW: Int { g.inW + g.padLeft + g.padRight }
        var cost: Int { g.outPlane * g.kh * g.kw * width }
        /// Where each tap of an output pixel sits in the padded buffer of `cw` channels, relative to the pixel's
        /// window corner.
        func tapOffsets(_ cw: Int) -> [Int] {
            (0..<g.kh * g.kw).map { t in ((t / g.kw) * paddedW + t % g.kw) * cw }
        }
        /// `body(o, corner)` for every output pixel `o`: `corner` is its window's first element in the padded buffer.
        @inline(__always)
        func forEachPixel(_ cw: Int, _ body: (Int, Int) -> Void) {
            for oy in 0..<g.outH {
                for ox in 0..<g.outW { body(oy * g.outW + ox, (oy * g.stride * paddedW + ox * g.stride) * cw) }
            }
        }
    }

    /// `w [C, kh·kw]` as `[kh·kw, C]`: each tap's weights over the channels, contiguous.
    static func tapMajor(_ w: UnsafePointer<Float>, _ g: ConvGeometry, into wt: UnsafeMutablePointer<Float>) {
        let kk = g.kh * g.kw
        for c in 0..<g.outC { for t in 0..<kk { wt[t * g.outC + c] = w[c * kk + t] } }
    }

    /// Channels `cs` of image plane set `src` (`[C, H, W]`) into the zero-bordered `[paddedH, paddedW, cs.count]` buffer.
    @inline(__always)
    static func pack(_ src: UnsafePointer<Float>, _ cs: Range<Int>, _ b: Blocks, into buf: UnsafeMutablePointer<Float>) {
        let g = b.g, cw = cs.count
        buf.update(repeating: 0, count: b.paddedH * b.paddedW * cw)
        for (j, c) in cs.enumerated() {
            let plane = src + c * g.inPlane
            for iy in 0..<g.inH {
                let row = buf + ((iy + g.padTop) * b.paddedW + g.padLeft) * cw + j
                let s = plane + iy * g.inW
                for ix in 0..<g.inW { row[ix * cw] = s[ix] }
            }
        }
    }

    static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                        _ y: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let b = Blocks(g), kk = g.kh * g.kw
        withScratch(kk * g.outC) { wt in
            tapMajor(w, g, into: wt)
            let p = UncheckedSendable((x, UnsafePointer(wt), y))
            Parallel.forEach(b.count, costPerItem: b.cost) { i in
                let (x, wt, y) = p.value
                let (n, cs) = b.item(i), cw = cs.count
                withScratch(b.paddedH * b.paddedW * cw + cw) { buf in
                    pack(x + n * g.inC * g.inPlane, cs, b, into: buf)
                    let acc = buf + b.paddedH * b.paddedW * cw, taps = b.tapOffsets(cw), w0 = wt + cs.lowerBound
                    let out = y + n * g.outC * g.outPlane + cs.lowerBound * g.outPlane
                    b.forEachPixel(cw) { o, corner in
                        acc.update(repeating: 0, count: cw)
                        for t in 0..<kk {
                            let s = buf + corner + taps[t], wv = w0 + t * g.outC
                            for j in 0..<cw { acc[j] += wv[j] * s[j] }
                        }
                        for j in 0..<cw { out[j * g.outPlane + o] = acc[j] }
                    }
                }
            }
        }
    }

    static func backwardData(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                             _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let b = Blocks(g), kk = g.kh * g.kw
        withScratch(kk * g.outC) { wt in
            tapMajor(w, g, into: wt)
            let p = UncheckedSendable((dy, UnsafePointer(wt), dx))
            Parallel.forEach(b.count, costPerItem: b.cost) { i in
                let (dy, wt, dx) = p.value
                let (n, cs) = b.item(i), cw = cs.count
                withScratch(b.paddedH * b.paddedW * cw + cw) { buf in
                    buf.update(repeating: 0, count: b.paddedH * b.paddedW * cw)
                    let grad = buf + b.paddedH * b.paddedW * cw, taps = b.tapOffsets(cw), w0 = wt + cs.lowerBound
                    let src = dy + n * g.outC * g.outPlane + cs.lowerBound * g.outPlane
                    b.forEachPixel(cw) { o, corner in
                        for j in 0..<cw { grad[j] = src[j * g.outPlane + o] }
                        for t in 0..<kk {
                            let d = buf + corner + taps[t], wv = w0 + t * g.outC
                            for j in 0..<cw { d[j] += wv[j] * grad[j] }
                        }
                    }
                    // Unpack the inner region (the border collected gradients of zero padding: dropped).
                    let image = dx + n * g.inC * g.inPlane
                    for (j, c) in cs.enumerated() {
                        let plane = image + c * g.inPlane
                        for iy in 0..<g.inH {
                            let row = buf + ((iy + g.padTop) * b.paddedW + g.padLeft) * cw + j
                            let d = plane + iy * g.inW
                            for ix in 0..<g.inW { d[ix] = row[ix * cw] }
                        }
                    }
                }
            }
        }
    }

    static func backwardFilter(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                               _ dw: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let b = Blocks(g), kk = g.kh * g.kw
        // Tap-major sums over the batch, in double: each item adds its image's float partial sums under the lock.
        var total = [Double](repeating: 0, count: kk * g.outC)
        let lock = Lock()
        total.withUnsafeMutableBufferPointer { totalBuffer in
            let p = UncheckedSendable((x, dy, totalBuffer.baseAddress!))
            Parallel.forEach(b.count, costPerItem: b.cost) { i in
                let (x, dy, total) = p.value
                let (n, cs) = b.item(i), cw = cs.count
                withScratch(b.paddedH * b.paddedW * cw + cw + kk * cw) { buf in
                    pack(x + n * g.inC * g.inPlane, cs, b, into: buf)
                    let grad = buf + b.paddedH * b.paddedW * cw, part = grad + cw, taps = b.tapOffsets(cw)
                    part.update(repeating: 0, count: kk * cw)
                    let src = dy + n * g.outC * g.outPlane + cs.lowerBound * g.outPlane
                    b.forEachPixel(cw) { o, corner in
                        for j in 0..<cw { grad[j] = src[j * g.outPlane + o] }
                        for t in 0..<kk {
                            let s = buf + corner + taps[t], acc = part + t * cw
                            for j in 0..<cw { acc[j] += grad[j] * s[j] }
                        }
                    }
                    lock.withLock {
                        for t in 0..<kk {
                            let dst = total + t * g.outC + cs.lowerBound, srcPart = part + t * cw
                            for j in 0..<cw { dst[j] += Double(srcPart[j]) }
                        }
                    }
                }
            }
        }
        for c in 0..<g.outC { for t in 0..<kk { dw[c * kk + t] = Float(total[t * g.outC + c]) } }
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
