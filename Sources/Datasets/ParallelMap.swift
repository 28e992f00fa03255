import Dispatch

/// Runs `body` for 0..<count on all cores (DispatchQueue.concurrentPerform), results in order.
func parallelMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    var slots = [T?](repeating: nil, count: count)
    slots.withUnsafeMutableBufferPointer { buffer in
        let out = UncheckedBuffer(buffer: buffer)
        DispatchQueue.concurrentPerform(iterations: count) { i in out.buffer[i] = body(i) }
    }
    return slots.map { $0! }
}

/// A buffer written at distinct indices by concurrent iterations.
private struct UncheckedBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T?>
}
