import Support

/// Per-channel loops of batch normalisation over `[N, C, inner]` views of NCHW (`inner = H·W`) or `[N, C]`
/// (`inner = 1`) tensors. Channels are spread over the cores; each feature map is summed in 16 float lanes
/// (`VectorSums`), the maps' sums in Double.
public enum BatchNormKernels {
    /// `(N, C, inner)` of a tensor shape of rank ≥ 2.
    public static func dims(_ shape: [Int]) -> (n: Int, c: Int, inner: Int) {
        precondition(shape.count >= 2, "batch norm needs [N, C, ...], got \(shape)")
        return (shape[0], shape[1], shape.dropFirst(2).reduce(1, *))
    }

    /// Biased mean and variance of each channel (two passes).
    public static func statistics(_ x: Tensor) -> (mean: Tensor, variance: Tensor) {
        let (n, c, inner) = dims(x.shape)
        var mean = Tensor(uninitializedShape: [c]), variance = Tensor(uninitializedShape: [c])
        let mp = UncheckedSendable(mean.mutableData()), vp = UncheckedSendable(variance.mutableData())
        let xp = UncheckedSendable(x.data)
        let m = Double(Swift.max(n * inner, 1))
        Parallel.forEach(c, costPerItem: 2 * n * inner) { ch in
            let x = xp.value
            var s = 0.0
            for i in 0..<n { s += Double(VectorSums.sum(x + (i * c + ch) * inner, inner)) }
            let mu = s / m
            var q = 0.0
            for i in 0..<n {
                q += Double(VectorSums.squaredDeviations(x + (i * c + ch) * inner, inner, mean: Float(mu)))
            }
            mp.value[ch] = Float(mu)
            vp.value[ch] = Float(q / m)
        }
        return (mean, variance)
    }

    /// `1 / sqrt(variance + eps)` per channel.
    public static func inverseStd(_ variance: Tensor, eps: Float) -> Tensor {
        variance.map { 1 / (($0 + eps).squareRoot()) }
    }

    /// `y = gamma · (x − mean) · invStd + beta` per channel.
    public static func normalize(_ x: Tensor, mean: Tensor, invStd: Tensor, gamma: Tensor, beta: Tensor) -> Tensor {
        let (n, c, inner) = dims(x.shape)
        var y = Tensor(uninitializedShape: x.shape)
        let yp = UncheckedSendable(y.mutableData()), xp = UncheckedSendable(x.data)
        let mp = mean.data, ip = invStd.data, gp = gamma.data, bp = beta.data
        // Per-channel scale and shift, so the inner loop is one fused multiply-add.
        var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
        for ch in 0..<c { scale[ch] = gp[ch] * ip[ch]; shift[ch] = bp[ch] - mp[ch] * scale[ch] }
        scale.withUnsafeBufferPointer { sc in shift.withUnsafeBufferPointer { sh in
            let s = UncheckedSendable((sc.baseAddress!, sh.baseAddress!))
            Parallel.forEach(n * c, costPerItem: inner) { row in
                let (sc, sh) = s.value
                let ch = row % c, a = sc[ch], b = sh[ch]
                let x = xp.value + row * inner, y = yp.value + row * inner
                for j in 0..<inner { y[j] = a * x[j] + b }
            }
        } }
        return y
    }

    /// `Σ g` and `Σ g · x̂` per channel, with `x̂ = (x − mean) · invStd`.
    public static func gradientSums(_ g: Tensor, _ x: Tensor, mean: Tensor, invStd: Tensor)
        -> (sumG: [Double], sumGX: [Double]) {
        let (n, c, inner) = dims(x.shape)
        var sumG = [Double](repeating: 0, count: c), sumGX = [Double](repeating: 0, count: c)
        let gp = UncheckedSendable(g.data), xp = UncheckedSendable(x.data)
        let mp = UncheckedSendable(mean.data), ip = UncheckedSendable(invStd.data)
        sumG.withUnsafeMutableBufferPointer { sg in sumGX.withUnsafeMutableBufferPointer { sgx in
            let out = UncheckedSendable((sg.baseAddress!, sgx.baseAddress!))
            Parallel.forEach(c, costPerItem: 2 * n * inner) { ch in
                let mu = mp.value[ch], inv = ip.value[ch]
                var a = 0.0, b = 0.0
                for i in 0..<n {
                    let row = (i * c + ch) * inner
                    let (fa, fb) = VectorSums.gradientSums(gp.value + row, xp.value + row, inner, mean: mu)
                    a += Double(fa); b += Double(fb) * Double(inv)
                }
                out.value.0[ch] = a
                out.value.1[ch] = b
            }
        } }
        return (sumG, sumGX)
    }

    /// Gradient of the input. Training (batch statistics):
    /// `dx = gamma · invStd · (g − Σg/M − x̂ · Σ(g x̂)/M)`; inference (fixed statistics): `dx = gamma · invStd · g`.
    public static func inputGradient(_ g: Tensor, _ x: Tensor, mean: Tensor, invStd: Tensor, gamma: Tensor,
                                     sums: (sumG: [Double], sumGX: [Double])?) -> Tensor {
        let (n, c, inner) = dims(x.shape)
        let m = Float(Swift.max(n * inner, 1))
        // dx = a·g + b·x + d per channel.
        var a = [Float](repeating: 0, count: c), b = [Float](repeating: 0, count: c), d = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            let inv = invStd.data[ch], mu = mean.data[ch]
            a[ch] = gamma.data[ch] * inv
            if let s = sums {
                let meanG = Float(s.sumG[ch]) / m, meanGX = Float(s.sumGX[ch]) / m
                // −a·x̂·meanGX = −a·inv·meanGX·(x − mu)
                b[ch] = -a[ch] * inv * meanGX
                d[ch] = -a[ch] * meanG - b[ch] * mu
            }
        }
        var dx = Tensor(uninitializedShape: x.shape)
        let dp = UncheckedSendable(dx.mutableData()), gp = UncheckedSendable(g.data), xp = UncheckedSendable(x.data)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in d.withUnsafeBufferPointer { cp in
            let coef = UncheckedSendable((ap.baseAddress!, bp.baseAddress!, cp.baseAddress!))
            Parallel.forEach(n * c, costPerItem: inner) { row in
                let ch = row % c
                let (ap, bp, cp) = coef.value
                let ca = ap[ch], cb = bp[ch], cd = cp[ch]
                let gr = gp.value + row * inner, xr = xp.value + row * inner, o = dp.value + row * inner
                for j in 0..<inner { o[j] = ca * gr[j] + cb * xr[j] + cd }
            }
        } } }
        return dx
    }
}
