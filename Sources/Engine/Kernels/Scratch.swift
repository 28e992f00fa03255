/// Temporary buffers for kernels (im2col matrices, per-thread partial sums), recycled through the buffer pool.
@inline(__always)
func withScratch<R>(_ count: Int, zeroed: Bool = false, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
    let p = BufferPool.shared.take(count)
    defer { BufferPool.shared.give(p, count: count) }
    if zeroed { p.update(repeating: 0, count: count) }
    return body(p)
}
