/// Differentiable batch normalisation (Ioffe & Szegedy 2015) over the channel axis 1 of NCHW or `[N, C]` tensors.

/// Batch normalisation with the statistics of this batch (over N, H, W per channel for NCHW; over N for
/// `[N, C]`). Returns the output and the batch mean and **biased** variance (divided by M = N·H·W), which the
/// layer folds into its running averages. Differentiable w.r.t. `x`, `gamma` and `beta` (each `[C]`).
public func batchNormTraining(_ x: Variable, gamma: Variable, beta: Variable, eps: Float)
    -> (output: Variable, mean: Tensor, variance: Tensor) {
    let xv = x.value
    let c = BatchNormKernels.dims(xv.shape).c
    precondition(gamma.value.count == c && beta.value.count == c,
                 "batchNorm: gamma \(gamma.shape), beta \(beta.shape) for \(c) channels")
    let (mean, variance) = BatchNormKernels.statistics(xv)
    let invStd = BatchNormKernels.inverseStd(variance, eps: eps)
    let gv = gamma.value
    let y = BatchNormKernels.normalize(xv, mean: mean, invStd: invStd, gamma: gv, beta: beta.value)
    let out = Variable.record(y, inputs: [x, gamma, beta]) { g, needs in
        let sums = BatchNormKernels.gradientSums(g, xv, mean: mean, invStd: invStd)
        let dx = needs[0]
            ? BatchNormKernels.inputGradient(g, xv, mean: mean, invStd: invStd, gamma: gv, sums: sums) : nil
        return [dx,
                needs[1] ? Tensor(shape: [c], values: sums.sumGX.map { Float($0) }) : nil,
                needs[2] ? Tensor(shape: [c], values: sums.sumG.map { Float($0) }) : nil]
    }
    return (out, mean, variance)
}

/// Batch normalisation with fixed statistics (the running averages, in inference or a frozen layer):
/// `gamma · (x − mean) / sqrt(variance + eps) + beta`. Differentiable w.r.t. `x`, `gamma` and `beta`.
public func batchNormInference(_ x: Variable, gamma: Variable, beta: Variable, mean: Tensor, variance: Tensor,
                               eps: Float) -> Variable {
    let xv = x.value
    let c = BatchNormKernels.dims(xv.shape).c
    precondition(gamma.value.count == c && beta.value.count == c && mean.count == c && variance.count == c,
                 "batchNorm: gamma \(gamma.shape), beta \(beta.shape), mean \(mean.shape), variance "
                 + "\(variance.shape) for \(c) channels")
    let invStd = BatchNormKernels.inverseStd(variance, eps: eps)
    let gv = gamma.value
    let y = BatchNormKernels.normalize(xv, mean: mean, invStd: invStd, gamma: gv, beta: beta.value)
    return Variable.record(y, inputs: [x, gamma, beta]) { g, needs in
        var dGamma: Tensor?, dBeta: Tensor?
        if needs[1] || needs[2] {
            let sums = BatchNormKernels.gradientSums(g, xv, mean: mean, invStd: invStd)
            dGamma = Tensor(shape: [c], values: sums.sumGX.map { Float($0) })
            dBeta = Tensor(shape: [c], values: sums.sumG.map { Float($0) })
        }
        let dx = needs[0]
            ? BatchNormKernels.inputGradient(g, xv, mean: mean, invStd: invStd, gamma: gv, sums: nil) : nil
        return [dx, needs[1] ? dGamma : nil, needs[2] ? dBeta : nil]
    }
}
