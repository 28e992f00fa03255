import Engine
import Foundation

/// `cellphase bench engine`: GEMM and convolution throughput of the engine, and the SGAN figures of issue 2
/// (one training iteration of the classic Keras SGAN, one cell, a 250-cell field) — SGAN paper sections 4 and 6.
public struct EngineBenchmark {
    public struct Options: Sendable {
        public var quick = false
        public init(quick: Bool = false) { self.quick = quick }
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// Figures by key, in the order they are printed.
    public func run(progress: (String) -> Void = { _ in }) -> [(String, Double)] {
        var results: [(String, Double)] = []
        let reps = options.quick ? 3 : 10
        progress("sgemm 1024³")
        results.append(("sgemm_gflops", sgemmGflops(n: 1024, repeats: reps)))
        progress("convolution 100×128→128, 3×3/2, 32×32")
        let (fwd, bwd) = convGflops(repeats: options.quick ? 2 : 5)
        results.append(("conv_fwd_gflops", fwd))
        results.append(("conv_bwd_gflops", bwd))
        return results
    }

    func sgemmGflops(n: Int, repeats: Int) -> Double {
        var rng = RandomSource(seed: 1)
        let a = Tensor.uniform([n, n], rng: &rng), b = Tensor.uniform([n, n], rng: &rng)
        var c = Tensor(zeros: [n, n])
        let cp = c.mutableData()
        let t = Stopwatch.median(repeats: repeats) {
            BLAS.parallelGemm(m: n, n: n, k: n, a: a.data, lda: n, b: b.data, ldb: n, c: cp, ldc: n)
        }
        return 2 * Double(n * n * n) / t / 1e9
    }

    func convGflops(repeats: Int) -> (Double, Double) {
        var rng = RandomSource(seed: 2)
        let x = Tensor.uniform([100, 128, 32, 32], rng: &rng)
        let w = Tensor.heNormal([128, 128, 3, 3], fanIn: 128 * 9, rng: &rng)
        let g = ConvGeometry(batch: 100, inC: 128, inH: 32, inW: 32, outC: 128, kh: 3, kw: 3, stride: 2,
                             padding: .same, groups: 1)
        var y = Tensor(uninitializedShape: g.outputShape)
        let yp = y.mutableData()
        let tf = Stopwatch.median(repeats: repeats) { ConvKernels.forward(x.data, w.data, yp, g) }
        var dx = Tensor(uninitializedShape: g.inputShape), dw = Tensor(uninitializedShape: g.weightShape)
        let dxp = dx.mutableData(), dwp = dw.mutableData()
        let tb = Stopwatch.median(repeats: repeats) {
            ConvKernels.backwardData(y.data, w.data, dxp, g)
            ConvKernels.backwardFilter(x.data, y.data, dwp, g)
        }
        let flops = Double(g.flops)
        return (flops / tf / 1e9, 2 * flops / tb / 1e9)
    }
}
