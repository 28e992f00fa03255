import Support

/// Elementwise kernels over whole tensors: the building blocks of the ops' forward and backward rules.
/// Loops run over raw pointers so release builds vectorise them; large tensors are split over the cores.
extension Tensor {
    /// `self += other` (same element count).
    public mutating func addInPlace(_ other: Tensor, scale: Float = 1) {
        precondition(count == other.count, "addInPlace \(shape) += \(other.shape)")
        let p = UncheckedSendable(mutableData()), q = UncheckedSendable(other.data)
        Parallel.forChunks(count) { r in
            let p = p.value, q = q.value
            if scale == 1 { for i in r { p[i] += q[i] } } else { for i in r { p[i] += scale * q[i] } }
        }
    }

    /// `self *= s`.
    public mutating func scaleInPlace(_ s: Float) {
        let p = UncheckedSendable(mutableData())
        Parallel.forChunks(count) { r in for i in r { p.value[i] *= s } }
    }

    /// A new tensor `f(self[i])`. Inlined so that `f` is specialised into a plain, vectorisable loop
    /// (elementwise work is memory-bound; a closure called through a box per element is ~16× slower).
    @inline(__always)
    public func map(_ f: (Float) -> Float) -> Tensor {
        var out = Tensor(uninitializedShape: shape)
        let o = out.mutableData(), x = data
        for i in 0..<count { o[i] = f(x[i]) }
        return out
    }

    /// A new tensor `f(self[i], other[i])` (same element count; the shape of `self`).
    @inline(__always)
    public func zip(_ other: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(count == other.count, "zip \(shape) with \(other.shape)")
        var out = Tensor(uninitializedShape: shape)
        let o = out.mutableData(), x = data, y = other.data
        for i in 0..<count { o[i] = f(x[i], y[i]) }
        return out
    }

    /// Sum of all elements (in Double for accuracy).
    public func sum() -> Float {
        var s = 0.0
        for i in 0..<count { s += Double(data[i]) }
        return Float(s)
    }

    /// Mean of all elements.
    public func mean() -> Float { count == 0 ? 0 : sum() / Float(count) }

    /// Largest absolute element.
    public func maxAbs() -> Float {
        var m: Float = 0
        for i in 0..<count { m = Swift.max(m, Swift.abs(data[i])) }
        return m
    }

    /// Index of the largest element of each row of a `[n, k]` tensor.
    public func argmaxRows() -> [Int] {
        precondition(rank == 2, "argmaxRows of \(shape)")
        let n = shape[0], k = shape[1]
        return (0..<n).map { i in
            var best = 0
            for j in 1..<max(k, 1) where data[i * k + j] > data[i * k + best] { best = j }
            return best
        }
    }
}
