import Engine
@testable import NN
import Support
import TestSupport
import XCTest

final class OptimizerTests: XCTestCase {
    func testSGDMomentumTwoSteps() {
        for (nesterov, want1, want2) in [(false, 0.95, 0.895), (true, 0.905, 0.8455)] as [(Bool, Double, Double)] {
            let p = Parameter(name: "w", Tensor(shape: [1], values: [1]))
            let opt = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, nesterov: nesterov)
            p.grad = Tensor(shape: [1], values: [0.5]); opt.step()
            XCTAssertEqual(Double(p.value.scalar), want1, accuracy: 1e-6)
            XCTAssertNil(p.grad, "step clears the gradient")
            p.grad = Tensor(shape: [1], values: [0.1]); opt.step()
            XCTAssertEqual(Double(p.value.scalar), want2, accuracy: 1e-6)
        }
        // Plain SGD.
        let q = Parameter(Tensor(shape: [2], values: [1, 2]))
        let plain = SGD(parameters: [q], learningRate: 0.5)
        q.grad = Tensor(shape: [2], values: [1, -2]); plain.step()
        XCTAssertEqual(q.value.scalars, [0.5, 3])
    }

    func testAdamTwoStepsAgainstHandComputation() {
        let p = Parameter(name: "w", Tensor(shape: [2], values: [1, -2]))
        let opt = Adam(parameters: [p], learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7)
        p.grad = Tensor(shape: [2], values: [0.5, -1]); opt.step()
        // First step: m̂ = g, v̂ = g², so the update is lr · sign(g).
        XCTAssertEqual(p.value.scalars[0], 0.9, accuracy: 1e-6)
        XCTAssertEqual(p.value.scalars[1], -1.9, accuracy: 1e-6)
        p.grad = Tensor(shape: [2], values: [0.1, 0.2]); opt.step()
        // Second step, element 0 by hand: m = 0.9·0.05 + 0.1·0.1 = 0.055, v = 0.999·0.00025 + 0.001·0.01
        // = 0.00025975; m̂ = 0.055/0.19, v̂ = 0.00025975/0.001999; θ = 0.9 − 0.1 · m̂/√v̂ = 0.8196960.
        XCTAssertEqual(p.value.scalars[0], 0.8196960, accuracy: 2e-6)
        // Element 1: m = −0.09 + 0.02 = −0.07, v = 0.000999 + 0.00004 = 0.001039.
        let m̂ = -0.07 / 0.19, v̂ = 0.001039 / 0.001999
        XCTAssertEqual(Double(p.value.scalars[1]), -1.9 - 0.1 * m̂ / v̂.squareRoot(), accuracy: 2e-6)
        XCTAssertEqual(opt.stepCount(of: p), 2)
    }

    func testAdamWDecoupledDecay() {
        let p = Parameter(Tensor(shape: [1], values: [2]))
        let opt = Adam(parameters: [p], learningRate: 0.1, weightDecay: 0.5)
        p.grad = Tensor(shape: [1], values: [3]); opt.step()
        XCTAssertEqual(p.value.scalar, 2 * (1 - 0.05) - 0.1, accuracy: 1e-6)
    }

    func testFrozenGroupStaysBitIdentical() {
        var rng = RandomSource(seed: 1)
        let head = Dense(4, 3, rng: &rng), backbone = Dense(5, 4, rng: &rng)
        let before = backbone.parameters.map(\.value)
        let headBefore = head.parameters.map(\.value)
        for opt in [Adam(groups: [ParameterGroup(parameters: backbone.parameters, learningRate: 1, frozen: true),
                                  ParameterGroup(parameters: head.parameters, learningRate: 0.01)]) as Optimizer,
                    SGD(groups: [ParameterGroup(parameters: backbone.parameters, learningRate: 1, frozen: true),
                                 ParameterGroup(parameters: head.parameters, learningRate: 0.01)], momentum: 0.9)] {
            let tape = Tape(seed: 3)
            let x = tape.constant(randomTensor([6, 5], seed: 2))
            let loss = sparseCrossEntropy(logits: head(backbone(x).relu()), labels: [0, 1, 2, 0, 1, 2])
            tape.backward(loss)
            XCTAssertNotNil(backbone.weight.grad)
            opt.step()
            for (p, v) in zip(backbone.parameters, before) { XCTAssertTrue(p.value.bitwiseEqual(v), "\(p.name) moved") }
            XCTAssertNil(backbone.weight.grad, "frozen group's gradients are cleared too")
            XCTAssertFalse(head.weight.value.bitwiseEqual(headBefore[0]), "head trains")
        }
        // A frozen parameter (module.freeze()) gets no gradient and no update even in an unfrozen group.
        backbone.freeze()
        let opt = SGD(parameters: backbone.parameters + head.parameters, learningRate: 1)
        let tape = Tape()
        tape.backward(head(backbone(tape.constant(randomTensor([2, 5], seed: 4)))).sum())
        XCTAssertNil(backbone.weight.grad)
        opt.step()
        for (p, v) in zip(backbone.parameters, before) { XCTAssertTrue(p.value.bitwiseEqual(v)) }
    }

    func testGradientClipping() {
        let a = Parameter(Tensor(shape: [2], values: [0, 0])), b = Parameter(Tensor(shape: [1], values: [0]))
        let c = Parameter(Tensor(shape: [1], values: [0]))
        a.grad = Tensor(shape: [2], values: [3, 4]); b.grad = Tensor(shape: [1], values: [12])
        XCTAssertEqual(clipGradientNorm([a, b, c], maxNorm: 20), 13, accuracy: 1e-5)
        XCTAssertEqual(a.grad!.scalars, [3, 4], "below the limit: unchanged")
        XCTAssertEqual(clipGradientNorm([a, b, c], maxNorm: 6.5), 13, accuracy: 1e-5)
        XCTAssertEqual(a.grad!.scalars[0], 1.5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.scalars[1], 2, accuracy: 1e-6)
        XCTAssertEqual(b.grad!.scalar, 6, accuracy: 1e-6)
        XCTAssertNil(c.grad)
    }
}
