import Engine

/// Batch normalisation over channel axis 1 of NCHW or `[N, C]` inputs, with learned `weight` (γ) and `bias` (β)
/// and running statistics kept as buffers `running_mean` / `running_var` (PyTorch's names, so converted
/// checkpoints load by name).
///
/// Conventions (Keras', the framework of the papers we reproduce): in a training pass the batch statistics
/// normalise and the running averages update as `running = momentum · running + (1 − momentum) · batch` with
/// `momentum = 0.99` and the **biased** batch variance (Keras; PyTorch would use momentum 0.1 on the other term
/// and the unbiased variance — pass `momentum: 0.9, unbiasedRunningVariance: true` to get exactly that).
/// `eps` defaults to Keras' 1e-3. Inference passes, and frozen layers (Keras' `trainable = False` in transfer
/// learning), normalise with the running statistics.
public final class BatchNorm: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Parameter
    public let runningVar: Parameter
    public let momentum: Float
    public let eps: Float
    public let unbiasedRunningVariance: Bool
    /// Set while `recalibrateBatchNorm` runs: normalise with batch statistics and accumulate them.
    var calibration: Calibration?

    public init(_ channels: Int, momentum: Float = 0.99, eps: Float = 1e-3, unbiasedRunningVariance: Bool = false) {
        weight = Parameter(Tensor(shape: [channels], repeating: 1))
        bias = Parameter(Tensor(zeros: [channels]))
        runningMean = Parameter(Tensor(zeros: [channels]), isBuffer: true)
        runningVar = Parameter(Tensor(shape: [channels], repeating: 1), isBuffer: true)
        self.momentum = momentum
        self.eps = eps
        self.unbiasedRunningVariance = unbiasedRunningVariance
        super.init()
        register("weight", weight)
        register("bias", bias)
        register("running_mean", runningMean)
        register("running_var", runningVar)
    }

    public override func callAsFunction(_ x: Variable) -> Variable {
        let gamma = x.use(weight), beta = x.use(bias)
        if calibration != nil {
            let (y, mean, variance) = batchNormTraining(x, gamma: gamma, beta: beta, eps: eps)
            calibration!.add(mean: mean, variance: variance, perChannel: x.value.count / Swift.max(x.shape[1], 1))
            return y
        }
        guard x.isTraining && !weight.isFrozen else {
            return batchNormInference(x, gamma: gamma, beta: beta, mean: runningMean.value,
                                      variance: runningVar.value, eps: eps)
        }
        let (y, mean, variance) = batchNormTraining(x, gamma: gamma, beta: beta, eps: eps)
        let m = Float(x.value.count / Swift.max(x.shape[1], 1))
        let correction = unbiasedRunningVariance && m > 1 ? m / (m - 1) : 1
        let a = momentum, b = 1 - momentum
        runningMean.value = runningMean.value.zip(mean) { a * $0 + b * $1 }
        runningVar.value = runningVar.value.zip(variance) { a * $0 + b * correction * $1 }
        return y
    }
}
