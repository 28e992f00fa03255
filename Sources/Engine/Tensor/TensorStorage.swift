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
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var freeLists: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private let lock = Lock()
    /// Buffers below this size are cheap to malloc; above `maxPooledBytes` in total, buffers are released.
    private let minPooledCount = 1024
    private let maxPooledBytes = 3 << 30

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        if n >= minPooledCount {
            let reused: UnsafeMutablePointer<Float>? = lock.withLock {
                guard var list = freeLists[n], let p = list.popLast() else { return nil }
                freeLists[n] = list.isEmpty ? nil : list
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
        if n >= minPooledCount {
            let kept: Bool = lock.withLock {
                guard pooledBytes + n * 4 <= maxPooledBytes else { return false }
                freeLists[n, default: []].append(p)
                pooledBytes += n * 4
                return true
            }
            if kept { return }
        }
        free(p)
    }

    /// Releases every pooled buffer (for memory measurements).
    func drain() {
        let all: [UnsafeMutablePointer<Float>] = lock.withLock {
            let a = freeLists.values.flatMap { $0 }
            freeLists.removeAll(); pooledBytes = 0
            return a
        }
        for p in all { free(p) }
    }
}
