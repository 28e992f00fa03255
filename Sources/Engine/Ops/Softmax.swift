#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Differentiable softmax, log-softmax and log-sum-exp along the last axis (class logits `[N, K]`).
extension Variable {
    /// `exp(x − logsumexp(x))` per row; backward `y ⊙ (g − Σ g ⊙ y)`.
    public func softmax() -> Variable { rowSoftmax(log: false) }

    /// `x − logsumexp(x)` per row; backward `g − softmax(x) · Σ g`.
    public func logSoftmax() -> Variable { rowSoftmax(log: true) }

    /// Softmax (`log` false) or log-softmax (`log` true) along the last axis, forward and backward side by side.
    private func rowSoftmax(log: Bool) -> Variable {
        let k = shape.last ?? 1, rows = value.count / Swift.max(k, 1)
        var y = Tensor(uninitializedShape: shape)
        SoftmaxKernels.softmax(value.data, rows: rows, k: k, log: log, into: y.mutableData())
        return Variable.record(y, inputs: [self]) { g, _ in
            var dx = Tensor(uninitializedShape: y.shape)
            let d = dx.mutableData(), gp = g.data, yp = y.data
            for i in 0..<rows {
                var s: Float = 0
                if log {
                    for j in 0..<k { s += gp[i * k + j] }
                    for j in 0..<k { d[i * k + j] = gp[i * k + j] - expf(yp[i * k + j]) * s }
                } else {
                    for j in 0..<k { s += gp[i * k + j] * yp[i * k + j] }
                    for j in 0..<k { d[i * k + j] = yp[i * k + j] * (gp[i * k + j] - s) }
                }
            }
            return [dx]
        }
    }

    /// `log Σ exp(x)` over the last axis (`[N, K] → [N]`), max-shifted so logits of ±1000 stay finite.
    /// Backward: `g · softmax(x)`. The SGAN's unsupervised head is built on it (Salimans et al. 2016).
    public func logSumExp() -> Variable {
        let k = shape.last ?? 1, rows = value.count / Swift.max(k, 1)
        let x = value
        var y = Tensor(uninitializedShape: Array(shape.dropLast()))
        SoftmaxKernels.logSumExp(x.data, rows: rows, k: k, into: y.mutableData())
        return Variable.record(y, inputs: [self]) { g, _ in
            var dx = Tensor(uninitializedShape: x.shape)
            let d = dx.mutableData(), gp = g.data, xp = x.data, yp = y.data
            for i in 0..<rows {
                let lse = yp[i], gi = gp[i]
                for j in 0..<k { d[i * k + j] = gi * expf(xp[i * k + j] - lse) }
            }
            return [dx]
        }
    }
}
