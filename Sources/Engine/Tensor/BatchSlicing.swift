/// Slicing and joining tensors along the batch (first) axis.
extension Tensor {
    /// Rows `range` of the first axis, copied.
    public func batchSlice(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "batchSlice \(range) of \(shape)")
        var s = shape
        s[0] = range.count
        var out = Tensor(uninitializedShape: s)
        let inner = count / max(shape[0], 1)
        out.mutableData().update(from: data + range.lowerBound * inner, count: range.count * inner)
        return out
    }

    /// Concatenation along the first axis (the other dimensions must agree).
    public static func concatenateBatches(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "concatenateBatches of nothing")
        let rest = Array(parts[0].shape.dropFirst())
        precondition(parts.allSatisfy { Array($0.shape.dropFirst()) == rest }, "concatenateBatches: shapes differ")
        var out = Tensor(uninitializedShape: [parts.reduce(0) { $0 + $1.shape[0] }] + rest)
        var p = out.mutableData()
        for t in parts { p.update(from: t.data, count: t.count); p += t.count }
        return out
    }
}
