/// Inverted dropout (Srivastava et al. 2014): in a training pass each element is zeroed with probability `rate`
/// and the survivors are scaled by `1 / (1 − rate)`, so inference is the identity. The SGAN uses rate 0.25 in both
/// networks (`004_…txt` section 4.1.2).
///
/// The mask draws from the tape's generator (`x.tape!.rng`), so a seeded tape reproduces it exactly.
/// Identity (no copy, nothing recorded) when `!x.isTraining` or `rate == 0`.
public func dropout(_ x: Variable, rate: Float) -> Variable {
    precondition(rate >= 0 && rate < 1, "dropout rate \(rate) outside [0, 1)")
    guard x.isTraining, rate > 0, let tape = x.tape else { return x }
    let n = x.value.count
    let scale = 1 / (1 - rate)
    var mask = Tensor(uninitializedShape: x.shape)
    let m = mask.mutableData()
    for i in 0..<n { m[i] = tape.rng.uniform() < rate ? 0 : scale }
    return Variable.record(x.value.zip(mask, *), inputs: [x]) { g, _ in [g.zip(mask, *)] }
}
