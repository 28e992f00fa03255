@testable import Datasets
import Foundation
import Models
import Support
@testable import Training
import TestSupport
import XCTest

/// mixup and CutMix: the blended batch is what the formulas say, λ is the share of each crop actually kept, the same
/// seed gives the same blend, and a short training run with either still learns.
final class BatchMixingTests: XCTestCase {
    /// Four 2-channel 6×5 crops whose pixels name their sample (sample i holds i + 1 everywhere).
    let batch = Batch(data: (0..<4).flatMap { i in [Float](repeating: Float(i + 1), count: 2 * 6 * 5) }, shape: [4, 2, 6, 5],
                      labels: [0, 1, 2, 3], rows: [10, 11, 12, 13])

    func testMixupBlendsEachCropWithItsPartner() {
        var g = SeededGenerator(seed: 5)
        let m = BatchMixing.mixup(alpha: 0.4).mix(batch, using: &g)
        XCTAssertTrue((0...1).contains(m.lambda))
        XCTAssertEqual(m.partnerLabels.sorted(), [0, 1, 2, 3], "a permutation of the batch")
        for i in 0..<4 {
            let own: Float = Float(i + 1), other: Float = Float(m.partnerLabels[i] + 1)
            let expected: Float = m.lambda * own + (1 - m.lambda) * other
            let start: Int = i * 60
            for v in m.data[start ..< start + 60] { XCTAssertEqual(v, expected, accuracy: 1e-6) }
        }
        var again = SeededGenerator(seed: 5)
        XCTAssertEqual(BatchMixing.mixup(alpha: 0.4).mix(batch, using: &again).data, m.data, "same seed, same blend")
    }

    func testCutMixPastesOneBoxAndLambdaIsTheShareKept() {
        var boxes = 0
        for seed in 0..<40 {
            var g = SeededGenerator(seed: UInt64(seed))
            let m = BatchMixing.cutmix(alpha: 1).mix(batch, using: &g)
            for i in 0..<4 {
                let own: Float = Float(i + 1), other: Float = Float(m.partnerLabels[i] + 1)
                for c in 0..<2 {
                    let start: Int = i * 60 + c * 30
                    let plane: [Float] = Array(m.data[start ..< start + 30])
                    XCTAssertTrue(plane.allSatisfy { $0 == own || $0 == other })
                    if own != other {
                        let pasted = plane.indices.filter { plane[$0] == other }
                        XCTAssertEqual(Float(pasted.count) / 30, 1 - m.lambda, accuracy: 1e-6, "λ = the share kept")
                        if let first = pasted.first, let last = pasted.last {  // one axis-aligned box
                            let ys = (first / 5)...(last / 5), xs = pasted.map { $0 % 5 }
                            XCTAssertEqual(pasted.count, ys.count * (xs.max()! - xs.min()! + 1))
                            boxes += 1
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(boxes, 20, "boxes were pasted (else this test proves nothing)")
    }

    func testShortRunsWithMixingStillLearn() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try syntheticTwoPhase(perClass: 40, side: 32, root: dir)
        let split = Splitter.stratified(labels: data.labels, train: 0.75, validation: 0, test: 0.25, seed: 1)
        for mixing in [BatchMixing.mixup(alpha: 0.2), .cutmix(alpha: 1)] {
            var o = SupervisedTrainer.Options()
            o.epochs = 8; o.seed = 1; o.earlyStopping = nil; o.mixing = mixing
            let model = try ModelRegistry.make(ModelConfig(architecture: "lowdepth", inputSide: 32, classes: 2), seed: 1)
            let result = try SupervisedTrainer(options: o).fit(model, data: data, train: split.train, validation: [])
            XCTAssertTrue(result.history.allSatisfy { $0.trainLoss.isFinite }, mixing.name)
            XCTAssertGreaterThanOrEqual(SupervisedTrainer.accuracy(model, data: data, rows: split.test), 0.75, mixing.name)
        }
    }
}
