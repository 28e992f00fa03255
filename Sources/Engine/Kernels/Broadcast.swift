/// NumPy-style broadcasting for binary elementwise ops, and its adjoint (summing a gradient back to an
/// input's shape).
public enum Broadcast {
    /// The broadcast shape of `a` and `b`, or nil when they are incompatible.
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        let pa = Array(repeating: 1, count: r - a.count) + a, pb = Array(repeating: 1, count: r - b.count) + b
        var out = [Int]()
        for (x, y) in Swift.zip(pa, pb) {
            if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
        }
        return out
    }

    /// Row-major strides of `shape` read as `outShape` (0 along broadcast dimensions).
    static func strides(_ shape: [Int], in outShape: [Int]) -> [Int] {
        let padded = Array(repeating: 1, count: outShape.count - shape.count) + shape
        var s = [Int](repeating: 0, count: outShape.count)
        var acc = 1
        for d in stride(from: outShape.count - 1, through: 0, by: -1) {
            s[d] = padded[d] == 1 && outShape[d] != 1 ? 0 : acc
            acc *= padded[d]
        }
        return s
    }

    /// Calls `body(outOffset, aOffset, bOffset, innerCount, aInnerStride, bInnerStride)` for every innermost row.
    @inline(__always)
    static func forEachRow(_ outShape: [Int], _ sa: [Int], _ sb: [Int],
                           _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let r = outShape.count
        if r == 0 { body(0, 0, 0, 1, 0, 0); return }
        let inner = outShape[r - 1]
        let rows = outShape.dropLast().reduce(1, *)
        var idx = [Int](repeating: 0, count: max(r - 1, 0))
        var oa = 0, ob = 0
        for row in 0..<rows {
            body(row * inner, oa, ob, inner, sa[r - 1], sb[r - 1])
            var d = r - 2
            while d >= 0 {
                idx[d] += 1; oa += sa[d]; ob += sb[d]
                if idx[d] < outShape[d] { break }
                oa -= sa[d] * idx[d]; ob -= sb[d] * idx[d]; idx[d] = 0
                d -= 1
            }
        }
    }

    /// `f(a, b)` elementwise with broadcasting.
    @inline(__always)
    public static func apply(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape { return a.zip(b, f) }
        guard let outShape = shape(a.shape, b.shape) else {
            preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        return applyBroadcast(a, b, outShape, f)
    }

    @inline(__always)
    static func applyBroadcast(_ a: Tensor, _ b: Tensor, _ outShape: [Int], _ f: (Float, Float) -> Float) -> Tensor {
        var out = Tensor(uninitializedShape: outShape)
        let o = out.mutableData(), pa = a.data, pb = b.data
        forEachRow(outShape, strides(a.shape, in: outShape), strides(b.shape, in: outShape)) { oo, ao, bo, n, sa, sb in
            if sa == 1 && sb == 0 {
                let bv = pb[bo]
                for i in 0..<n { o[oo + i] = f(pa[ao + i], bv) }
            } else if sa == 0 && sb == 1 {
                let av = pa[ao]
                for i in 0..<n { o[oo + i] = f(av, pb[bo + i]) }
            } else {
                for i in 0..<n { o[oo + i] = f(pa[ao + i * sa], pb[bo + i * sb]) }
            }
        }
        return out
    }

    /// Sums `g` (of a broadcast result's shape) over the dimensions along which `shape` was broadcast.
    public static func reduce(_ g: Tensor, to shape: [Int]) -> Tensor {
        if g.shape == shape { return g }
        if shape.elementCount == g.count { return g.reshaped(shape) }
        var out = Tensor(zeros: shape)
        let o = out.mutableData(), pg = g.data
        let so = strides(shape, in: g.shape)
        let zero = [Int](repeating: 0, count: g.shape.count)
        forEachRow(g.shape, zero, so) { go, _, oo, n, _, s in
            if s == 0 {
                var acc: Float = 0
                for i in 0..<n { acc += pg[go + i] }
                o[oo] += acc
            } else {
                for i in 0..<n { o[oo + i * s] += pg[go + i] }
            }
        }
        return out
    }
}
