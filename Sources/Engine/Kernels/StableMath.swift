#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scalar math shared by the activation ops and the losses: numerically stable forms only.
public enum StableMath {
    /// `1 / (1 + e^-x)` without overflow for large |x|, branch-free so that loops over it vectorise.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float {
        let e = exp(-Swift.abs(x))
        let r = 1 / (1 + e)
        return x >= 0 ? r : e * r
    }

    /// `e^x` to within 2 units in the last place on [−87.3, 88.3] (Cephes' `expf`: Cody–Waite reduction by ln 2 and
    /// a degree-5 polynomial), written without calls or branches so that loops over it vectorise — libm's `expf`
    /// is a call per element and was a third of an EfficientNet training step's time in its SiLU activations.
    /// Below −87.3 it gives 0 (e^x is then under the smallest normal float); above 88.3 it saturates at e^88.3 ≈ 2·10³⁸
    /// instead of overflowing; NaN stays NaN. Never a trap.
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let c = x < -87.3 ? -87.3 : (x > 88.3 ? 88.3 : x)
        // Round c·log2(e) to the nearest integer n with the 1.5·2²³ trick: n sits in the low mantissa bits.
        let magic: Float = 12_582_912
        let t = c * 1.442_695_04 + magic
        let n = t - magic
        let r = c - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 0.166_666_655
        p = p * r + 0.500_000_01
        p = p * r * r + r + 1
        let scale = Float(bitPattern: (t.bitPattern &- magic.bitPattern &+ 127) << 23)
        return x < -87.3 ? 0 : p * scale
    }

    /// `log(1 + e^x)` = `max(x, 0) + log1p(e^-|x|)`: finite for any finite x.
    @inlinable @inline(__always)
    public static func softplus(_ x: Float) -> Float {
        Swift.max(x, 0) + log1pf(expf(-Swift.abs(x)))
    }
}
