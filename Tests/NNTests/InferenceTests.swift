@testable import Engine
@testable import NN
import Support
import TestSupport
import XCTest

/// Batch inference paths (`infer`) agree with the plain forward pass.
final class InferenceTests: XCTestCase {
    func testSequentialConvStackAndChunkedInferenceMatchForward() {
        var rng = RandomSource(seed: 3)
        let model = Sequential([
            Conv2D(1, 8, kernel: 3, stride: 2, padding: .same, rng: &rng), LeakyReLU(0.2), Dropout(0.25),
            Conv2D(8, 8, kernel: 3, stride: 2, padding: .same, rng: &rng), ReLU(), Dropout(0.25),
            Flatten(), Dense(8 * 4 * 4, 3, rng: &rng),
        ])
        let x = Tensor.uniform([9, 1, 16, 16], low: -1, high: 1, rng: &rng)
        let reference = model(Variable(x)).value
        XCTAssertEqual(model.convStackPrefix().covered, 6)
        // The convolution prefix goes through oneDNN where it runs; elsewhere `infer` falls back to the portable ops,
        // which the chunked comparison below still checks.
        if ConvStack.usesDNNL {
            let viaStack = model.infer(x)
            var maxDiff: Float = 0
            for i in 0..<reference.count { maxDiff = max(maxDiff, abs(viaStack.data[i] - reference.data[i])) }
            XCTAssertLessThan(maxDiff, 1e-4)
        }
        let chunked = model.chunkedInference(x, chunkSize: 2)
        XCTAssertEqual(chunked.shape, reference.shape)
        for i in 0..<reference.count { XCTAssertEqual(chunked.data[i], reference.data[i], accuracy: 1e-4) }
        // Training the weights changes what inference returns (the plan re-reads weights on a new version).
        for p in model.trainableParameters { p.value = p.value.map { $0 * 0.5 } }
        let after = model.infer(x), direct = model(Variable(x)).value
        for i in 0..<direct.count { XCTAssertEqual(after.data[i], direct.data[i], accuracy: 1e-4) }
    }

    /// Batch norms with trained-looking statistics (γ of both signs, means and variances away from 0 and 1).
    func randomizeBatchNorms(_ model: Module, seed: UInt64) {
        var rng = RandomSource(seed: seed)
        func visit(_ m: Module) {
            if let bn = m as? BatchNorm {
                let c = bn.weight.value.count
                bn.weight.value = Tensor.uniform([c], low: -2, high: 2, rng: &rng)
                bn.bias.value = Tensor.uniform([c], low: -1, high: 1, rng: &rng)
                bn.runningMean.value = Tensor.uniform([c], low: -1, high: 1, rng: &rng)
                bn.runningVar.value = Tensor.uniform([c], low: 0.3, high: 3, rng: &rng)
            }
            for child in m.children { visit(child.module) }
        }
        visit(model)
    }

    func testLowDepthBlocksRunAsOneStackAcrossNestedSequentials() {
        // The low-depth CNN's layout: blocks of [conv, ReLU, batch norm, max-pool, dropout], then flatten + dense.
        var rng = RandomSource(seed: 5)
        func block(_ i: Int, _ o: Int) -> Sequential {
            Sequential(named: [("conv", Conv2D(i, o, kernel: 3, padding: .same, initializer: .heNormal, rng: &rng)),
                               ("relu", ReLU()), ("bn", BatchNorm(o)), ("pool", MaxPool2D(2)), ("drop", Dropout(0.25))])
        }
        let model = Sequential(named: [("block1", block(1, 8)), ("block2", block(8, 16)), ("block3", block(16, 8)),
                                       ("flatten", Flatten()), ("fc", Dense(8 * 2 * 2, 3, rng: &rng))])
        randomizeBatchNorms(model, seed: 6)
        let (stack, covered) = model.convStackPrefix()
        XCTAssertEqual(stack.count, 6, "three convolutions (batch norm as their post-op) and three pools")
        XCTAssertEqual(covered, 15, "every leaf up to the flatten")
        XCTAssertTrue(stack.allSatisfy { $0.weight == nil || $0.affine != nil })
        for side in [16, 19] {  // 19: odd sides round down at every pool
            let x = Tensor.uniform([5, 1, side, side], low: -1, high: 1, rng: &rng)
            let reference = model(Variable(x)).value
            assertClose(model.infer(x), reference, tolerance: 1e-4, "side \(side)")
        }
        // New batch-norm statistics reach the stack.
        randomizeBatchNorms(model, seed: 7)
        let x = Tensor.uniform([3, 1, 16, 16], low: -1, high: 1, rng: &rng)
        assertClose(model.infer(x), model(Variable(x)).value, tolerance: 1e-4, "after new statistics")
    }

    func testBatchNormBeforeTheActivationIsFoldedIntoTheConvolution() {
        // ResNet's stem: conv (no bias) → batch norm → ReLU → 3×3/2 max-pool, then a biased conv → batch norm.
        var rng = RandomSource(seed: 8)
        let model = Sequential([
            Conv2D(2, 6, kernel: 3, stride: 2, padding: .symmetric(1), bias: false, rng: &rng), BatchNorm(6), ReLU(),
            MaxPool2D(3, stride: 2, padding: .symmetric(1)),
            Conv2D(6, 4, kernel: 3, padding: .same, rng: &rng), BatchNorm(4, eps: 1e-5), Flatten(),
        ])
        randomizeBatchNorms(model, seed: 9)
        (model.layers[4] as! Conv2D).bias!.value = Tensor.uniform([4], low: -1, high: 1, rng: &rng)
        let (stack, covered) = model.convStackPrefix()
        XCTAssertEqual(stack.count, 3)
        XCTAssertEqual(covered, 6)
        XCTAssertTrue(stack.allSatisfy { $0.affine == nil }, "a batch norm before the activation is folded, not a post-op")
        let x = Tensor.uniform([4, 2, 21, 21], low: -1, high: 1, rng: &rng)
        // The folded filters alone, on the portable ops, already equal the unfolded layers.
        assertClose(ConvStack.reference(stack, x), model.layers[0..<6].reduce(Variable(x)) { $1($0) }.value,
                    tolerance: 1e-4, "folded reference")
        assertClose(model.infer(x), model(Variable(x)).value, tolerance: 1e-4, "infer")
    }
}
