#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reference-counted, 64-byte aligned Float32 buffer behind a `Tensor`.
///
/// Freed buffers go back to a small process-wide pool keyed by size, so a model run again and again
/// (inference at the microscope, training steps of equal batch size) reuses its buffers instead of
/// paying for fresh page faults on every call.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// New storage; its contents are undefined until written.
    init(uninitializedCount count: Int) {
        self.count = count
        self.pointer = BufferPool.shared.take(count)
    }

    deinit { BufferPool.shared.give(pointer, count: count) }
}

/// Thread-safe free lists of buffers by element count.
///
/// The pool holds at most `maxPooledBytes`. When a freed buffer would not fit, the sizes used least recently are
/// released first: a process that runs one network after another (`bench engine`, a `cv` over several
/// architectures, a server whose batch sizes change) keeps the buffers of the network it runs now instead of a pool
/// full of the previous one's sizes — measured on `bench engine --only train`, the EfficientNet step that followed
/// ResNet-50 found the pool full and page-faulted every buffer in anew on every step.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var freeLists: [Int: [UnsafeMutablePointer<Float>]] = [:]
    /// When each pooled size was last taken from or given back (a counter, not a clock).
    private var lastUse: [Int: UInt64] = [:]
    private var tick: UInt64 = 0
    private var pooledBytes = 0
    private let lock = Lock()
    /// Buffers below this size are cheap to malloc; above `maxPooledBytes` in total, the least recent sizes go.
    private let minPooledCount = 1024
    let maxPooledBytes: Int

    init(maxPooledBytes: Int = 3 << 30) { self.maxPooledBytes = maxPooledBytes }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        if n >= minPooledCount {
            let reused: UnsafeMutablePointer<Float>? = lock.withLock {
                guard var list = freeLists[n], let p = list.popLast() else { return nil }
                freeLists[n] = list.isEmpty ? nil : list
                tick += 1
                lastUse[n] = list.isEmpty ? nil : tick
                pooledBytes -= n * 4
                return p
            }
            if let p = reused { return p }
        }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, n * MemoryLayout<Float>.stride) == 0, let raw else {
            fatalError("cellphase: out of memory allocating \(n * 4) bytes")
        }
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    func give(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let n = max(count, 1)
        if n >= minPooledCount && n * 4 <= maxPooledBytes {
            let (kept, evicted): (Bool, [UnsafeMutablePointer<Float>]) = lock.withLock {
                var evicted: [UnsafeMutablePointer<Float>] = []
                while pooledBytes + n * 4 > maxPooledBytes {
                    var victim: Int?
                    for size in freeLists.keys where size != n {
                        if victim == nil || lastUse[size, default: 0] < lastUse[victim!, default: 0] { victim = size }
                    }
                    guard let victim, let list = freeLists.removeValue(forKey: victim) else { break }
                    lastUse[victim] = nil
                    pooledBytes -= victim * 4 * list.count
                    evicted += list
                }
                guard pooledBytes + n * 4 <= maxPooledBytes else { return (false, evicted) }
                freeLists[n, default: []].append(p)
                tick += 1
                lastUse[n] = tick
                pooledBytes += n * 4
                return (true, evicted)
            }
            for e in evicted { free(e) }
            if kept { return }
        }
        free(p)
    }

    /// Bytes the pool holds (for tests).
    var heldBytes: Int { lock.withLock { pooledBytes } }

    /// How many buffers of `count` elements the pool holds (for tests).
    func pooled(count: Int) -> Int { lock.withLock { freeLists[max(count, 1)]?.count ?? 0 } }

    /// Releases every pooled buffer (for memory measurements).
    func drain() {
        let all: [UnsafeMutablePointer<Float>] = lock.withLock {
            let a = freeLists.values.flatMap { $0 }
            freeLists.removeAll(); lastUse.removeAll(); pooledBytes = 0
            return a
        }
        for p in all { free(p) }
    }
}
