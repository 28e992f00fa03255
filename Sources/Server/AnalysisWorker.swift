import Dispatch
import Foundation

/// Why a job did not produce a result.
public enum WorkerError: Error, Equatable {
    /// More requests waiting than the queue holds (→ 503).
    case queueFull(capacity: Int)
    /// Still waiting for the model when the request's time ran out (→ 503).
    case timedOutWaiting(seconds: Double)
    /// Started but not finished in time (→ 504); the work finishes in the background and is dropped.
    case timedOutRunning(seconds: Double)
    /// The worker is shutting down.
    case shuttingDown
}

/// The model's own thread: one serial queue on which every analysis and classification runs,
/// off the server's event loops (the engine is not re-entrant per model; its kernels use both
/// cores themselves). At most `capacity` jobs wait behind the running one; more are refused at
/// once (HTTP 503) rather than piling up latency — at the microscope a late answer is a useless
/// one (the SGAN paper's 28 s per field, *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 6.1, is the example of an answer too late to act on).
public final class AnalysisWorker: @unchecked Sendable {
    public let capacity: Int
    private let queue = DispatchQueue(label: "cellphase.model", qos: .userInitiated)
    private let lock = NSLock()
    private var waiting = 0
    private var running = 0

    public init(capacity: Int) { self.capacity = max(0, capacity) }

    /// Jobs waiting (not yet started).
    public var queued: Int { lock.lock(); defer { lock.unlock() }; return waiting }
    /// Jobs running (0 or 1).
    public var busy: Int { lock.lock(); defer { lock.unlock() }; return running }

    /// Runs `body` on the model thread and returns its result, or throws `WorkerError` when the
    /// queue is full or `timeout` seconds pass first.
    public func run<T: Sendable>(timeout: Double, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = lock.withLock { () -> Bool in
            if waiting + running >= capacity + 1 { return false }
            waiting += 1
            return true
        }
        guard admitted else { throw WorkerError.queueFull(capacity: capacity) }
        let job = Job<T>()
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
            job.set(cont)
            queue.async { [self] in
                lock.lock(); waiting -= 1; lock.unlock()
                guard job.start() else { return }  // timed out while waiting: skip the work
                lock.lock(); running += 1; lock.unlock()
                let r = Result { try body() }
                lock.lock(); running -= 1; lock.unlock()
                job.finish(r)
            }
            if timeout > 0 && timeout.isFinite {
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { job.expire(timeout) }
            }
        }
    }

    /// One request's state: resumed exactly once, by the result or by the timer.
    private final class Job<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var cont: CheckedContinuation<T, any Error>?
        private var started = false, done = false

        func set(_ c: CheckedContinuation<T, any Error>) { lock.lock(); cont = c; lock.unlock() }

        /// Marks the job started; false when it already expired.
        func start() -> Bool {
            lock.lock(); defer { lock.unlock() }
            if done { return false }
            started = true
            return true
        }

        func finish(_ r: Result<T, any Error>) {
            lock.lock()
            guard !done, let c = cont else { lock.unlock(); return }
            done = true; cont = nil
            lock.unlock()
            c.resume(with: r)
        }

        func expire(_ seconds: Double) {
            lock.lock()
            guard !done, let c = cont else { lock.unlock(); return }
            done = true; cont = nil
            let wasStarted = started
            lock.unlock()
            c.resume(throwing: wasStarted ? WorkerError.timedOutRunning(seconds: seconds) : WorkerError.timedOutWaiting(seconds: seconds))
        }
    }
}
