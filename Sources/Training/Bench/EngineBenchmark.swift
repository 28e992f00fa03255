import Engine
import Foundation
import Models
import NN
import Support

/// `cellphase bench engine`: GEMM and convolution throughput of the engine, and the SGAN figures of issue 2
/// (one training iteration of the classic Keras SGAN, one cell, a 250-cell field) — SGAN paper sections 4 and 6.
public struct EngineBenchmark {
    public struct Options: Sendable {
        public var quick = false
        /// Parts to run: any of "gemm", "conv", "sgan", "train", "inference" (all when empty).
        public var parts: Set<String> = []
        public init(quick: Bool = false, parts: Set<String> = []) { self.quick = quick; self.parts = parts }
        func runs(_ part: String) -> Bool { parts.isEmpty || parts.contains(part) }
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// Figures by key, in the order they are printed.
    public func run(progress: (String) -> Void = { _ in }) -> [(String, Double)] {
        var results: [(String, Double)] = []
        let reps = options.quick ? 3 : 10
        if options.runs("gemm") {
            progress("sgemm 1024³")
            results.append(("sgemm_gflops", sgemmGflops(n: 1024, repeats: reps)))
        }
        if options.runs("conv") {
            progress("convolution 100×128→128, 3×3/2, 32×32")
            let (fwd, bwd) = convGflops(repeats: options.quick ? 2 : 5)
            results.append(("conv_fwd_gflops", fwd))
            results.append(("conv_bwd_gflops", bwd))
        }
        let sgan = SGANIteration(config: .classic(classes: 5), seed: 3)
        if options.runs("sgan") {
        progress("SGAN iteration (N_B = 100)")
        let phases = sganIteration(sgan, repeats: options.quick ? 3 : 10)
        results.append(("sgan_iteration_ms", 1000 * phases.total))
        results.append(("sgan_supervised_ms", 1000 * phases.supervised))
        results.append(("sgan_real_ms", 1000 * phases.real))
        results.append(("sgan_fake_ms", 1000 * phases.fake))
        results.append(("sgan_generator_ms", 1000 * phases.generator))
        progress("SGAN iteration, cellphase's default widths (N_B = 100)")
        let light = sganIteration(SGANIteration(config: { var c = SGANConfig.light; c.classes = 5; return c }(), seed: 3),
                                  repeats: options.quick ? 3 : 10)
        results.append(("sgan_light_iteration_ms", 1000 * light.total))
        results.append(("sgan_light_generator_ms", 1000 * light.generator))
        }
        if options.runs("train") {
            for (name, key) in Self.trainedArchitectures {
                progress("\(name) training step (batch 32, 64×64×1)")
                results.append((key, 1000 * trainingStep(name, repeats: options.quick ? 3 : 10)))
            }
        }
        if options.runs("inference") {
        progress("one cell, 250 cells")
        let (cell, field) = inference(sgan.discriminator, cellCalls: options.quick ? 200 : 1000)
        results.append(("cell_latency_ms", 1000 * cell))
        results.append(("field_250_ms", 1000 * field))
        progress("250 cells through the low-depth CNN")
        let lowdepth = try! ModelRegistry.make(ModelConfig(architecture: "lowdepth", inputSide: 64, classes: 7), seed: 5)
        results.append(("lowdepth_field_250_ms", 1000 * fieldInference(lowdepth)))
        }
        return results
    }

    /// The architectures whose training step is timed, and their keys (`scripts/bench-keras-reference` prints the same).
    static let trainedArchitectures = [("lowdepth", "lowdepth_step_ms"), ("resnet18", "resnet18_step_ms"),
                                       ("resnet50", "resnet50_step_ms"), ("efficientnet-b0", "efficientnet_b0_step_ms")]

    /// Median seconds of one supervised training step as `cellphase train` takes it — forward, cross-entropy,
    /// backward and an Adam update — on a batch of 32 64×64×1 images, 7 classes (augmentation excluded).
    func trainingStep(_ architecture: String, repeats: Int) -> Double {
        let model = try! ModelRegistry.make(ModelConfig(architecture: architecture, inputSide: 64, classes: 7), seed: 6)
        var rng = RandomSource(seed: 7)
        let x = Tensor.uniform([32, 1, 64, 64], low: 0, high: 1, rng: &rng)
        let labels = (0..<32).map { $0 % 7 }
        let optimizer = Adam(parameters: model.trainableParameters, learningRate: 1e-3)
        var seed: UInt64 = 0
        return Stopwatch.median(repeats: repeats, warmup: 2) {
            seed += 1
            let tape = Tape(training: true, seed: seed)
            let loss = sparseCrossEntropy(logits: model(tape.constant(x)), labels: labels)
            tape.backward(loss)
            optimizer.step()
        }
    }

    /// Median seconds for 250 64×64 cells as one batch through `model.infer`.
    func fieldInference(_ model: Module) -> Double {
        var rng = RandomSource(seed: 8)
        let field = Tensor.uniform([250, 1, 64, 64], low: 0, high: 1, rng: &rng)
        return Stopwatch.median(repeats: options.quick ? 5 : 20, warmup: 3) { _ = model.infer(field) }
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

    /// Median seconds of one published SGAN iteration and of each of its four updates.
    func sganIteration(_ sgan: SGANIteration, repeats: Int)
        -> (total: Double, supervised: Double, real: Double, fake: Double, generator: Double) {
        var rng = RandomSource(seed: 4)
        let labelled = Tensor.uniform([100, 1, 64, 64], low: -1, high: 1, rng: &rng)
        let labels = (0..<100).map { $0 % 5 }
        let unlabelled = Tensor.uniform([50, 1, 64, 64], low: -1, high: 1, rng: &rng)
        for _ in 0..<2 { _ = sgan.iteration(labelled: labelled, labels: labels, unlabelled: unlabelled) }
        var samples: [[Double]] = []
        for _ in 0..<max(repeats, 1) {
            let a = Stopwatch.time { sgan.supervisedStep(images: labelled, labels: labels) }
            let b = Stopwatch.time { sgan.realStep(images: unlabelled) }
            let c = Stopwatch.time { sgan.fakeStep(count: 50) }
            let d = Stopwatch.time { sgan.generatorStep(count: 100) }
            samples.append([a + b + c + d, a, b, c, d])
        }
        func median(_ k: Int) -> Double { let v = samples.map { $0[k] }.sorted(); return v[v.count / 2] }
        return (median(0), median(1), median(2), median(3), median(4))
    }

    /// Median seconds for one 64×64 cell and for 250 cells as one batch, in inference mode.
    func inference(_ d: SGANDiscriminator, cellCalls: Int) -> (Double, Double) {
        var rng = RandomSource(seed: 5)
        let cell = Tensor.uniform([1, 1, 64, 64], low: -1, high: 1, rng: &rng)
        let field = Tensor.uniform([250, 1, 64, 64], low: -1, high: 1, rng: &rng)
        let tc = Stopwatch.median(repeats: cellCalls, warmup: 20) { _ = d.infer(cell) }
        let tf = Stopwatch.median(repeats: 20, warmup: 3) { _ = d.infer(field) }
        return (tc, tf)
    }
}
