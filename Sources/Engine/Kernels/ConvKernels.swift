#if canImport(Glibc)
import Glibc
#endif
/// 2-D convolution as im2col + GEMM (with a direct kernel for depthwise convolutions): forward, gradient with
/// respect to the input, gradient with respect to the filter.
///
/// Work is split over the batch, one image per worker at a time with single-threaded BLAS; a batch smaller than
/// the number of workers splits each GEMM instead (one cell at the microscope still uses every core).
/// Transposed convolutions reuse these three functions with the roles of input and output swapped.
public enum ConvKernels {
    /// `y = conv(x, w)` (no bias); `y` is overwritten.
    public static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                               _ y: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        if g.isDepthwise { DepthwiseKernels.forward(x, w, y, g); return }
        let ptrs = UncheckedSendable((x, w, y))
        forEachImage(g, scratch: g.isPointwise ? 0 : g.patch * g.outPlane) { n, col, parallelGemm in
            let (x, w, y) = ptrs.value
            for grp in 0..<g.groups {
                let xg = x + (n * g.inC + grp * g.groupIn) * g.inPlane
                let b: UnsafePointer<Float>
                if g.isPointwise { b = xg } else { Im2Col.pack(xg, col, g); b = UnsafePointer(col) }
                gemm(parallelGemm, transA: false, transB: false, m: g.groupOut, n: g.outPlane, k: g.patch,
                     a: w + grp * g.groupOut * g.patch, lda: g.patch, b: b, ldb: g.outPlane, beta: 0,
                     c: y + (n * g.outC + grp * g.groupOut) * g.outPlane, ldc: g.outPlane)
            }
        }
    }

    /// `dx = ∂(Σ dy·conv(x, w))/∂x`; `dx` is overwritten.
    public static func backwardData(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                    _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        if g.isDepthwise { DepthwiseKernels.backwardData(dy, w, dx, g); return }
        if SubPixelKernels.applies(g) && getenv("CP_NO_SUBPIXEL") == nil { SubPixelKernels.backwardData(dy, w, dx, g); return }
        let ptrs = UncheckedSendable((dy, w, dx))
        forEachImage(g, scratch: g.isPointwise ? 0 : g.patch * g.outPlane) { n, col, parallelGemm in
            let (dy, w, dx) = ptrs.value
            for grp in 0..<g.groups {
                let dyg = dy + (n * g.outC + grp * g.groupOut) * g.outPlane
                let dxg = dx + (n * g.inC + grp * g.groupIn) * g.inPlane
                let wg = w + grp * g.groupOut * g.patch
                if g.isPointwise {
                    gemm(parallelGemm, transA: true, transB: false, m: g.patch, n: g.outPlane, k: g.groupOut,
                         a: wg, lda: g.patch, b: dyg, ldb: g.outPlane, beta: 0, c: dxg, ldc: g.outPlane)
                } else {
                    gemm(parallelGemm, transA: true, transB: false, m: g.patch, n: g.outPlane, k: g.groupOut,
                         a: wg, lda: g.patch, b: dyg, ldb: g.outPlane, beta: 0, c: col, ldc: g.outPlane)
                    dxg.update(repeating: 0, count: g.groupIn * g.inPlane)
                    Im2Col.unpackAdd(col, dxg, g)
                }
            }
        }
    }

    /// `dw = ∂(Σ dy·conv(x, w))/∂w`; `dw` is overwritten.
    public static func backwardFilter(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                      _ dw: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        if g.isDepthwise { DepthwiseKernels.backwardFilter(x, dy, dw, g); return }
        let wCount = g.outC * g.patch
        dw.update(repeating: 0, count: wCount)
        let lock = Lock()
        let ptrs = UncheckedSendable((x, dy, dw))
        let colCount = g.isPointwise ? 0 : g.patch * g.outPlane
        let accumulate = { (images: Range<Int>, parallelGemm: Bool, target: UnsafeMutablePointer<Float>,
                            col: UnsafeMutablePointer<Float>) in
            let (x, dy, _) = ptrs.value
            for n in images {
                for grp in 0..<g.groups {
                    let xg = x + (n * g.inC + grp * g.groupIn) * g.inPlane
                    let b: UnsafePointer<Float>
                    if g.isPointwise { b = xg } else { Im2Col.pack(xg, col, g); b = UnsafePointer(col) }
                    gemm(parallelGemm, transA: false, transB: true, m: g.groupOut, n: g.patch, k: g.outPlane,
                         a: dy + (n * g.outC + grp * g.groupOut) * g.outPlane, lda: g.outPlane,
                         b: b, ldb: g.outPlane, beta: 1, c: target + grp * g.groupOut * g.patch, ldc: g.patch)
                }
            }
        }
        if g.batch < Parallel.threadCount {
            withScratch(max(colCount, 1)) { col in accumulate(0..<g.batch, true, ptrs.value.2, col) }
            return
        }
        let acc = UncheckedSendable(accumulate)
        Parallel.forChunks(g.batch, costPerItem: 1 << 20) { images in
            withScratch(wCount, zeroed: true) { local in
                withScratch(max(colCount, 1)) { col in acc.value(images, false, local, col) }
                lock.withLock {
                    let dw = ptrs.value.2
                    for i in 0..<wCount { dw[i] += local[i] }
                }
            }
        }
    }

    /// `y = conv(x, w)` and `dw = ∂(Σ dyForFilter·conv(x, w))/∂w` in one pass, packing each image's im2col
    /// matrix once for both GEMMs (the backward pass of a transposed convolution needs exactly these two).
    /// `y` and `dw` are overwritten.
    public static func forwardAndFilterGradient(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                                _ y: UnsafeMutablePointer<Float>,
                                                _ dyForFilter: UnsafePointer<Float>,
                                                _ dw: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        if g.isDepthwise || g.isPointwise || g.groups > 1 {
            forward(x, w, y, g)
            backwardFilter(x, dyForFilter, dw, g)
            return
        }
        let wCount = g.outC * g.patch, colCount = g.patch * g.outPlane
        dw.update(repeating: 0, count: wCount)
        let lock = Lock()
        let ptrs = UncheckedSendable((x, w, y, dyForFilter, dw))
        let work = { (images: Range<Int>, parallelGemm: Bool, target: UnsafeMutablePointer<Float>,
                      col: UnsafeMutablePointer<Float>) in
            let (x, w, y, dyF, _) = ptrs.value
            for n in images {
                Im2Col.pack(x + n * g.inC * g.inPlane, col, g)
                gemm(parallelGemm, transA: false, transB: false, m: g.outC, n: g.outPlane, k: g.patch,
                     a: w, lda: g.patch, b: col, ldb: g.outPlane, beta: 0, c: y + n * g.outC * g.outPlane,
                     ldc: g.outPlane)
                gemm(parallelGemm, transA: false, transB: true, m: g.outC, n: g.patch, k: g.outPlane,
                     a: dyF + n * g.outC * g.outPlane, lda: g.outPlane, b: col, ldb: g.outPlane, beta: 1,
                     c: target, ldc: g.patch)
            }
        }
        if g.batch < Parallel.threadCount {
            withScratch(colCount) { col in work(0..<g.batch, true, ptrs.value.4, col) }
            return
        }
        let body = UncheckedSendable(work)
        Parallel.forChunks(g.batch, costPerItem: 1 << 20) { images in
            withScratch(wCount, zeroed: true) { local in
                withScratch(colCount) { col in body.value(images, false, local, col) }
                lock.withLock {
                    let dw = ptrs.value.4
                    for i in 0..<wCount { dw[i] += local[i] }
                }
            }
        }
    }

    /// Runs `body(image, scratch, splitGemm)` for every image: images over workers, or GEMMs split when the
    /// batch is smaller than the worker count.
    static func forEachImage(_ g: ConvGeometry, scratch: Int,
                             _ body: (Int, UnsafeMutablePointer<Float>, Bool) -> Void) {
        if g.batch < Parallel.threadCount {
            withScratch(max(scratch, 1)) { col in for n in 0..<g.batch { body(n, col, true) } }
            return
        }
        withoutActuallyEscaping(body) { body in
            let b = UncheckedSendable(body)
            Parallel.forChunks(g.batch, costPerItem: 1 << 20) { images in
                withScratch(max(scratch, 1)) { col in for n in images { b.value(n, col, false) } }
            }
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
