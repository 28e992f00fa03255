#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64): the engine's stream — initial
/// weights, dropout masks, latent vectors, batch order. With `SeededGenerator` (the data layer's: augmentation,
/// splits, budgets) it is cellphase's one family of seeded generators, so the same seed gives the same result on
/// the same machine.
public struct RandomSource: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// The state is the first four outputs of `SeededGenerator(seed:)` (SplitMix64), as xoshiro's authors advise.
    public init(seed: UInt64) {
        var sm = SeededGenerator(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inlinable @inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A new generator derived from this one (for independent streams, e.g. one per worker).
    public mutating func fork() -> RandomSource { RandomSource(seed: next()) }

    /// Uniform in [0, 1).
    @inlinable @inline(__always) public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [low, high).
    @inlinable public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniform() }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Float {
        var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float(sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2))
    }
}
