import Engine

/// Precise batch-norm statistics (Wu & Johnson 2021, "Rethinking 'Batch' in BatchNorm", section 3): replaces each
/// trainable `BatchNorm`'s running mean and variance with the population statistics of its inputs over `batches`,
/// computed in an inference pass (dropout off) in which every such layer normalises with its batch statistics, as in
/// training.
///
/// Why: the running averages (momentum 0.99, Keras') trail the weights by about a hundred steps, and a layer behind
/// dropout saw dropout's extra variance in training but not at inference (Li et al. 2019, "Understanding the
/// disharmony between dropout and batch normalization"). In the SGAN paper's low-depth CNN (section 6.2.2: ReLU,
/// batch norm, pooling, dropout 0.25 per block) both make validation accuracy swing by ±15 points from one epoch to
/// the next, so early stopping and the best-epoch choice follow noise. Frozen layers keep their statistics.
/// Returns the number of layers recalibrated (0: nothing to do, the model is untouched).
@discardableResult
public func recalibrateBatchNorm(_ model: Module, batches: some Sequence<Tensor>) -> Int {
    let layers = model.modules.compactMap { $0 as? BatchNorm }.filter { !$0.weight.isFrozen }
    guard !layers.isEmpty else { return 0 }
    for l in layers { l.calibration = BatchNorm.Calibration(channels: l.weight.value.count) }
    defer { for l in layers { l.calibration = nil } }
    var any = false
    for batch in batches {
        _ = model(Variable(batch))
        any = true
    }
    guard any else { return 0 }
    for l in layers {
        guard let c = l.calibration, c.count > 0 else { continue }
        let n = Double(c.count)
        let mean = c.sum.map { $0 / n }
        var variance = zip(c.sumOfSquares, mean).map { Swift.max(0, $0 / n - $1 * $1) }
        if l.unbiasedRunningVariance && n > 1 { variance = variance.map { $0 * n / (n - 1) } }
        l.runningMean.value = Tensor(shape: [mean.count], values: mean.map(Float.init))
        l.runningVar.value = Tensor(shape: [variance.count], values: variance.map(Float.init))
    }
    return layers.count
}

extension BatchNorm {
    /// Per-channel sums of the values and their squares seen during `recalibrateBatchNorm`.
    struct Calibration {
        var sum: [Double]
        var sumOfSquares: [Double]
        var count = 0

        init(channels: Int) {
            sum = [Double](repeating: 0, count: channels)
            sumOfSquares = sum
        }

        /// Adds a batch of `m` values per channel with the given (biased) mean and variance.
        mutating func add(mean: Tensor, variance: Tensor, perChannel m: Int) {
            let mu = mean.scalars, v = variance.scalars
            for c in sum.indices {
                sum[c] += Double(m) * Double(mu[c])
                sumOfSquares[c] += Double(m) * (Double(v[c]) + Double(mu[c]) * Double(mu[c]))
            }
            count += m
        }
    }
}
