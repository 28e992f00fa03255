import XCTest
import TestSupport
import Engine
@testable import NN

final class LossTests: XCTestCase {
    func testSparseCrossEntropyHandComputed() {
        // Row 0: logits [0, ln 3] → p = [1/4, 3/4], label 1 → −ln(3/4); row 1: [1, 1], label 0 → −ln(1/2).
        let z = Tensor(shape: [2, 2], values: [0, Float(log(3.0)), 1, 1])
        let l = sparseCrossEntropy(logits: Variable(z), labels: [1, 0]).value.scalar
        let expected = (-log(0.75) + -log(0.5)) / 2
        XCTAssertEqual(Double(l), expected, accuracy: 1e-6)
        // Weighted mean: Σ wᵢ lᵢ / Σ wᵢ with w = classWeights[label] = [3 (class 1), 1 (class 0)].
        let lw = sparseCrossEntropy(logits: Variable(z), labels: [1, 0], classWeights: [1, 3]).value.scalar
        XCTAssertEqual(Double(lw), (3 * -log(0.75) + 1 * -log(0.5)) / 4, accuracy: 1e-6)
        // Gradient by hand: (softmax − onehot) / N.
        let tape = Tape()
        let v = tape.watch(z)
        let g = tape.backward(sparseCrossEntropy(logits: v, labels: [1, 0]))[v]!
        let want: [Float] = [0.25 / 2, (0.75 - 1) / 2, (0.5 - 1) / 2, 0.5 / 2]
        for i in 0..<4 { XCTAssertEqual(g.data[i], want[i], accuracy: 1e-6) }
    }

    func testSparseCrossEntropyGradientsAndStability() {
        for (n, k) in [(1, 1), (1, 5), (4, 3), (7, 5)] {
            let z = randomTensor([n, k], seed: UInt64(n * 10 + k), low: -3, high: 3)
            let labels = (0..<n).map { ($0 * 7 + 3) % k }
            checkGradients([z]) { sparseCrossEntropy(logits: $0[0], labels: labels) }
            let w = (0..<k).map { Float($0 + 1) * 0.5 }
            checkGradients([z]) { sparseCrossEntropy(logits: $0[0], labels: labels, classWeights: w) }
        }
        let big = Tensor(shape: [2, 3], values: [1000, -1000, 0, -1000, 1000, 1000])
        let l = sparseCrossEntropy(logits: Variable(big), labels: [1, 0]).value.scalar
        XCTAssertEqual(l, 2000 * 0.5 + (2000 + Float(log(2.0))) * 0.5, accuracy: 0.5)
        XCTAssertTrue(l.isFinite)
    }

    func testPerSampleWeightsAreSummedAndZeroDropsASample() {
        let z = Tensor(shape: [3, 2], values: [0, Float(log(3.0)), 1, 1, 5, -5])
        // Σ wᵢ lᵢ: the third sample (weight 0) has a huge loss and must not count, in value or gradient.
        let l = sparseCrossEntropy(logits: Variable(z), labels: [1, 0, 1], sampleWeights: [0.5, 2, 0]).value.scalar
        XCTAssertEqual(Double(l), 0.5 * -log(0.75) + 2 * -log(0.5), accuracy: 1e-5)
        let tape = Tape()
        let v = tape.watch(z)
        let g = tape.backward(sparseCrossEntropy(logits: v, labels: [1, 0, 1], sampleWeights: [0.5, 2, 0]))[v]!
        let want: [Float] = [0.5 * 0.25, 0.5 * (0.75 - 1), 2 * (0.5 - 1), 2 * 0.5, 0, 0]
        for i in 0..<6 { XCTAssertEqual(g.data[i], want[i], accuracy: 1e-6) }
        for (n, k) in [(1, 1), (2, 7), (5, 3), (9, 4)] {
            let z = randomTensor([n, k], seed: UInt64(n * 31 + k), low: -3, high: 3)
            let labels = (0..<n).map { ($0 * 5 + 1) % k }
            let w = (0..<n).map { $0 % 3 == 2 ? 0 : Float($0 + 1) * 0.3 }
            checkGradients([z]) { sparseCrossEntropy(logits: $0[0], labels: labels, sampleWeights: w) }
        }
        // The class-weighted mean is the per-sample form with wᵢ = classWeights[yᵢ] / Σ.
        let zz = randomTensor([6, 3], seed: 4, low: -2, high: 2), labels = [0, 2, 1, 1, 0, 2], cw: [Float] = [1, 2, 0.5]
        let total = labels.reduce(Float(0)) { $0 + cw[$1] }
        XCTAssertEqual(sparseCrossEntropy(logits: Variable(zz), labels: labels, classWeights: cw).value.scalar,
                       sparseCrossEntropy(logits: Variable(zz), labels: labels, sampleWeights: labels.map { cw[$0] / total }).value.scalar,
                       accuracy: 1e-6)
    }

