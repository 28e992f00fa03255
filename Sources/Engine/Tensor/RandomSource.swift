#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random choice in cellphase — initial weights, dropout masks, latent vectors, batch order — draws from
/// one of these, so the same seed gives the same result on the same machine.
public struct RandomSource: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var sm = seed
        func splitmix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A new generator derived from this one (for independent streams, e.g. one per worker).
    public mutating func fork() -> RandomSource { RandomSource(seed: next()) }

    /// Uniform in [0, 1).
    @inline(__always) public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniform() }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Float {
        var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float(sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2))
    }
}

extension Tensor {
    /// Uniform in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RandomSource) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        let p = t.mutableData()
        for i in 0..<t.count { p[i] = rng.uniform(low, high) }
        return t
    }

    /// Normal with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomSource) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        let p = t.mutableData()
        for i in 0..<t.count { p[i] = mean + std * rng.normal() }
        return t
    }

    /// Glorot/Xavier uniform: U(±sqrt(6 / (fanIn + fanOut))) — Keras' default for Dense and Conv2D.
    public static func glorotUniform(_ shape: [Int], fanIn: Int, fanOut: Int, rng: inout RandomSource) -> Tensor {
        let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
        return uniform(shape, low: -limit, high: limit, rng: &rng)
    }

    /// He/Kaiming normal: N(0, 2 / fanIn) — for ReLU networks (ResNet, EfficientNet from scratch).
    public static func heNormal(_ shape: [Int], fanIn: Int, rng: inout RandomSource) -> Tensor {
        normal(shape, std: Float((2.0 / Double(fanIn)).squareRoot()), rng: &rng)
    }
}
