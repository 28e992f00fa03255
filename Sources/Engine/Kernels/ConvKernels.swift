import Support

/// 2-D convolution as im2col + GEMM (with a direct kernel for depthwise convolutions): forward, gradient with
/// respect to the input, gradient with respect to the filter.
///
/// Images are processed in chunks: the im2col matrices of a chunk sit side by side, so one GEMM covers the chunk
/// (BLAS packs the filter once per chunk instead of once per image, and the filter gradient's GEMM gets a long
/// inner dimension). Chunks are spread over the workers with single-threaded BLAS; a batch smaller than the
/// number of workers splits each GEMM instead (one cell at the microscope still uses every core).
/// Transposed convolutions reuse these functions with the roles of input and output swapped.
public enum ConvKernels {
    /// Upper bound on one chunk's im2col matrix (floats): a few MB, so it stays near the cache.
    static let chunkBudget = 1 << 20
    /// 1×1 convolutions with output planes of at least this many pixels (8×8 and larger) run one image per GEMM,
    /// straight on NCHW: the GEMM's `n` is then long enough, and their im2col matrix would be a mere copy of the
    /// input, their output a copy back (ResNet-50 and EfficientNet-B0 are mostly 1×1 convolutions). Larger kernels
    /// keep their chunks: their im2col copy is needed anyway, and a long GEMM then pays (the SGAN iteration, with its
    /// 3×3 convolutions one image per GEMM, was 5–10 % slower).
    static let singleImagePlane = 64

    /// A partition of the batch into chunks of consecutive images.
    struct Chunking {
        let size: Int
        let count: Int
        init(_ g: ConvGeometry, perImage: Int) {
            let workers = Parallel.workers
            // A 1×1 convolution from `singleImagePlane` output pixels on: one image per chunk, read and written in
            // place, without gathering the chunk into a matrix and scattering it back.
            let fit = g.isPointwise && g.outPlane >= ConvKernels.singleImagePlane
                ? 1 : max(1, chunkBudget / max(perImage, 1))
            var chunks = (g.batch + fit - 1) / fit
            if g.batch >= workers { chunks = ((chunks + workers - 1) / workers) * workers }
            chunks = min(max(chunks, 1), g.batch)
            size = (g.batch + chunks - 1) / chunks
            count = (g.batch + size - 1) / size
        }
        func images(_ c: Int, batch: Int) -> Range<Int> { (c * size)..<min(batch, (c + 1) * size) }
    }

