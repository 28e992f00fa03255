#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Engine

/// Sparse categorical cross-entropy on logits `[N, K]` with integer labels, fused with log-softmax (stable for
/// any finite logits). Per sample `lᵢ = logsumexp(zᵢ) − zᵢ[yᵢ]`.
///
/// Without class weights the result is the mean over the batch. With `classWeights` (one per class, for
/// imbalanced data) each sample is weighted by `wᵢ = classWeights[yᵢ]` and the result is the **weighted mean**
/// `Σ wᵢ lᵢ / Σ wᵢ` (PyTorch's `reduction="mean"` with `weight=`), so the loss scale does not depend on the
/// weights' overall size. Gradient: `wᵢ / Σw · (softmax(zᵢ) − onehot(yᵢ))`.
public func sparseCrossEntropy(logits: Variable, labels: [Int], classWeights: [Float]? = nil) -> Variable {
    precondition(logits.shape.count == 2 && logits.shape[0] == labels.count,
                 "sparseCrossEntropy: logits \(logits.shape) for \(labels.count) labels")
    let k = logits.shape[1]
    if let w = classWeights { precondition(w.count == k, "\(w.count) class weights for \(k) classes") }
    for y in labels { precondition(y >= 0 && y < k, "label \(y) outside 0..<\(k)") }
    return sparseCrossEntropy(logits: logits, labels: labels, sampleWeights: meanWeights(labels: labels, classWeights: classWeights))
}

/// Per-sample weights that make `sparseCrossEntropy(logits:labels:sampleWeights:)` the (class-weighted) mean:
/// `classWeights[yᵢ] / Σⱼ classWeights[yⱼ]` (1/N without class weights).
public func meanWeights(labels: [Int], classWeights: [Float]?) -> [Float] {
    let weights = labels.map { classWeights?[$0] ?? 1 }
    let total = weights.reduce(0, +)
    precondition(total > 0, "sparseCrossEntropy: the samples' class weights sum to \(total)")
    return weights.map { $0 / total }
}

/// Σᵢ wᵢ · (logsumexp(zᵢ) − zᵢ[yᵢ]) on logits `[N, K]`: the cross-entropy of each sample weighted by its own
/// `sampleWeights[i]` and **summed** (the caller chooses the normalisation). Weight 0 drops a sample, so one call
/// can hold differently normalised parts: the labelled and pseudo-labelled halves of a consistency batch
/// (`ConsistencyTraining`). Gradient: `wᵢ · (softmax(zᵢ) − onehot(yᵢ))`.
public func sparseCrossEntropy(logits: Variable, labels: [Int], sampleWeights weights: [Float]) -> Variable {
    precondition(logits.shape.count == 2 && logits.shape[0] == labels.count && weights.count == labels.count,
                 "sparseCrossEntropy: logits \(logits.shape) for \(labels.count) labels and \(weights.count) weights")
    let n = logits.shape[0], k = logits.shape[1]
    for y in labels { precondition(y >= 0 && y < k, "label \(y) outside 0..<\(k)") }
    let z = logits.value
    var logp = Tensor(uninitializedShape: [n, k])
    SoftmaxKernels.softmax(z.data, rows: n, k: k, log: true, into: logp.mutableData())
    var loss = 0.0
    for i in 0..<n where weights[i] != 0 { loss -= Double(weights[i]) * Double(logp.data[i * k + labels[i]]) }
    return Variable.record(Tensor(scalar: Float(loss)), inputs: [logits]) { g, _ in
        var dz = Tensor(uninitializedShape: [n, k])
        let d = dz.mutableData(), lp = logp.data
        for i in 0..<n {
            let s = g.scalar * weights[i]
            for j in 0..<k { d[i * k + j] = s * expf(lp[i * k + j]) }
            d[i * k + labels[i]] -= s
        }
        return [dz]
    }
}

/// Binary cross-entropy on logits, `max(z, 0) − z·t + log1p(e^−|z|)` per element (finite for z = ±1000),
/// averaged over all elements (for `[N]` or `[N, 1]` logits: over the batch). Targets may be soft, in [0, 1].
/// Gradient: `(σ(z) − t) / count`.
public func binaryCrossEntropyWithLogits(_ logits: Variable, targets: Tensor) -> Variable {
    precondition(logits.value.count == targets.count,
                 "binaryCrossEntropyWithLogits: logits \(logits.shape), targets \(targets.shape)")
    let z = logits.value, n = z.count
    var s = 0.0
    for i in 0..<n {
        let zi = z.data[i], ti = targets.data[i]
        s += Double(Swift.max(zi, 0) - zi * ti + log1pf(expf(-Swift.abs(zi))))
    }
    let value = Tensor(scalar: Float(s / Double(Swift.max(n, 1))))
    return Variable.record(value, inputs: [logits]) { g, _ in
        let scale = g.scalar / Float(Swift.max(n, 1))
        return [z.zip(targets) { scale * (StableMath.sigmoid($0) - $1) }]
    }
}
