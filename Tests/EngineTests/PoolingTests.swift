@testable import Engine
import Support
import TestSupport
import XCTest

/// Distinct values spaced 0.1 apart in random order, so no finite-difference step changes a window's maximum.
func distinctTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = RandomSource(seed: seed)
    var v = (0..<shape.elementCount).map { Float($0) * 0.1 - Float(shape.elementCount) * 0.05 }
    v.shuffle(using: &rng)
    return Tensor(shape: shape, values: v)
}

/// Obviously-correct pooling: explicit padding offsets, windows clipped to the input.
func referencePool(_ x: Tensor, kernel k: Int, stride s: Int, pads: (top: Int, bottom: Int, left: Int, right: Int),
                   max isMax: Bool) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let oh = (h + pads.top + pads.bottom - k) / s + 1, ow = (w + pads.left + pads.right - k) / s + 1
    var y = Tensor(zeros: [n, c, oh, ow])
    for i in 0..<n { for ch in 0..<c { for a in 0..<oh { for b in 0..<ow {
        var vals = [Float]()
        for dy in 0..<k { for dx in 0..<k {
            let r = a * s - pads.top + dy, q = b * s - pads.left + dx
            if r >= 0 && r < h && q >= 0 && q < w { vals.append(x.data[((i * c + ch) * h + r) * w + q]) }
        } }
        y[flat: ((i * c + ch) * oh + a) * ow + b] = isMax ? vals.max()! : vals.reduce(0, +) / Float(vals.count)
    } } } }
    return y
}

final class PoolingTests: XCTestCase {
    // (shape, kernel, stride, padding, resolved pads)
    let cases: [([Int], Int, Int, Padding, (Int, Int, Int, Int))] = [
        ([2, 3, 6, 6], 2, 2, .valid, (0, 0, 0, 0)),
        ([1, 2, 7, 5], 2, 2, .valid, (0, 0, 0, 0)),          // odd sizes drop the last row/column
        ([1, 2, 7, 5], 2, 2, .same, (0, 1, 0, 1)),           // Keras "same": out = ceil(in / 2), pad at the end
        ([2, 1, 5, 5], 3, 2, .same, (1, 1, 1, 1)),
        ([1, 3, 6, 4], 3, 1, .same, (1, 1, 1, 1)),
        ([1, 1, 5, 6], 3, 2, .explicit(top: 1, bottom: 0, left: 2, right: 1), (1, 0, 2, 1)),
        ([3, 2, 4, 4], 4, 1, .valid, (0, 0, 0, 0)),
    ]

    func testForwardAgainstLoops() {
        for (i, (shape, k, s, pad, pads)) in cases.enumerated() {
            let x = randomTensor(shape, seed: UInt64(i))
            assertClose(maxPool2d(Variable(x), kernel: k, stride: s, padding: pad).value,
                        referencePool(x, kernel: k, stride: s, pads: pads, max: true), tolerance: 0, "max \(i)")
            assertClose(avgPool2d(Variable(x), kernel: k, stride: s, padding: pad).value,
                        referencePool(x, kernel: k, stride: s, pads: pads, max: false), tolerance: 1e-6, "avg \(i)")
        }
        // Keras "same" keeps ceil(in / stride).
        XCTAssertEqual(maxPool2d(Variable(Tensor(zeros: [1, 1, 75, 75])), kernel: 2, padding: .same).shape,
                       [1, 1, 38, 38])
        // Large input through the parallel path.
        let big = randomTensor([4, 32, 33, 31], seed: 99)
        assertClose(maxPool2d(Variable(big), kernel: 3, stride: 2, padding: .same).value,
                    referencePool(big, kernel: 3, stride: 2, pads: (1, 1, 1, 1), max: true), tolerance: 0, "big max")
        assertClose(avgPool2d(Variable(big), kernel: 2).value,
                    referencePool(big, kernel: 2, stride: 2, pads: (0, 0, 0, 0), max: false), tolerance: 1e-6, "big avg")
    }

    func testGradients() {
        for (i, (shape, k, s, pad, _)) in cases.enumerated() {
            checkGradients([distinctTensor(shape, seed: UInt64(10 + i))]) {
                maxPool2d($0[0], kernel: k, stride: s, padding: pad)
            }
            checkGradients([randomTensor(shape, seed: UInt64(20 + i))]) {
                avgPool2d($0[0], kernel: k, stride: s, padding: pad)
            }
        }
    }

    func testGlobalAveragePool() {
        for (i, shape) in [[1, 1, 1, 1], [2, 3, 5, 7], [1, 4, 2, 3]].enumerated() {
            let x = randomTensor(shape, seed: UInt64(30 + i))
            let y = globalAvgPool2d(Variable(x)).value
            XCTAssertEqual(y.shape, [shape[0], shape[1]])
            let plane = shape[2] * shape[3]
            for j in 0..<(shape[0] * shape[1]) {
                let want = (0..<plane).map { x.data[j * plane + $0] }.reduce(0, +) / Float(plane)
                XCTAssertEqual(y.data[j], want, accuracy: 1e-6)
            }
            checkGradients([x]) { globalAvgPool2d($0[0]) }
        }
    }
}
