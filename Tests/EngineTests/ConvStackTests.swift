import XCTest
import TestSupport
@testable import Engine

/// The inference convolution stack (oneDNN on Linux) against the engine's own ops.
final class ConvStackTests: XCTestCase {
    func layers(seed: UInt64, channels: Int) -> [ConvStackLayer] {
        [ConvStackLayer(weight: randomTensor([6, channels, 3, 3], seed: seed), bias: randomTensor([6], seed: seed + 1),
                        stride: 2, padding: .same, activation: .leakyRelu(0.2)),
         ConvStackLayer(weight: randomTensor([5, 6, 3, 3], seed: seed + 2), bias: nil,
                        stride: 1, padding: .symmetric(1), activation: .leakyRelu(0)),
         ConvStackLayer(weight: randomTensor([4, 5, 4, 4], seed: seed + 3), bias: randomTensor([4], seed: seed + 4),
                        stride: 2, padding: .valid, activation: .none)]
    }

    func testMatchesEngineOpsOnSeveralShapes() throws {
        try XCTSkipUnless(ConvStack.usesDNNL, "oneDNN is not used here (macOS or CELLPHASE_DNNL=0): the stack would be compared with itself")
        let stack = ConvStack()
        for (i, (n, c, side)) in [(1, 1, 17), (5, 1, 16), (3, 3, 21)].enumerated() {
            let l = layers(seed: UInt64(10 * i), channels: c)
            let x = randomTensor([n, c, side, side], seed: UInt64(100 + i))
            assertClose(stack.run(l, weightsVersion: 1, x), ConvStack.reference(l, x), tolerance: 1e-4, "shape \(i)")
        }
    }

    func testNewWeightsAreUsedWhenTheVersionChanges() throws {
        try XCTSkipUnless(ConvStack.usesDNNL, "oneDNN is not used here (macOS or CELLPHASE_DNNL=0): the stack would be compared with itself")
        let stack = ConvStack()
        var l = layers(seed: 1, channels: 1)
        let x = randomTensor([2, 1, 16, 16], seed: 2)
        _ = stack.run(l, weightsVersion: 1, x)
        l[0] = ConvStackLayer(weight: randomTensor(l[0].weight!.shape, seed: 99), bias: randomTensor([6], seed: 98),
                              stride: 2, padding: .same, activation: .leakyRelu(0.2))
        assertClose(stack.run(l, weightsVersion: 2, x), ConvStack.reference(l, x), tolerance: 1e-4, "after update")
        // The affine post-op's scale and shift are re-read too.
        var p = pooledLayers(seed: 5, channels: 1)
        _ = stack.run(p, weightsVersion: 3, x)
        p[0].affine = .init(scale: randomTensor([6], seed: 97), shift: randomTensor([6], seed: 96))
        assertClose(stack.run(p, weightsVersion: 4, x), ConvStack.reference(p, x), tolerance: 1e-4, "new affine")
    }

    /// The low-depth CNN's kind of stack: batch norm after the activation (a per-channel affine post-op, scales of
    /// both signs), max and average pooling with odd sides, "same" and explicit padding, stride 1 and 2.
    func pooledLayers(seed: UInt64, channels: Int) -> [ConvStackLayer] {
        [ConvStackLayer(weight: randomTensor([6, channels, 3, 3], seed: seed), bias: randomTensor([6], seed: seed + 1),
                        stride: 1, padding: .same, activation: .leakyRelu(0),
                        affine: .init(scale: randomTensor([6], seed: seed + 2, low: -2, high: 2),
                                      shift: randomTensor([6], seed: seed + 3))),
         .pooling(max: true, kernel: 2, stride: 2, padding: .valid),
         ConvStackLayer(weight: randomTensor([5, 6, 3, 3], seed: seed + 4), bias: nil, stride: 1, padding: .symmetric(1),
                        activation: .leakyRelu(0.2),
                        affine: .init(scale: randomTensor([5], seed: seed + 5), shift: randomTensor([5], seed: seed + 6))),
         .pooling(max: false, kernel: 3, stride: 2, padding: .same),
         ConvStackLayer(weight: randomTensor([4, 5, 3, 3], seed: seed + 7), bias: randomTensor([4], seed: seed + 8),
                        stride: 2, padding: .same, activation: .none),
         .pooling(max: true, kernel: 3, stride: 2, padding: .symmetric(1))]
    }

    func testPoolingAndAffinePostOpsMatchEngineOps() throws {
        try XCTSkipUnless(ConvStack.usesDNNL, "oneDNN is not used here (macOS or CELLPHASE_DNNL=0): the stack would be compared with itself")
        let stack = ConvStack()
        for (i, (n, c, side)) in [(1, 1, 17), (4, 1, 16), (3, 2, 23), (2, 3, 31)].enumerated() {
            let l = pooledLayers(seed: UInt64(20 * i), channels: c)
            let x = randomTensor([n, c, side, side], seed: UInt64(200 + i))
            let want = ConvStack.reference(l, x)
            XCTAssertEqual(want.shape[1], 4)
            assertClose(stack.run(l, weightsVersion: 1, x), want, tolerance: 1e-4, "shape \(i)")
        }
    }

    func testReferenceAppliesTheAffineAfterTheActivation() {
        // One 1×1 convolution with weight 1: y = scale · relu(x) + shift, checked element by element.
        let scale = Tensor(shape: [1], values: [-3]), shift = Tensor(shape: [1], values: [0.5])
        let l = [ConvStackLayer(weight: Tensor(shape: [1, 1, 1, 1], values: [1]), bias: nil, stride: 1, padding: .valid,
                                activation: .leakyRelu(0), affine: .init(scale: scale, shift: shift))]
        let x = randomTensor([1, 1, 3, 5], seed: 4)
        let y = ConvStack.reference(l, x)
        for i in 0..<x.count { XCTAssertEqual(y.data[i], -3 * max(x.data[i], 0) + 0.5, accuracy: 1e-6) }
    }
}
