@testable import Engine
import XCTest

/// The buffer pool behind tensors: buffers come back by size, the cap holds, and the least recently used sizes are
/// released first when a new size does not fit.
final class TensorStorageTests: XCTestCase {
    func testBuffersComeBackBySize() {
        let pool = BufferPool(maxPooledBytes: 1 << 20)
        let a = pool.take(5000)
        a.update(repeating: 1, count: 5000)
        pool.give(a, count: 5000)
        XCTAssertEqual(pool.pooled(count: 5000), 1)
        XCTAssertEqual(pool.heldBytes, 20_000)
        let b = pool.take(5000)
        XCTAssertEqual(b, a, "a pooled buffer of the same size is reused")
        XCTAssertEqual(pool.pooled(count: 5000), 0)
        XCTAssertEqual(pool.heldBytes, 0)
        let c = pool.take(5001)
        XCTAssertNotEqual(c, b, "another size is a new buffer")
        pool.give(b, count: 5000)
        pool.give(c, count: 5001)
        pool.drain()
        XCTAssertEqual(pool.heldBytes, 0)
    }

    func testSmallBuffersAreNotPooled() {
        let pool = BufferPool(maxPooledBytes: 1 << 20)
        pool.give(pool.take(100), count: 100)
        XCTAssertEqual(pool.pooled(count: 100), 0)
        XCTAssertEqual(pool.heldBytes, 0)
    }

    func testLeastRecentlyUsedSizesMakeRoom() {
        // Room for three buffers of about 4000 floats (16 kB each), not four.
        let pool = BufferPool(maxPooledBytes: 48_100)
        let sizes = [4000, 4001, 4002]
        let buffers = sizes.map { pool.take($0) }
        for (p, n) in zip(buffers, sizes) { pool.give(p, count: n) }
        XCTAssertEqual(sizes.map { pool.pooled(count: $0) }, [1, 1, 1])
        // Size 4000 is used again (taken and given back): 4001 is now the least recent.
        pool.give(pool.take(4000), count: 4000)
        // A new size that does not fit evicts 4001 only.
        pool.give(pool.take(3990), count: 3990)
        XCTAssertEqual(pool.pooled(count: 4001), 0)
        XCTAssertEqual(pool.pooled(count: 4000), 1)
        XCTAssertEqual(pool.pooled(count: 4002), 1)
        XCTAssertEqual(pool.pooled(count: 3990), 1)
        XCTAssertLessThanOrEqual(pool.heldBytes, pool.maxPooledBytes)
        // A second buffer of a size already held evicts the least recent other size (4002), not 4000.
        let extra = (0..<2).map { _ in pool.take(3990) }
        XCTAssertEqual(pool.pooled(count: 3990), 0)
        for p in extra { pool.give(p, count: 3990) }
        XCTAssertEqual(pool.pooled(count: 3990), 2)
        XCTAssertEqual(pool.pooled(count: 4002), 0)
        XCTAssertEqual(pool.pooled(count: 4000), 1)
        XCTAssertLessThanOrEqual(pool.heldBytes, pool.maxPooledBytes)
        // A buffer larger than the whole cap is never pooled and evicts nothing.
        pool.give(pool.take(20_000), count: 20_000)
        XCTAssertEqual(pool.pooled(count: 20_000), 0)
        XCTAssertEqual(pool.pooled(count: 4000), 1)
        pool.drain()
        XCTAssertEqual(pool.heldBytes, 0)
    }
}
