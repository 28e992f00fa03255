import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Marks a process's unfinished runs `interrupted` when it receives SIGINT or SIGTERM (Ctrl-C, a cluster's job
/// scheduler ending a grid shard), so that a resumed budget grid (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 5) knows which cells to redo.
/// A process killed without a signal it can catch (SIGKILL, power loss) is found later by `RunRegistry.reapStale()`.
///
/// The C signal handler only writes the signal number to a pipe (async-signal-safe); a thread reading the pipe does
/// the database work, then exits the process with status 128 + signal when asked to.
public final class InterruptHandler: Sendable {
    let registry: RunRegistry
    let signals: [Int32]
    let exitProcess: Bool

    init(registry: RunRegistry, signals: [Int32], exitProcess: Bool) {
        self.registry = registry
        self.signals = signals
        self.exitProcess = exitProcess
        SignalRelay.shared.add(self)
    }

    /// Stops handling; signals no other handler wants get their default behaviour back.
    public func remove() {
        SignalRelay.shared.remove(self)
    }

    func handle(_ sig: Int32) {
        let name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal \(sig)"
        for id in registry.activeRuns {
            try? registry.markInterrupted(run: id, message: "interrupted by \(name)")
        }
    }
}

extension RunRegistry {
    /// On SIGINT or SIGTERM, marks the runs this instance began and has not ended `interrupted`, then (by default)
    /// exits with status 128 + signal. Several registries may install handlers; each marks its own runs.
    @discardableResult
    public func installInterruptHandler(signals: [Int32] = [SIGINT, SIGTERM], exitProcess: Bool = true) -> InterruptHandler {
        InterruptHandler(registry: self, signals: signals, exitProcess: exitProcess)
    }

    /// The runs this instance began and has not yet finished, failed or marked interrupted.
    public var activeRuns: [Int64] { active.all }
}

/// The write end of the signal pipe, read by the C handler (set once, before any handler is installed).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

private func forwardSignal(_ sig: Int32) {
    var byte = UInt8(truncatingIfNeeded: sig)
    _ = write(signalPipeWriteEnd, &byte, 1)
}

/// The process-wide pipe, reading thread and list of installed handlers.
final class SignalRelay: @unchecked Sendable {
    static let shared = SignalRelay()
    private let lock = NSLock()
    private var handlers: [InterruptHandler] = []

    private init() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        signalPipeWriteEnd = fds[1]
        let readEnd = fds[0]
        let thread = Thread { [self] in
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n == 1 { dispatch(Int32(byte)) } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
        thread.name = "cellphase.run-registry.signals"
        thread.start()
    }

    func add(_ h: InterruptHandler) {
        lock.withLock {
            handlers.append(h)
            for sig in h.signals { signal(sig, forwardSignal) }
        }
    }

    func remove(_ h: InterruptHandler) {
        lock.withLock {
            handlers.removeAll { $0 === h }
            let wanted = Set(handlers.flatMap(\.signals))
            for sig in h.signals where !wanted.contains(sig) { signal(sig, SIG_DFL) }
        }
    }

    private func dispatch(_ sig: Int32) {
        let targets = lock.withLock { handlers.filter { $0.signals.contains(sig) } }
        for h in targets { h.handle(sig) }
        if targets.contains(where: \.exitProcess) { exit(128 + sig) }
    }
}
