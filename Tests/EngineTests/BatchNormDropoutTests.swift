import XCTest
import TestSupport
@testable import Engine

/// Obviously-correct batch norm: per channel, mean and biased variance by direct loops in Double.
func referenceBatchNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Float,
                        stats: (mean: [Double], variance: [Double])? = nil)
    -> (y: Tensor, mean: [Double], variance: [Double]) {
    let n = x.shape[0], c = x.shape[1], inner = x.shape.dropFirst(2).reduce(1, *)
    var means = [Double](), vars = [Double]()
    for ch in 0..<c {
        var vals = [Double]()
        for i in 0..<n { for j in 0..<inner { vals.append(Double(x.data[(i * c + ch) * inner + j])) } }
        let mu = vals.reduce(0, +) / Double(vals.count)
        means.append(mu)
        vars.append(vals.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(vals.count))
    }
    let (m, v) = stats ?? (means, vars)
    var y = Tensor(zeros: x.shape)
    for i in 0..<n { for ch in 0..<c { for j in 0..<inner {
        let k = (i * c + ch) * inner + j
        let xhat = (Double(x.data[k]) - m[ch]) / (v[ch] + Double(eps)).squareRoot()
        y[flat: k] = Float(Double(gamma.data[ch]) * xhat + Double(beta.data[ch]))
    } } }
    return (y, means, vars)
}

final class BatchNormTests: XCTestCase {
    func testTrainingForwardAgainstLoops() {
        for (i, s) in [[4, 3, 5, 7], [1, 2, 3, 3], [9, 5], [2, 1, 1, 1], [3, 40, 33, 31]].enumerated() {
            let x = randomTensor(s, seed: UInt64(i), low: -2, high: 3)
            let c = s[1]
            let gamma = randomTensor([c], seed: 50, low: 0.5, high: 1.5), beta = randomTensor([c], seed: 51)
            let (out, mean, variance) = batchNormTraining(Variable(x), gamma: Variable(gamma), beta: Variable(beta),
                                                          eps: 1e-3)
            let ref = referenceBatchNorm(x, gamma: gamma, beta: beta, eps: 1e-3)
            assertClose(out.value, ref.y, tolerance: 1e-4, "bn \(s)")
            for ch in 0..<c {
                XCTAssertEqual(Double(mean.data[ch]), ref.mean[ch], accuracy: 1e-5)
                XCTAssertEqual(Double(variance.data[ch]), ref.variance[ch], accuracy: 1e-5)
            }
        }
    }

    func testInferenceForwardAgainstLoops() {
        let x = randomTensor([3, 4, 5, 3], seed: 60)
        let gamma = randomTensor([4], seed: 61), beta = randomTensor([4], seed: 62)
        let mean = randomTensor([4], seed: 63), variance = randomTensor([4], seed: 64, low: 0.2, high: 2)
        let y = batchNormInference(Variable(x), gamma: Variable(gamma), beta: Variable(beta), mean: mean,
                                   variance: variance, eps: 1e-5).value
        let ref = referenceBatchNorm(x, gamma: gamma, beta: beta, eps: 1e-5,
                                     stats: (mean.scalars.map(Double.init), variance.scalars.map(Double.init)))
        assertClose(y, ref.y, tolerance: 1e-5, "bn inference")
    }

    func testGradients() {
        for (i, s) in [[4, 3, 3, 5], [1, 2, 3, 3], [7, 3], [2, 1, 2, 1]].enumerated() {
            let x = randomTensor(s, seed: UInt64(70 + i), low: -2, high: 2)
            let c = s[1]
            let gamma = randomTensor([c], seed: 80, low: 0.5, high: 1.5), beta = randomTensor([c], seed: 81)
            checkGradients([x, gamma, beta], eps: 1e-2, tolerance: 3e-2) {
                batchNormTraining($0[0], gamma: $0[1], beta: $0[2], eps: 1e-3).output
            }
            let mean = randomTensor([c], seed: 82), variance = randomTensor([c], seed: 83, low: 0.5, high: 2)
            checkGradients([x, gamma, beta]) {
                batchNormInference($0[0], gamma: $0[1], beta: $0[2], mean: mean, variance: variance, eps: 1e-3)
            }
        }
    }
}

final class DropoutTests: XCTestCase {
    func testIdentityInInference() {
        let x = randomTensor([4, 3, 5, 5], seed: 1)
        XCTAssertTrue(dropout(Variable(x), rate: 0.5).value.bitwiseEqual(x))
        let tape = Tape(training: false)
        XCTAssertTrue(dropout(tape.watch(x), rate: 0.5).value.bitwiseEqual(x))
        let train = Tape(training: true)
        XCTAssertTrue(dropout(train.watch(x), rate: 0).value.bitwiseEqual(x))
    }

    func testMaskReproducibleScaledAndGradient() {
        let x = Tensor(shape: [100, 100], repeating: 1)
        func run(seed: UInt64) -> (Tensor, Tensor) {
            let tape = Tape(training: true, seed: seed)
            let v = tape.watch(x)
            let y = dropout(v, rate: 0.25)
            let g = tape.backward(y.sum())[v]!
            return (y.value, g)
        }
        let (y1, g1) = run(seed: 5), (y2, _) = run(seed: 5), (y3, _) = run(seed: 6)
        XCTAssertTrue(y1.bitwiseEqual(y2), "same seed, same mask")
        XCTAssertFalse(y1.bitwiseEqual(y3), "another seed, another mask")
        let kept = y1.scalars.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 }, "survivors scaled by 1/(1-rate)")
        let dropped = Double(y1.count - kept.count) / Double(y1.count)
        XCTAssertEqual(dropped, 0.25, accuracy: 0.02)
        XCTAssertEqual(y1.mean(), 1, accuracy: 0.03, "expectation preserved")
        XCTAssertTrue(g1.bitwiseEqual(y1), "gradient of sum is the mask (x = 1)")
    }

    func testLargeMaskSpansBlocksReproducibly() {
        let x = Tensor(shape: [3, 7, 123, 131], repeating: 1)  // 338 Ki elements: several blocks, parallel fill
        let a = dropout(Tape(training: true, seed: 9).constant(x), rate: 0.5).value
        let b = dropout(Tape(training: true, seed: 9).constant(x), rate: 0.5).value
        XCTAssertTrue(a.bitwiseEqual(b))
        let kept = a.scalars.filter { $0 != 0 }.count
        XCTAssertEqual(Double(kept) / Double(a.count), 0.5, accuracy: 0.01)
        // Blocks differ from one another (no repeated stream).
        XCTAssertFalse(Array(a.scalars[0..<4096]) == Array(a.scalars[65536..<(65536 + 4096)]))
    }
}