    /// `y = conv(x, w)` (no bias); `y` is overwritten.
    public static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                               _ y: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        if g.isDepthwise { DepthwiseKernels.forward(x, w, y, g); return }
        if NarrowConvKernels.applies(g) { NarrowConvKernels.forward(x, w, y, g); return }
        let ptrs = UncheckedSendable((x, w, y))
        let chunking = Chunking(g, perImage: g.patch * g.outPlane)
        forEachChunk(g, chunking, scratch: (g.patch + g.groupOut) * g.outPlane * chunking.size) { images, scratch, split in
            let (x, w, y) = ptrs.value
            let n = images.count, hw = g.outPlane, ld = n * hw
            let col = scratch, out = scratch + g.patch * ld
            for grp in 0..<g.groups {
                let wg = w + grp * g.groupOut * g.patch
                let b = columns(x, images, group: grp, scratch: col, g)
                if n == 1 {
                    gemm(split, transA: false, transB: false, m: g.groupOut, n: hw, k: g.patch, a: wg, lda: g.patch,
                         b: b, ldb: hw, beta: 0, c: y + (images.lowerBound * g.outC + grp * g.groupOut) * hw, ldc: hw)
                    continue
                }
                gemm(split, transA: false, transB: false, m: g.groupOut, n: ld, k: g.patch, a: wg, lda: g.patch,
                     b: b, ldb: ld, beta: 0, c: out, ldc: ld)
                scatterChunk(out, images, group: grp, into: y, g)
            }
        }
    }

    /// `dx = ∂(Σ dy·conv(x, w))/∂x`; `dx` is overwritten.
    public static func backwardData(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                    _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        if g.isDepthwise { DepthwiseKernels.backwardData(dy, w, dx, g); return }
        if NarrowConvKernels.applies(g) { NarrowConvKernels.backwardData(dy, w, dx, g); return }
        if SubPixelKernels.applies(g) { SubPixelKernels.backwardData(dy, w, dx, g); return }
        let ptrs = UncheckedSendable((dy, w, dx))
        let chunking = Chunking(g, perImage: g.patch * g.outPlane)
        let perChunk = (g.patch + g.groupOut) * g.outPlane * chunking.size
        forEachChunk(g, chunking, scratch: perChunk) { images, scratch, split in
            let (dy, w, dx) = ptrs.value
            let n = images.count, hw = g.outPlane, ld = n * hw
            let col = scratch, gathered = scratch + g.patch * ld
            for grp in 0..<g.groups {
                let wg = w + grp * g.groupOut * g.patch
                let b = outputGradients(dy, images, group: grp, scratch: gathered, g)
                if n == 1 && g.isPointwise {
                    let dxg = dx + (images.lowerBound * g.inC + grp * g.groupIn) * g.inPlane
                    gemm(split, transA: true, transB: false, m: g.patch, n: hw, k: g.groupOut, a: wg, lda: g.patch,
                         b: b, ldb: hw, beta: 0, c: dxg, ldc: hw)
                    continue
                }
                gemm(split, transA: true, transB: false, m: g.patch, n: ld, k: g.groupOut, a: wg, lda: g.patch,
                     b: b, ldb: ld, beta: 0, c: col, ldc: ld)
                for (j, i) in images.enumerated() {
                    let dxg = dx + (i * g.inC + grp * g.groupIn) * g.inPlane
                    if g.isPointwise {
                        for c in 0..<g.groupIn { (dxg + c * hw).update(from: col + c * ld + j * hw, count: hw) }
                    } else {
                        dxg.update(repeating: 0, count: g.groupIn * g.inPlane)
                        Im2Col.unpackAdd(col + j * hw, dxg, g, ld: ld)
                    }
                }
            }
        }
    }

    /// `dw = ∂(Σ dy·conv(x, w))/∂w`; `dw` is overwritten.
    public static func backwardFilter(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                      _ dw: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        if g.isDepthwise { DepthwiseKernels.backwardFilter(x, dy, dw, g); return }
        if NarrowConvKernels.applies(g) { NarrowConvKernels.backwardFilter(x, dy, dw, g); return }
        filterGradient(x, dy, dw, g, forwardWeights: nil, forwardOutput: nil)
    }

    /// `y = conv(x, w)` and `dw = ∂(Σ dyForFilter·conv(x, w))/∂w` in one pass, packing each chunk's im2col
    /// matrix once for both GEMMs (the backward pass of a transposed convolution needs exactly these two).
    /// `y` and `dw` are overwritten.
    public static func forwardAndFilterGradient(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                                _ y: UnsafeMutablePointer<Float>,
                                                _ dyForFilter: UnsafePointer<Float>,
                                                _ dw: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        if g.isDepthwise || NarrowConvKernels.applies(g) {
            forward(x, w, y, g)
            backwardFilter(x, dyForFilter, dw, g)
            return
        }
        filterGradient(x, dyForFilter, dw, g, forwardWeights: w, forwardOutput: y)
    }

    /// The filter gradient, optionally also computing the forward output from the same im2col matrices.
    static func filterGradient(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>,
                               _ g: ConvGeometry, forwardWeights: UnsafePointer<Float>?,
                               forwardOutput: UnsafeMutablePointer<Float>?) {
        let wCount = g.outC * g.patch
        dw.update(repeating: 0, count: wCount)
        let ptrs = UncheckedSendable((x, dy, dw, forwardWeights, forwardOutput))
        let chunking = Chunking(g, perImage: g.patch * g.outPlane)
        let perChunk = (g.patch + 2 * g.groupOut) * g.outPlane * chunking.size
        // One chunk's GEMMs accumulate (beta 1) into `target`: `dw` itself when serial, else the worker's own
        // partial sum, added to `dw` in worker order at the end so the result does not depend on thread timing.
        func run(_ images: Range<Int>, _ scratch: UnsafeMutablePointer<Float>, _ split: Bool, _ target: UnsafeMutablePointer<Float>) {
            let (x, dy, _, fw, fy) = ptrs.value
            let n = images.count, hw = g.outPlane, ld = n * hw
            let col = scratch, gathered = scratch + g.patch * ld, out = gathered + g.groupOut * ld
            for grp in 0..<g.groups {
                let cols = columns(x, images, group: grp, scratch: col, g)
                let grads = outputGradients(dy, images, group: grp, scratch: gathered, g)
                gemm(split, transA: false, transB: true, m: g.groupOut, n: g.patch, k: ld, a: grads, lda: ld,
                     b: cols, ldb: ld, beta: 1, c: target + grp * g.groupOut * g.patch, ldc: g.patch)
                if let fw, let fy {
                    let wg = fw + grp * g.groupOut * g.patch
                    if n == 1 {
                        gemm(split, transA: false, transB: false, m: g.groupOut, n: hw, k: g.patch, a: wg, lda: g.patch,
                             b: cols, ldb: hw, beta: 0, c: fy + (images.lowerBound * g.outC + grp * g.groupOut) * hw,
                             ldc: hw)
                    } else {
                        gemm(split, transA: false, transB: false, m: g.groupOut, n: ld, k: g.patch, a: wg, lda: g.patch,
                             b: cols, ldb: ld, beta: 0, c: out, ldc: ld)
                        scatterChunk(out, images, group: grp, into: fy, g)
                    }
                }
            }
        }
        if g.batch < Parallel.workers {
            withScratch(max(perChunk, 1)) { s in
                for c in 0..<chunking.count { run(chunking.images(c, batch: g.batch), s, true, dw) }
            }
            return
        }
        // Each worker's partial sum sits in its own slice of one pooled buffer (a fresh array per call was a
        // page-faulted allocation of up to 9 MB per layer and step).
        let workers = min(Parallel.workers, chunking.count)
        withScratch(workers * wCount) { partials in
            let out = UncheckedSendable(partials)
            withoutActuallyEscaping(run) { run in
                let body = UncheckedSendable(run)
                Parallel.iterations(workers) { w in
                    let target = out.value + w * wCount
                    target.update(repeating: 0, count: wCount)
                    withScratch(perChunk) { s in
                        for c in (chunking.count * w / workers)..<(chunking.count * (w + 1) / workers) {
                            body.value(chunking.images(c, batch: g.batch), s, false, target)
                        }
                    }
                }
            }
            for w in 0..<workers {
                let src = partials + w * wCount
                for i in 0..<wCount { dw[i] += src[i] }
            }
        }
    }

    /// The chunk's im2col matrix `[patch, n·outPlane]` for group `grp`: the input itself for one image of a 1×1
    /// convolution, else packed into `scratch`.
    @inline(__always)
    static func columns(_ x: UnsafePointer<Float>, _ images: Range<Int>, group grp: Int,
                        scratch: UnsafeMutablePointer<Float>, _ g: ConvGeometry) -> UnsafePointer<Float> {
        if images.count == 1 && g.isPointwise { return x + (images.lowerBound * g.inC + grp * g.groupIn) * g.inPlane }
        packChunk(x, images, group: grp, into: scratch, g)
        return UnsafePointer(scratch)
    }

    /// The chunk's output gradients `[groupOut, n·outPlane]` for group `grp`: read in place for one image, else
    /// gathered side by side into `scratch`.
    @inline(__always)
    static func outputGradients(_ dy: UnsafePointer<Float>, _ images: Range<Int>, group grp: Int,
                                scratch: UnsafeMutablePointer<Float>, _ g: ConvGeometry) -> UnsafePointer<Float> {
        let hw = g.outPlane, ld = images.count * hw
        if images.count == 1 { return dy + (images.lowerBound * g.outC + grp * g.groupOut) * hw }
        for (j, i) in images.enumerated() {
            let src = dy + (i * g.outC + grp * g.groupOut) * hw
            for o in 0..<g.groupOut { (scratch + o * ld + j * hw).update(from: src + o * hw, count: hw) }
        }
        return UnsafePointer(scratch)
    }

    /// The im2col matrices of a chunk's images side by side: `col [patch, n·outPlane]` for group `grp`.
    @inline(__always)
    static func packChunk(_ x: UnsafePointer<Float>, _ images: Range<Int>, group grp: Int,
                          into col: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let hw = g.outPlane, ld = images.count * hw
        for (j, i) in images.enumerated() {
            let xg = x + (i * g.inC + grp * g.groupIn) * g.inPlane
            if g.isPointwise {
                for c in 0..<g.groupIn { (col + c * ld + j * hw).update(from: xg + c * hw, count: hw) }
            } else {
                Im2Col.pack(xg, col + j * hw, g, ld: ld)
            }
        }
    }

    /// Copies a chunk's GEMM result `[groupOut, n·outPlane]` back into the NCHW output of group `grp`.
    @inline(__always)
    static func scatterChunk(_ out: UnsafePointer<Float>, _ images: Range<Int>, group grp: Int,
                             into y: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let hw = g.outPlane, ld = images.count * hw
        for (j, i) in images.enumerated() {
            let dst = y + (i * g.outC + grp * g.groupOut) * hw
            for o in 0..<g.groupOut { (dst + o * hw).update(from: out + o * ld + j * hw, count: hw) }
        }
    }

    /// Runs `body(images, scratch, splitGemm)` for every chunk: chunks over workers, or one GEMM split over the
    /// workers when the batch is smaller than the worker count. `scratch` holds `scratch` floats.
    static func forEachChunk(_ g: ConvGeometry, _ chunking: Chunking, scratch: Int,
                             _ body: (Range<Int>, UnsafeMutablePointer<Float>, Bool) -> Void) {
        if g.batch < Parallel.workers {
            withScratch(max(scratch, 1)) { s in
                for c in 0..<chunking.count { body(chunking.images(c, batch: g.batch), s, true) }
            }
            return
        }
        withoutActuallyEscaping(body) { body in
            let b = UncheckedSendable(body)
            Parallel.forChunks(chunking.count, costPerItem: 1 << 20) { chunks in
                withScratch(max(scratch, 1)) { s in
                    for c in chunks { b.value(chunking.images(c, batch: g.batch), s, false) }
                }
            }
        }
    }

    /// Runs `body(image, scratch, splitGemm)` for every image (one image per chunk).
    static func forEachImage(_ g: ConvGeometry, scratch: Int,
                             _ body: (Int, UnsafeMutablePointer<Float>, Bool) -> Void) {
        let chunking = Chunking(g, perImage: Int.max / 2)
        forEachChunk(g, chunking, scratch: scratch) { images, s, split in
            for i in images { body(i, s, split) }
        }
    }

    @inline(__always)
    static func gemm(_ parallel: Bool, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                     c: UnsafeMutablePointer<Float>, ldc: Int) {
        if parallel {
            BLAS.parallelGemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                              beta: beta, c: c, ldc: ldc)
        } else {
            BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c, ldc: ldc)
        }
    }
}
