/// Slicing and joining tensors along the batch (first) axis, and joining matrices side by side.
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

    /// The rows of a matrix `[N, D]`, one array each.
    public func rowArrays() -> [[Float]] {
        precondition(rank == 2, "rowArrays of a \(shape) tensor")
        let d = shape[1]
        return (0..<shape[0]).map { Array(UnsafeBufferPointer(start: data + $0 * d, count: d)) }
    }

    /// Matrices `[N, Dᵢ]` side by side: `[N, ΣDᵢ]` (row i is the rows i of every part, in order).
    public static func concatenateColumns(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "concatenateColumns of nothing")
        let n = parts[0].shape[0]
        precondition(parts.allSatisfy { $0.rank == 2 && $0.shape[0] == n }, "concatenateColumns: not matrices of \(n) rows")
        let width = parts.reduce(0) { $0 + $1.shape[1] }
        var out = Tensor(uninitializedShape: [n, width])
        let dst = out.mutableData()
        var offset = 0
        for t in parts {
            let d = t.shape[1]
            for i in 0..<n { (dst + i * width + offset).update(from: t.data + i * d, count: d) }
            offset += d
        }
        return out
    }
}
