import Foundation
import Imaging
import Support

/// A batch for the engine: `data` is Float32 NCHW (`shape = [N, C, H, W]`), `labels[i]` the class
/// index of sample i (-1 unlabelled), `rows` the rows of the prepared dataset it came from.
public struct Batch: Sendable {
    public var data: [Float]
    public var shape: [Int]
    public var labels: [Int]
    public var rows: [Int]
}

/// Streams one epoch of batches from a prepared dataset. Batches are built (gathered and
/// augmented) on a background queue, `prefetch` ahead, so augmentation overlaps training on the
/// other core. The result is deterministic for (seed, epoch) whatever the timing: the order is a
/// seeded shuffle and each sample's transform is drawn from a generator seeded by
/// (seed, epoch, row).
public final class BatchIterator: IteratorProtocol, Sequence, @unchecked Sendable {
    public let batchCount: Int
    private let state: State

    /// - Parameters:
    ///   - rows: which rows of `prepared` (e.g. a split's indices); default all.
    ///   - augmentation: nil for none (evaluation).
    ///   - dropLast: drop a last, smaller batch.
    public init(_ prepared: PreparedDataset, rows: [Int]? = nil, batchSize: Int, shuffle: Bool = true,
                dropLast: Bool = false, augmentation: AugmentationSettings? = nil, seed: UInt64, epoch: Int = 0,
                prefetch: Int = 2) {
        precondition(batchSize > 0)
        var order = rows ?? Array(0..<prepared.count)
        if shuffle {
            var g = SeededGenerator(seed: seed, stream: 0xBA7C, UInt64(epoch))
            g.shuffle(&order)
        }
        let full = order.count / batchSize
        let n = dropLast || order.count % batchSize == 0 ? full : full + 1
        batchCount = n
        state = State(capacity: Swift.max(1, prefetch))
        let state = self.state, finalOrder = order
        DispatchQueue.global(qos: .userInitiated).async {
            for b in 0..<n {
                guard state.waitForSpace() else { return }
                let slice = Array(finalOrder[b * batchSize ..< Swift.min(finalOrder.count, (b + 1) * batchSize)])
                let batch = BatchIterator.build(prepared, slice, augmentation: augmentation, seed: seed, epoch: epoch)
                state.put(batch)
            }
        }
    }

    deinit { state.cancel() }

    /// The next batch (waits for the background worker), or nil at the end of the epoch.
    public func next() -> Batch? {
        state.take(total: batchCount)
    }

    static func build(_ p: PreparedDataset, _ rows: [Int], augmentation: AugmentationSettings?, seed: UInt64, epoch: Int) -> Batch {
        let size = p.sampleSize
        var data = [Float](repeating: 0, count: rows.count * size)
        p.data.withUnsafeBufferPointer { src in
            data.withUnsafeMutableBufferPointer { dst in
                for (k, r) in rows.enumerated() {
                    let from = UnsafeBufferPointer(rebasing: src[r * size ..< (r + 1) * size])
                    let to = UnsafeMutableBufferPointer(rebasing: dst[k * size ..< (k + 1) * size])
                    if let a = augmentation {
                        var g = SeededGenerator(seed: seed, stream: UInt64(epoch), UInt64(r))
                        Augmenter.apply(.draw(a, using: &g), border: a.border, source: from, channels: p.channels,
                                        width: p.side, height: p.side, range: p.range, into: to)
                        if let acquisition = a.acquisition {
                            AcquisitionAugmentation.apply(acquisition.draw(using: &g), to: to, channels: p.channels,
                                                          width: p.side, height: p.side, range: p.range, using: &g)
                        }
                        a.cutout?.apply(to: to, channels: p.channels, width: p.side, height: p.side,
                                        fill: p.range.lowerBound, using: &g)
                    } else {
                        _ = to.initialize(from: from)
                    }
                }
            }
        }
        return Batch(data: data, shape: [rows.count, p.channels, p.side, p.side], labels: rows.map { p.labels[$0] }, rows: rows)
    }

    /// Bounded hand-over between the worker and the consumer.
    private final class State: @unchecked Sendable {
        private let cond = NSCondition()
        private var queue: [Batch] = []
        private var taken = 0
        private var cancelled = false
        private let capacity: Int
        init(capacity: Int) { self.capacity = capacity }

        func waitForSpace() -> Bool {
            cond.lock(); defer { cond.unlock() }
            while queue.count >= capacity && !cancelled { cond.wait() }
            return !cancelled
        }
        func put(_ b: Batch) {
            cond.lock(); queue.append(b); cond.broadcast(); cond.unlock()
        }
        func take(total: Int) -> Batch? {
            cond.lock(); defer { cond.unlock() }
            guard taken < total else { return nil }
            while queue.isEmpty { cond.wait() }
            taken += 1
            let b = queue.removeFirst()
            cond.broadcast()
            return b
        }
        func cancel() { cond.lock(); cancelled = true; cond.broadcast(); cond.unlock() }
    }
}
