import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How cellphase spreads work over the cores — the engine, segmentation, data loading and inference alike.
///
/// BLAS runs single-threaded inside each call and the engine splits work (images of a batch, rows of a GEMM,
/// channels, row bands of a field) across `threadCount` workers itself: one threading model, no oversubscription,
/// one setting (`CELLPHASE_THREADS`).
public enum Parallel {
    /// Workers used by parallel loops: `CELLPHASE_THREADS` if set, else the number of online cores.
    public static let threadCount: Int = {
        if let s = getenv("CELLPHASE_THREADS"), let n = Int(String(cString: s)), n > 0 { return n }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// Workers available to a parallel loop started here: 1 inside `serially` (the caller already runs in
    /// parallel, e.g. one inference chunk per core), `threadCount` elsewhere.
    public static var workers: Int { pthread_getspecific(serialKey) == nil ? threadCount : 1 }

    /// Runs `body` with every parallel loop and split GEMM inside it running inline on this thread.
    public static func serially<R>(_ body: () throws -> R) rethrows -> R {
        let was = pthread_getspecific(serialKey)
        pthread_setspecific(serialKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(serialKey, was) }
        return try body()
    }

    /// Calls `body(chunkStart..<chunkEnd)` over `0..<count` split into at most `workers` contiguous chunks.
    /// Runs inline when the work is small (`count * costPerItem < 32_768`) or there is one worker.
    @inlinable @inline(__always)
    public static func forChunks(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = min(Parallel.workers, count)
        if workers <= 1 || count * costPerItem < 32_768 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = count * w / workers, hi = count * (w + 1) / workers
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }

    /// Calls `body(i)` for every `i` in `0..<count`, spread over the workers.
    @inlinable @inline(__always)
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Int) -> Void) {
        forChunks(count, costPerItem: costPerItem) { r in for i in r { body(i) } }
    }
}

extension Parallel {
    /// Calls `body` with disjoint ranges (row bands) covering `0..<count`, concurrently when `count` is at least
    /// `2 × minPerBand` (one band when the work is small, so tiny images pay no dispatch cost). `body` must only write
    /// memory owned by its range.
    public static func bands(_ count: Int, minPerBand: Int = 32, _ body: (Range<Int>) -> Void) {
        indexedBands(count, minPerBand: minPerBand) { _, r in body(r) }
    }

    /// `bands` with the band index, for per-band scratch buffers (`bandCount(_:minPerBand:)` of them).
    public static func indexedBands(_ count: Int, minPerBand: Int = 32, _ body: (Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let n = bandCount(count, minPerBand: minPerBand)
        if n == 1 { body(0, 0..<count); return }
        iterations(n) { b in body(b, (count * b / n) ..< (count * (b + 1) / n)) }
    }

    /// How many bands `bands` splits `count` items into.
    public static func bandCount(_ count: Int, minPerBand: Int = 32) -> Int {
        max(1, min(workers, count / max(1, minPerBand)))
    }

    /// `DispatchQueue.concurrentPerform` for a non-Sendable body (which must write disjoint memory per iteration).
    public static func iterations(_ n: Int, _ body: (Int) -> Void) {
        if n == 1 { body(0); return }
        withoutActuallyEscaping(body) { escaping in
            let box = UncheckedSendable(escaping)
            DispatchQueue.concurrentPerform(iterations: n) { i in box.value(i) }
        }
    }

    /// `body(i)` for every `i` in `0..<count` on all workers, results in order.
    public static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        var slots = [T?](repeating: nil, count: count)
        slots.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            forEach(count, costPerItem: 1 << 15) { i in out.value[i] = body(i) }
        }
        return slots.map { $0! }
    }
}

/// Thread-local marker of `Parallel.serially`.
private let serialKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// Wraps a value the caller guarantees is safe to share across the engine's worker threads
/// (raw buffer pointers into disjoint regions, closures over such pointers).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
