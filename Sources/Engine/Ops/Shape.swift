/// Differentiable shape ops: reshape, flatten and concatenation along channels.
extension Variable {
    /// The same elements with another shape (one dimension may be -1).
    public func reshaped(_ shape: [Int]) -> Variable {
        let old = self.shape
        return Variable.record(value.reshaped(shape), inputs: [self]) { g, _ in [g.reshaped(old)] }
    }

    /// `[N, ...]` to `[N, rest]`.
    public func flattened() -> Variable { reshaped([shape[0], -1]) }
}

/// Concatenates NCHW (or [N, C]) tensors along the channel axis 1.
public func concatChannels(_ xs: [Variable]) -> Variable {
    precondition(!xs.isEmpty, "concatChannels of nothing")
    let n = xs[0].shape[0]
    let inner = xs[0].shape.dropFirst(2).reduce(1, *)
    for x in xs {
        precondition(x.shape.count == xs[0].shape.count && x.shape[0] == n
                     && x.shape.dropFirst(2).reduce(1, *) == inner && Array(x.shape.dropFirst(2)) == Array(xs[0].shape.dropFirst(2)),
                     "concatChannels: \(x.shape) does not match \(xs[0].shape) outside axis 1")
    }
    let channels = xs.map { $0.shape[1] }
    let total = channels.reduce(0, +)
    var outShape = xs[0].shape
    outShape[1] = total
    var out = Tensor(uninitializedShape: outShape)
    let o = out.mutableData()
    var c0 = 0
    for (x, c) in Swift.zip(xs, channels) {
        let src = x.value.data
        for i in 0..<n {
            (o + (i * total + c0) * inner).update(from: src + i * c * inner, count: c * inner)
        }
        c0 += c
    }
    return Variable.record(out, inputs: xs) { g, needs in
        var grads = [Tensor?]()
        var c0 = 0
        for (k, c) in channels.enumerated() {
            defer { c0 += c }
            guard needs[k] else { grads.append(nil); continue }
            var shape = outShape
            shape[1] = c
            var gi = Tensor(uninitializedShape: shape)
            let d = gi.mutableData(), src = g.data
            for i in 0..<n { d.advanced(by: i * c * inner).update(from: src + (i * total + c0) * inner, count: c * inner) }
            grads.append(gi)
        }
        return grads
    }
}
