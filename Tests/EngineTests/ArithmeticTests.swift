import XCTest
import TestSupport
@testable import Engine

final class ArithmeticTests: XCTestCase {
    func testBroadcastAddSubMulGradients() {
        let shapes: [([Int], [Int])] = [([3, 5], [3, 5]), ([2, 3, 4, 5], [1, 3, 1, 1]), ([4, 1], [1, 7]),
                                        ([3, 5], [5]), ([1], [2, 3]), ([2, 3, 1, 5], [3, 4, 1])]
        for (i, (sa, sb)) in shapes.enumerated() {
            let a = randomTensor(sa, seed: UInt64(i)), b = randomTensor(sb, seed: UInt64(100 + i))
            checkGradients([a, b]) { $0[0] + $0[1] }
            checkGradients([a, b]) { $0[0] - $0[1] }
            checkGradients([a, b]) { $0[0] * $0[1] }
        }
    }

    func testBroadcastForwardAgainstLoops() {
        let a = randomTensor([2, 3, 4], seed: 1), b = randomTensor([3, 1], seed: 2)
        let y = (Variable(a) * Variable(b)).value
        XCTAssertEqual(y.shape, [2, 3, 4])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
            XCTAssertEqual(y.data[(i * 3 + j) * 4 + k], a.data[(i * 3 + j) * 4 + k] * b.data[j])
        } } }
    }

    func testScalarOpsReductionsAndChannelScale() {
        let a = randomTensor([2, 3, 4, 5], seed: 3)
        checkGradients([a]) { ($0[0] * 2.5 + 1).sum() }
        checkGradients([a]) { (-$0[0]).mean() }
        checkGradients([a, randomTensor([2, 3], seed: 4)]) { $0[0].scaledChannels($0[1]) }
    }

    func testMatmulAndLinearGradients() {
        for (m, k, n) in [(1, 1, 1), (3, 5, 7), (17, 9, 4)] {
            checkGradients([randomTensor([m, k], seed: 5), randomTensor([k, n], seed: 6)]) { matmul($0[0], $0[1]) }
            checkGradients([randomTensor([m, k], seed: 7), randomTensor([n, k], seed: 8), randomTensor([n], seed: 9)]) {
                linear($0[0], weight: $0[1], bias: $0[2])
            }
        }
    }

    func testLargeParallelGemmMatchesReference() {
        let m = 131, k = 67, n = 259
        let a = randomTensor([m, k], seed: 10), b = randomTensor([k, n], seed: 11)
        let y = matmul(Variable(a), Variable(b)).value
        var ref = Tensor(zeros: [m, n])
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for p in 0..<k { s += a.data[i * k + p] * b.data[p * n + j] }
            ref[flat: i * n + j] = s
        } }
        assertClose(y, ref, tolerance: 1e-4, "gemm")
    }

    func testReshapeAndConcatGradients() {
        let a = randomTensor([2, 3, 2, 2], seed: 12), b = randomTensor([2, 1, 2, 2], seed: 13)
        checkGradients([a, b]) { concatChannels([$0[0], $0[1].reshaped([2, 1, 4]).reshaped([2, 1, 2, 2])]) }
        checkGradients([a]) { $0[0].flattened() }
    }
}
