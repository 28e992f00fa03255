/// Differentiable matrix products through BLAS: `matmul` and the dense layer's `linear`.

/// `[m, k] × [k, n] → [m, n]`.
public func matmul(_ a: Variable, _ b: Variable) -> Variable {
    precondition(a.shape.count == 2 && b.shape.count == 2 && a.shape[1] == b.shape[0],
                 "matmul: \(a.shape) × \(b.shape)")
    let av = a.value, bv = b.value
    let m = av.shape[0], k = av.shape[1], n = bv.shape[1]
    var y = Tensor(uninitializedShape: [m, n])
    BLAS.parallelGemm(m: m, n: n, k: k, a: av.data, lda: k, b: bv.data, ldb: n, c: y.mutableData(), ldc: n)
    return Variable.record(y, inputs: [a, b]) { g, needs in
        var ga: Tensor?, gb: Tensor?
        if needs[0] {  // dA = G · Bᵀ
            var t = Tensor(uninitializedShape: [m, k])
            BLAS.parallelGemm(transB: true, m: m, n: k, k: n, a: g.data, lda: n, b: bv.data, ldb: n,
                              c: t.mutableData(), ldc: k)
            ga = t
        }
        if needs[1] {  // dB = Aᵀ · G
            var t = Tensor(uninitializedShape: [k, n])
            BLAS.parallelGemm(transA: true, m: k, n: n, k: m, a: av.data, lda: k, b: g.data, ldb: n,
                              c: t.mutableData(), ldc: n)
            gb = t
        }
        return [ga, gb]
    }
}

/// Dense layer: `x [n, in] · Wᵀ + b` with `W [out, in]` (PyTorch's layout) and optional `b [out]`.
public func linear(_ x: Variable, weight: Variable, bias: Variable?) -> Variable {
    precondition(x.shape.count == 2 && weight.shape.count == 2 && x.shape[1] == weight.shape[1],
                 "linear: input \(x.shape), weight \(weight.shape)")
    let xv = x.value, wv = weight.value
    let n = xv.shape[0], fin = xv.shape[1], fout = wv.shape[0]
    var y = Tensor(uninitializedShape: [n, fout])
    let yp = y.mutableData()
    if let b = bias?.value {
        precondition(b.count == fout, "linear: bias \(b.shape) for \(fout) outputs")
        for i in 0..<n { (yp + i * fout).update(from: b.data, count: fout) }
    }
    BLAS.parallelGemm(transB: true, m: n, n: fout, k: fin, a: xv.data, lda: fin, b: wv.data, ldb: fin,
                      beta: bias == nil ? 0 : 1, c: yp, ldc: fout)
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return Variable.record(y, inputs: inputs) { g, needs in
        var gx: Tensor?, gw: Tensor?, gb: Tensor?
        if needs[0] {  // dX = G · W
            var t = Tensor(uninitializedShape: [n, fin])
            BLAS.parallelGemm(m: n, n: fin, k: fout, a: g.data, lda: fout, b: wv.data, ldb: fin,
                              c: t.mutableData(), ldc: fin)
            gx = t
        }
        if needs[1] {  // dW = Gᵀ · X
            var t = Tensor(uninitializedShape: [fout, fin])
            BLAS.parallelGemm(transA: true, m: fout, n: fin, k: n, a: g.data, lda: fout, b: xv.data, ldb: fin,
                              c: t.mutableData(), ldc: fin)
            gw = t
        }
        if needs.count > 2 && needs[2] {
            var t = Tensor(zeros: [fout])
            let tp = t.mutableData(), gp = g.data
            for i in 0..<n { for j in 0..<fout { tp[j] += gp[i * fout + j] } }
            gb = t
        }
        return needs.count > 2 ? [gx, gw, gb] : [gx, gw]
    }
}
