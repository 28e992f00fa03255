import Engine
@testable import NN
import Support
import TestSupport
import XCTest

/// A two-level model to check names: backbone.block1.{dense,bn}, head.
final class Block: Module {
    let dense: Dense, bn: BatchNorm
    init(rng: inout RandomSource) {
        dense = Dense(3, 4, rng: &rng); bn = BatchNorm(4)
        super.init()
        register(module: dense, "dense"); register(module: bn, "bn")
    }
    override func callAsFunction(_ x: Variable) -> Variable { bn(dense(x)).relu() }
}

final class Net: Module {
    let backbone: Sequential, head: Dense
    init(seed: UInt64) {
        var rng = RandomSource(seed: seed)
        backbone = Sequential(named: [("block1", Block(rng: &rng))])
        head = Dense(4, 2, rng: &rng)
        super.init()
        register(module: backbone, "backbone"); register(module: head, "head")
    }
    override func callAsFunction(_ x: Variable) -> Variable { head(backbone(x)) }
}

final class ModuleTests: XCTestCase {
    func testDottedNamesAndOrder() {
        let net = Net(seed: 1)
        XCTAssertEqual(net.namedParameters().map(\.name), [
            "backbone.block1.dense.weight", "backbone.block1.dense.bias",
            "backbone.block1.bn.weight", "backbone.block1.bn.bias",
            "backbone.block1.bn.running_mean", "backbone.block1.bn.running_var",
            "head.weight", "head.bias"])
        XCTAssertEqual(net.parameters.map(\.name), net.namedParameters().map(\.name), "Parameter.name follows")
        XCTAssertEqual(net.trainableParameters.count, 6)
        XCTAssertEqual(net.child(at: "backbone.block1")?.namedParameters().first?.name, "dense.weight")
        net.child(at: "backbone")!.freeze()
        XCTAssertEqual(net.trainableParameters.map(\.name), ["head.weight", "head.bias"])
        net.unfreeze()
        XCTAssertEqual(net.trainableParameters.count, 6)
        XCTAssertEqual(net.parameterCount, 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2)
    }

    func testDenseInitAndForward() {
        var rng = RandomSource(seed: 2)
        let d = Dense(100, 50, rng: &rng)
        let limit = Float((6.0 / 150).squareRoot())
        XCTAssertLessThanOrEqual(d.weight.value.maxAbs(), limit)
        XCTAssertGreaterThan(d.weight.value.maxAbs(), 0.9 * limit)
        XCTAssertEqual(d.bias!.value.maxAbs(), 0)
        let he = Dense(200, 300, initializer: .heNormal, rng: &rng).weight.value
        let std = (he.scalars.map { $0 * $0 }.reduce(0, +) / Float(he.count)).squareRoot()
        XCTAssertEqual(std, (2.0 / 200).squareRoot(), accuracy: 0.005)
        let x = randomTensor([2, 100], seed: 3)
        let y = d(Variable(x)).value
        XCTAssertEqual(y.shape, [2, 50])
        var s: Float = 0
        for k in 0..<100 { s += x.data[100 + k] * d.weight.value.data[7 * 100 + k] }
        XCTAssertEqual(y.data[50 + 7], s, accuracy: 1e-4)
    }

    func testBatchNormLayerRunningStatistics() {
        let bn = BatchNorm(3)
        let x = randomTensor([8, 3, 4, 4], seed: 4, low: 1, high: 3)
        let (_, mean, variance) = batchNormTraining(Variable(x), gamma: Variable(bn.weight.value),
                                                    beta: Variable(bn.bias.value), eps: 1e-3)
        // Inference: running stats untouched, output uses them (initially mean 0, var 1).
        let yi = bn(Variable(x)).value
        XCTAssertEqual(bn.runningMean.value.scalars, [0, 0, 0])
        assertClose(yi, x.map { $0 / (1 + 1e-3).squareRoot() }, tolerance: 1e-6, "inference with initial stats")
        // Training pass updates running = 0.99 · running + 0.01 · batch (biased variance).
        let tape = Tape(training: true)
        let yt = bn(tape.constant(x)).value
        for c in 0..<3 {
            XCTAssertEqual(bn.runningMean.value.data[c], 0.01 * mean.data[c], accuracy: 1e-6)
            XCTAssertEqual(bn.runningVar.value.data[c], 0.99 + 0.01 * variance.data[c], accuracy: 1e-6)
        }
        XCTAssertEqual(yt.mean(), 0, accuracy: 1e-4, "training pass normalises with batch statistics")
        // A frozen BatchNorm uses its running statistics even in training passes and leaves them alone.
        bn.freeze()
        let before = bn.runningMean.value
        let yf = bn(Tape(training: true).constant(x)).value
        XCTAssertTrue(bn.runningMean.value.bitwiseEqual(before))
        XCTAssertTrue(yf.bitwiseEqual(bn(Variable(x)).value))
        // PyTorch convention on request: unbiased running variance.
        let pt = BatchNorm(3, momentum: 0.9, eps: 1e-5, unbiasedRunningVariance: true)
        _ = pt(Tape(training: true).constant(x))
        let m = Float(8 * 16)
        XCTAssertEqual(pt.runningVar.value.data[0], 0.9 + 0.1 * variance.data[0] * m / (m - 1), accuracy: 1e-6)
    }

