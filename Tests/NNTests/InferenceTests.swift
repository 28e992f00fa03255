@testable import Engine
@testable import NN
import Support
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
}
