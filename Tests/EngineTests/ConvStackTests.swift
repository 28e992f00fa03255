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
        l[0].weight = randomTensor(l[0].weight.shape, seed: 99)
        assertClose(stack.run(l, weightsVersion: 2, x), ConvStack.reference(l, x), tolerance: 1e-4, "after update")
    }
}
