#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scalar math shared by the activation ops and the losses: numerically stable forms only.
public enum StableMath {
    /// `1 / (1 + e^-x)` without overflow for large |x|.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }

    /// `log(1 + e^x)` = `max(x, 0) + log1p(e^-|x|)`: finite for any finite x.
    @inlinable @inline(__always)
    public static func softplus(_ x: Float) -> Float {
        Swift.max(x, 0) + log1pf(expf(-Swift.abs(x)))
    }
}
