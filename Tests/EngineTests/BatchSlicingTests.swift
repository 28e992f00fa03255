import Engine
import Support
import XCTest

/// Joining tensors: along the batch axis and side by side, checked against index arithmetic on odd shapes.
final class BatchSlicingTests: XCTestCase {
    func testBatchesJoinAndSliceBack() {
        var rng = RandomSource(seed: 3)
        let a = Tensor.uniform([3, 2, 5], rng: &rng), b = Tensor.uniform([1, 2, 5], rng: &rng)
        let joined = Tensor.concatenateBatches([a, b])
        XCTAssertEqual(joined.shape, [4, 2, 5])
        XCTAssertEqual(joined.batchSlice(0..<3).scalars, a.scalars)
        XCTAssertEqual(joined.batchSlice(3..<4).scalars, b.scalars)
    }

    func testColumnsJoinRowByRow() {
        var rng = RandomSource(seed: 4)
        let widths = [3, 1, 7]
        let parts = widths.map { Tensor.uniform([5, $0], rng: &rng) }
        let joined = Tensor.concatenateColumns(parts)
        XCTAssertEqual(joined.shape, [5, 11])
        for i in 0..<5 {
            var offset = 0
            for (p, w) in zip(parts, widths) {
                for j in 0..<w { XCTAssertEqual(joined.scalars[i * 11 + offset + j], p.scalars[i * w + j]) }
                offset += w
            }
        }
        XCTAssertEqual(Tensor.concatenateColumns([parts[0]]).scalars, parts[0].scalars)
    }

    func testRowsOfAMatrixAreItsConsecutiveRuns() {
        var rng = RandomSource(seed: 6)
        let m = Tensor.uniform([3, 5], rng: &rng)
        let rows = m.rowArrays()
        XCTAssertEqual(rows.count, 3)
        for i in 0..<3 { XCTAssertEqual(rows[i], Array(m.scalars[(i * 5)..<(i * 5 + 5)])) }
        XCTAssertEqual(Tensor(shape: [0, 4], values: []).rowArrays().count, 0)
    }
}