    func testBinaryCrossEntropyWithLogits() {
        let z = Tensor(shape: [3], values: [0, 2, -1]), t = Tensor(shape: [3], values: [1, 0, 0.25])
        func bce(_ z: Double, _ t: Double) -> Double {
            let p = 1 / (1 + exp(-z))
            return -(t * log(p) + (1 - t) * log(1 - p))
        }
        let expected = (bce(0, 1) + bce(2, 0) + bce(-1, 0.25)) / 3
        XCTAssertEqual(Double(binaryCrossEntropyWithLogits(Variable(z), targets: t).value.scalar), expected,
                       accuracy: 1e-6)
        checkGradients([randomTensor([5, 1], seed: 3, low: -4, high: 4)]) {
            binaryCrossEntropyWithLogits($0[0], targets: randomTensor([5, 1], seed: 4, low: 0, high: 1))
        }
        let extreme = binaryCrossEntropyWithLogits(Variable(Tensor(shape: [2], values: [1000, -1000])),
                                                   targets: Tensor(shape: [2], values: [0, 1])).value.scalar
        XCTAssertEqual(extreme, 1000)
        let tape = Tape()
        let v = tape.watch(Tensor(shape: [2], values: [1000, -1000]))
        let g = tape.backward(binaryCrossEntropyWithLogits(v, targets: Tensor(shape: [2], values: [0, 1])))[v]!
        XCTAssertEqual(g.scalars, [0.5, -0.5])
    }

    func testMeanSquaredError() {
        let x = Tensor(shape: [2, 2], values: [1, 2, 3, 4]), t = Tensor(shape: [2, 2], values: [0, 2, 5, 1])
        XCTAssertEqual(meanSquaredError(Variable(x), t).value.scalar, (1 + 0 + 4 + 9) / 4)
        checkGradients([randomTensor([3, 5], seed: 5)]) { meanSquaredError($0[0], randomTensor([3, 5], seed: 6)) }
    }

    func testTripletMarginLoss() {
        let a = Tensor(shape: [2, 2], values: [0, 0, 1, 1])
        let p = Tensor(shape: [2, 2], values: [3, 4, 1, 2])   // d = 5, 1
        let n = Tensor(shape: [2, 2], values: [0, 1, 4, 5])   // d = 1, 5
        // Row 0: max(0, 5 − 1 + 1) = 5; row 1: max(0, 1 − 5 + 1) = 0.
        let l = tripletMarginLoss(anchor: Variable(a), positive: Variable(p), negative: Variable(n)).value.scalar
        XCTAssertEqual(l, 2.5, accuracy: 1e-6)
        for rows in [1, 4] {
            let (ta, tp, tn) = (randomTensor([rows, 3], seed: 7), randomTensor([rows, 3], seed: 8),
                                randomTensor([rows, 3], seed: 9))
            checkGradients([ta, tp, tn]) { tripletMarginLoss(anchor: $0[0], positive: $0[1], negative: $0[2], margin: 2) }
        }
    }

    func testSoftplusAndLogSumExpComposeTheSGANLoss() {
        // The SGAN unsupervised head: D(x) = Z/(Z+1) with Z = Σ exp(lᵢ); −log D(x) = softplus(−LSE(l)).
        let logits = Tensor(shape: [2, 3], values: [1000, 999, -1000, -1000, -1000, -1000])
        let lse = Variable(logits).logSumExp()
        let loss = (-lse).softplus().value
        XCTAssertTrue(loss.scalars.allSatisfy(\.isFinite))
        XCTAssertEqual(loss.data[0], 0, accuracy: 1e-6)
        XCTAssertEqual(loss.scalars[1], 1000 - Float(log(3.0)), accuracy: 1e-2)
    }
}
