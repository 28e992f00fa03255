import Support

/// Inverted dropout (Srivastava et al. 2014): in a training pass each element is zeroed with probability `rate`
/// and the survivors are scaled by `1 / (1 − rate)`, so inference is the identity. The SGAN uses rate 0.25 in both
/// networks (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 4.1.2).
///
/// The mask is reproducible: one draw from the tape's generator (`x.tape!.rng`) seeds the call, and each block
/// of 64 Ki elements draws from its own generator derived from that seed and the block's index, so the mask is
/// the same whatever the number of threads that fill it. Identity (no copy, nothing recorded) when
/// `!x.isTraining` or `rate == 0`.
public func dropout(_ x: Variable, rate: Float) -> Variable {
    precondition(rate >= 0 && rate < 1, "dropout rate \(rate) outside [0, 1)")
    guard x.isTraining, rate > 0, let tape = x.tape else { return x }
    let n = x.value.count
    let scale = 1 / (1 - rate)
    let base = tape.rng.next()
    let threshold = UInt64((Double(rate) * 4_294_967_296).rounded())  // P(u < threshold) = rate, u 32-bit
    let block = 1 << 16
    var mask = Tensor(uninitializedShape: x.shape)
    let m = UncheckedSendable(mask.mutableData())
    Parallel.forEach((n + block - 1) / block, costPerItem: block) { b in
        var rng = RandomSource(seed: base ^ (UInt64(b) &* 0x9E37_79B9_7F4A_7C15))
        let m = m.value
        var i = b * block
        let end = Swift.min(i + block, n)
        while i < end {  // two 32-bit uniforms per 64-bit draw
            let r = rng.next()
            m[i] = r & 0xFFFF_FFFF < threshold ? 0 : scale
            if i + 1 < end { m[i + 1] = r >> 32 < threshold ? 0 : scale }
            i += 2
        }
    }
    return Variable.record(ActivationKernels.multiply(x.value, mask), inputs: [x]) { g, _ in
        [ActivationKernels.multiply(g, mask)]
    }
}
