import XCTest
import TestSupport
@testable import Engine
import Support

/// Random values kept at least `gap` away from 0, so finite differences never straddle a kink.
func awayFromZero(_ t: Tensor, gap: Float = 0.05) -> Tensor {
    t.map { abs($0) < gap ? ($0 < 0 ? $0 - gap : $0 + gap) : $0 }
}

final class ActivationTests: XCTestCase {
    let shapes: [[Int]] = [[1, 1], [3, 5], [2, 3, 5, 7], [1, 2, 3, 1]]

    func testActivationGradients() {
        for (i, s) in shapes.enumerated() {
            let x = awayFromZero(randomTensor(s, seed: UInt64(i), low: -3, high: 3))
            checkGradients([x]) { $0[0].relu() }
            checkGradients([x]) { $0[0].leakyRelu() }
            checkGradients([x]) { $0[0].leakyRelu(0.01) }
            checkGradients([x]) { $0[0].sigmoid() }
            checkGradients([x]) { $0[0].tanh() }
            checkGradients([x]) { $0[0].silu() }
            checkGradients([x]) { $0[0].softplus() }
        }
        // ReLU6 on both sides of both kinks (away from 0 and 6, where it has no derivative), odd shape.
        let wide = Tensor(shape: [3, 5], values: [-2.5, -0.7, 0.3, 1.1, 2.9, 4.4, 5.6, 6.4, 7.9, 9.2, -1.3, 0.8, 3.3, 5.2, 6.9])
        checkGradients([wide]) { $0[0].relu6() }
    }

    func testActivationForwardValues() {
        let x = Tensor(shape: [6], values: [-2, -0.5, 0, 0.5, 2, 10])
        let v = Variable(x)
        XCTAssertEqual(v.relu().value.scalars, [0, 0, 0, 0.5, 2, 10])
        XCTAssertEqual(v.relu6().value.scalars, [0, 0, 0, 0.5, 2, 6])
        XCTAssertEqual(v.leakyRelu(0.2).value.scalars, [-0.4, -0.1, 0, 0.5, 2, 10])
        let sig = v.sigmoid().value.scalars, th = v.tanh().value.scalars
        let si = v.silu().value.scalars, sp = v.softplus().value.scalars
        for (i, xi) in x.scalars.enumerated() {
            let d = Double(xi)
            XCTAssertEqual(Double(sig[i]), 1 / (1 + exp(-d)), accuracy: 1e-6)
            XCTAssertEqual(Double(th[i]), Foundation.tanh(d), accuracy: 1e-6)
            XCTAssertEqual(Double(si[i]), d / (1 + exp(-d)), accuracy: 1e-5)
            XCTAssertEqual(Double(sp[i]), log(1 + exp(d)), accuracy: 1e-5)
        }
    }

    func testVectorisedExpMatchesLibmWithinTwoUlpsAndSaturatesSafely() {
        var worst: Float = 0
        var rng = RandomSource(seed: 11)
        let samples = (0..<200_000).map { _ in Float.random(in: -87.3...88.3, using: &rng) }
            + [-87.3, -50, -1, -1e-6, 0, 1e-6, 0.5, 1, 10, 88.3]
        for x in samples {
            let want = Foundation.exp(Double(x)), got = Double(StableMath.exp(x))
            worst = max(worst, Float(abs(got - want) / want))
        }
        XCTAssertLessThan(worst, 2.5e-7, "relative error (2 ulps of a float ≈ 2.4e-7)")
        XCTAssertEqual(StableMath.exp(0), 1)
        XCTAssertEqual(StableMath.exp(-88), 0)
        XCTAssertEqual(StableMath.exp(-.infinity), 0)
        XCTAssertTrue(StableMath.exp(.infinity).isFinite && StableMath.exp(1000) > 1e38)
        XCTAssertTrue(StableMath.exp(.nan).isNaN)
        XCTAssertTrue(StableMath.sigmoid(.nan).isNaN)
        XCTAssertEqual(StableMath.sigmoid(0), 0.5)
    }

    func testStableAtExtremes() {
        let x = Variable(Tensor(shape: [1, 4], values: [-1000, 1000, -1000, 1000]))
        XCTAssertEqual(x.softplus().value.scalars, [0, 1000, 0, 1000])
        XCTAssertEqual(x.sigmoid().value.scalars, [0, 1, 0, 1])
        XCTAssertEqual(x.logSumExp().value.scalar, 1000 + log(2), accuracy: 1e-3)
        XCTAssertTrue(x.logSoftmax().value.scalars.allSatisfy(\.isFinite))
        XCTAssertEqual(x.softmax().value.scalars, [0, 0.5, 0, 0.5])
        // Gradients stay finite too.
        let tape = Tape()
        let w = tape.watch(x.value)
        let g = tape.backward((w.softplus().sum() + w.logSumExp().sum() + w.sigmoid().sum()))[w]!
        XCTAssertTrue(g.scalars.allSatisfy(\.isFinite), "\(g.scalars)")
    }

    func testSoftmaxFamilyGradients() {
        for (i, s) in [[1, 1], [1, 5], [4, 3], [2, 3, 7]].enumerated() {
            let x = randomTensor(s, seed: UInt64(20 + i), low: -4, high: 4)
            checkGradients([x]) { $0[0].softmax() }
            checkGradients([x]) { $0[0].logSoftmax() }
            checkGradients([x]) { $0[0].logSumExp() }
        }
    }

    func testSoftmaxFamilyForwardAgainstLoops() {
        let x = randomTensor([5, 7], seed: 30, low: -5, high: 5)
        let sm = Variable(x).softmax().value, lsm = Variable(x).logSoftmax().value, lse = Variable(x).logSumExp().value
        XCTAssertEqual(lse.shape, [5])
        for i in 0..<5 {
            var s = 0.0
            for j in 0..<7 { s += exp(Double(x.data[i * 7 + j])) }
            XCTAssertEqual(Double(lse.data[i]), log(s), accuracy: 1e-5)
            for j in 0..<7 {
                let p = exp(Double(x.data[i * 7 + j])) / s
                XCTAssertEqual(Double(sm.data[i * 7 + j]), p, accuracy: 1e-6)
                XCTAssertEqual(Double(lsm.data[i * 7 + j]), log(p), accuracy: 1e-5)
            }
        }
    }
}
