import Engine
@testable import NN
import Support
import XCTest

final class TrainingTests: XCTestCase {
    /// Two interleaved classes separable by the circle r = 1 (not linearly separable, so the hidden layer matters).
    func makeData(count: Int, seed: UInt64) -> (Tensor, [Int]) {
        var rng = RandomSource(seed: seed)
        var xs = [Float](), ys = [Int]()
        while ys.count < count {
            let a = rng.uniform(-2, 2), b = rng.uniform(-2, 2)
            let r = (a * a + b * b).squareRoot()
            if abs(r - 1) < 0.15 { continue }  // margin
            xs += [a, b]; ys.append(r < 1 ? 0 : 1)
        }
        return (Tensor(shape: [count, 2], values: xs), ys)
    }

    func train(seed: UInt64) -> (Sequential, Float) {
        var rng = RandomSource(seed: seed)
        let model = Sequential([Dense(2, 16, initializer: .heNormal, rng: &rng), ReLU(), Dropout(0.05),
                                Dense(16, 2, rng: &rng)])
        let (x, y) = makeData(count: 256, seed: 11)
        let opt = Adam(parameters: model.trainableParameters, learningRate: 0.03)
        for step in 0..<300 {
            let lo = (step % 8) * 32  // batch 32, the first paper's batch size (000_…txt section 2.3.3)
            let batch = Tensor(shape: [32, 2], values: Array(x.scalars[(lo * 2)..<((lo + 32) * 2)]))
            let tape = Tape(training: true, seed: seed &+ UInt64(step))
            let loss = sparseCrossEntropy(logits: model(tape.constant(batch)), labels: Array(y[lo..<(lo + 32)]))
            tape.backward(loss)
            opt.step()
        }
        let (tx, ty) = makeData(count: 1000, seed: 12)
        let pred = model(Variable(tx)).value.argmaxRows()
        let accuracy = Float(zip(pred, ty).filter { $0 == $1 }.count) / Float(ty.count)
        return (model, accuracy)
    }

    func testTinyNetworkLearnsAndIsReproducible() {
        let start = Date()
        let (m1, acc1) = train(seed: 42)
        XCTAssertGreaterThanOrEqual(acc1, 0.99, "test accuracy")
        let (m2, acc2) = train(seed: 42)
        XCTAssertEqual(acc1, acc2)
        for (a, b) in zip(m1.namedParameters(), m2.namedParameters()) {
            XCTAssertTrue(a.parameter.value.bitwiseEqual(b.parameter.value), "\(a.name) differs between runs")
        }
        let (m3, _) = train(seed: 43)
        XCTAssertFalse(m3.parameters[0].value.bitwiseEqual(m1.parameters[0].value), "another seed, other weights")
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "three trainings in seconds (debug build)")
    }
}