    func testBatchNormRecalibrationGivesPopulationStatisticsWithDropoutOff() {
        // Dropout → BN → Dense → BN, on odd-sized NCHW and [N, F] inputs: after recalibration each BN's running
        // statistics are the population mean/variance of what reaches it with dropout off and the layers before it
        // normalising with batch statistics, computed here directly.
        var rng = RandomSource(seed: 8)
        let bn1 = BatchNorm(3), bn2 = BatchNorm(5), frozen = BatchNorm(5)
        let dense = Dense(3 * 3 * 5, 5, rng: &rng)
        let model = Sequential([Dropout(0.5), bn1, Flatten(), dense, bn2, frozen])
        frozen.freeze()
        let batches = [randomTensor([4, 3, 3, 5], seed: 1, low: 2, high: 6), randomTensor([7, 3, 3, 5], seed: 2, low: 0, high: 3)]
        func population(_ xs: [Tensor]) -> (mean: [Float], variance: [Float]) {
            let c = xs[0].shape[1], inner = xs[0].shape.dropFirst(2).reduce(1, *)
            var values = [[Double]](repeating: [], count: c)
            for x in xs {
                let v = x.scalars
                for i in v.indices { values[(i / inner) % c].append(Double(v[i])) }
            }
            return (values.map { Float($0.reduce(0, +) / Double($0.count)) },
                    values.map { a in let m = a.reduce(0, +) / Double(a.count); return Float(a.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(a.count)) })
        }
        let first = population(batches)
        // What reaches bn2: bn1 with batch statistics (training form), then Dense.
        let second = population(batches.map { x in
            let y = batchNormTraining(Variable(x), gamma: Variable(bn1.weight.value), beta: Variable(bn1.bias.value), eps: bn1.eps).output
            return dense(y.flattened()).value
        })
        let frozenBefore = frozen.runningVar.value
        XCTAssertEqual(recalibrateBatchNorm(model, batches: batches), 2)
        assertClose(bn1.runningMean.value, Tensor(shape: [3], values: first.mean), tolerance: 1e-4, "bn1 mean")
        assertClose(bn1.runningVar.value, Tensor(shape: [3], values: first.variance), tolerance: 1e-4, "bn1 variance")
        assertClose(bn2.runningMean.value, Tensor(shape: [5], values: second.mean), tolerance: 1e-4, "bn2 mean")
        assertClose(bn2.runningVar.value, Tensor(shape: [5], values: second.variance), tolerance: 1e-4, "bn2 variance")
        XCTAssertTrue(frozen.runningVar.value.bitwiseEqual(frozenBefore), "frozen layer recalibrated")
        // Afterwards the layers are back to normal inference (running statistics), and no batches change nothing.
        let y = model(Variable(batches[0])).value
        XCTAssertTrue(y.bitwiseEqual(model(Variable(batches[0])).value))
        let kept = bn1.runningMean.value
        XCTAssertEqual(recalibrateBatchNorm(model, batches: [Tensor]()), 0)
        XCTAssertTrue(bn1.runningMean.value.bitwiseEqual(kept))
    }

    func testLayersWorkWithAndWithoutTape() {
        var rng = RandomSource(seed: 5)
        let model = Sequential([Dense(3, 8, rng: &rng), LeakyReLU(), Dropout(0.5), Dense(8, 4, rng: &rng), SiLU(),
                                Tanh(), Sigmoid(), ReLU(), Flatten()])
        let x = randomTensor([5, 3], seed: 6)
        let a = model(Variable(x)).value, b = model(Variable(x)).value
        XCTAssertTrue(a.bitwiseEqual(b), "inference is deterministic (dropout off)")
        let tape = Tape(training: true, seed: 1)
        let y = model(tape.constant(x))
        tape.backward(y.sum())
        XCTAssertNotNil(model.parameters[0].grad)
        XCTAssertEqual(model.namedParameters().map(\.name), ["0.weight", "0.bias", "3.weight", "3.bias"])
    }
}
