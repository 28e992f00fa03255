import Engine
import Foundation
@testable import Models
import NN
@testable import Plot
import Support
@testable import Training
import XCTest

/// The SGAN's unsupervised head (SGAN paper `004_…txt`, eq. 3–4): D(x) = Z/(Z+1), Z = Σ exp(logit_k).
final class SGANLossTests: XCTestCase {
    /// The naive Keras form, in Double: mean of −log D (real) or −log(1 − D) (fake).
    func naive(_ logits: [[Double]], real: Bool) -> Double {
        logits.map { row -> Double in
            let z = row.map { exp($0) }.reduce(0, +)
            let d = z / (z + 1)
            return real ? -log(d) : -log(1 - d)
        }.reduce(0, +) / Double(logits.count)
    }

    func testStableLossMatchesTheNaiveFormWhereItDoesNotOverflow() {
        var rng = RandomSource(seed: 5)
        for real in [true, false] {
            let t = Tensor.uniform([6, 5], low: -4, high: 4, rng: &rng)
            let rows = (0..<6).map { i in (0..<5).map { Double(t.data[i * 5 + $0]) } }
            let stable = SGANIteration.unsupervisedLoss(logits: Variable(t), real: real).value.scalar
            XCTAssertEqual(Double(stable), naive(rows, real: real), accuracy: 1e-5)
        }
    }

    func testStableLossStaysFiniteWhereTheNaiveFormOverflows() {
        let big = Tensor(shape: [2, 3], values: [1000, 999, -5, -1000, -998, -999])
        let rows = [[1000.0, 999, -5], [-1000.0, -998, -999]]
        XCTAssertFalse(naive(rows, real: false).isFinite, "exp(1000) overflows the naive form")
        for real in [true, false] {
            let tape = Tape(training: false)
            let x = tape.watch(big)
            let loss = SGANIteration.unsupervisedLoss(logits: x, real: real)
            XCTAssertTrue(loss.value.scalar.isFinite)
            let g = tape.backward(loss)[x]!
            XCTAssertTrue(g.scalars.allSatisfy(\.isFinite))
        }
        // Real sample with huge logits: D → 1, loss → 0; fake sample with huge logits: loss ≈ LSE ≈ 1000.3 / 2 per row.
        let real = SGANIteration.unsupervisedLoss(logits: Variable(big.batchSlice(0..<1)), real: true).value.scalar
        XCTAssertEqual(real, 0, accuracy: 1e-6)
        let fake = SGANIteration.unsupervisedLoss(logits: Variable(big.batchSlice(0..<1)), real: false).value.scalar
        XCTAssertEqual(Double(fake), 1000 + log(1 + exp(-1.0)), accuracy: 1e-2)
    }
}

/// The published SGAN iteration updates exactly the networks it should (section 4.2).
final class SGANStepTests: XCTestCase {
    func small(discriminatorDropout: Float = 0.25) -> SGANIteration {
        var c = SGANConfig.classic(classes: 3)
        c.discriminatorDropout = discriminatorDropout
        c.imageSize = 32
        c.discriminatorFilters = [8, 8, 8, 8]
        c.generatorFilters = [8, 8, 8, 8]
        c.latentSize = 16
        return SGANIteration(config: c, seed: 11)
    }

    func snapshot(_ m: Module) -> [Tensor] { m.parameters.map(\.value) }
    func same(_ a: [Tensor], _ b: [Tensor]) -> Bool { zip(a, b).allSatisfy { $0.bitwiseEqual($1) } }

    func testGeneratorStepLeavesTheDiscriminatorBitIdentical() {
        let s = small()
        let d0 = snapshot(s.discriminator), g0 = snapshot(s.generator)
        s.generatorStep(count: 4)
        XCTAssertTrue(same(d0, snapshot(s.discriminator)), "frozen discriminator changed")
        XCTAssertFalse(same(g0, snapshot(s.generator)), "generator did not learn")
    }

    func testFeatureMatchingStepIsTheMeanFeatureGapAndMovesOnlyTheGenerator() {
        let s = small(discriminatorDropout: 0)  // dropout would make the training pass random
        s.generatorObjective = .featureMatching
        var rng = RandomSource(seed: 5)
        let real = Tensor.uniform([3, 1, 32, 32], low: -1, high: 1, rng: &rng)
        // The loss by hand from the same latent draw (the step takes one value for its tape, then the latents).
        var r = s.rng
        _ = r.next()
        let fakes = s.generator(Variable(s.generator.sampleLatent(4, rng: &r))).value
        func meanFeatures(_ x: Tensor) -> [Double] {
            let f = s.discriminator.backbone(Variable(x)).value, n = f.shape[0], k = f.shape[1], v = f.scalars
            return (0..<k).map { j in (0..<n).map { Double(v[$0 * k + j]) }.reduce(0, +) / Double(n) }
        }
        let gaps = zip(meanFeatures(real), meanFeatures(fakes)).map { ($0 - $1) * ($0 - $1) }
        let expected = gaps.reduce(0, +) / Double(gaps.count)
        let d0 = snapshot(s.discriminator), g0 = snapshot(s.generator)
        let loss = s.generatorStep(count: 4, real: real)
        XCTAssertGreaterThan(expected, 0)
        XCTAssertEqual(Double(loss), expected, accuracy: 1e-4 * expected)
        XCTAssertTrue(same(d0, snapshot(s.discriminator)), "frozen discriminator changed")
        XCTAssertFalse(same(g0, snapshot(s.generator)), "generator did not learn")
        // A few steps towards one fixed real batch close the gap.
        for _ in 0..<20 { s.generatorStep(count: 4, real: real) }
        XCTAssertLessThan(s.generatorStep(count: 4, real: real), loss)
    }

    func testDiscriminatorStepsLeaveTheGeneratorBitIdentical() {
        let s = small()
        var rng = RandomSource(seed: 2)
        let images = Tensor.uniform([6, 1, 32, 32], low: -1, high: 1, rng: &rng)
        let d0 = snapshot(s.discriminator), g0 = snapshot(s.generator)
        s.supervisedStep(images: images, labels: [0, 1, 2, 0, 1, 2])
        s.realStep(images: images.batchSlice(0..<3))
        s.fakeStep(count: 3)
        XCTAssertTrue(same(g0, snapshot(s.generator)), "generator changed during discriminator updates")
        XCTAssertFalse(same(d0, snapshot(s.discriminator)), "discriminator did not learn")
    }

    func testSameSeedSameIteration() {
        var rng = RandomSource(seed: 3)
        let images = Tensor.uniform([6, 1, 32, 32], low: -1, high: 1, rng: &rng)
        let runs = (0..<2).map { _ -> [Tensor] in
            let s = small()
            _ = s.iteration(labelled: images, labels: [0, 1, 2, 0, 1, 2], unlabelled: images.batchSlice(0..<3))
            return snapshot(s.discriminator) + snapshot(s.generator)
        }
        XCTAssertTrue(same(runs[0], runs[1]))
    }
}
