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

extension Tensor {
    /// A new tensor `f(self[i], a[i], b[i])` (same element count; the shape of `self`), split over the cores.
    @inlinable
    public func zip3(_ a: Tensor, _ b: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        precondition(count == a.count && count == b.count, "zip3 \(shape) with \(a.shape), \(b.shape)")
        var out = Tensor(uninitializedShape: shape)
        let o = UncheckedSendable(out.mutableData())
        let x = UncheckedSendable(data), y = UncheckedSendable(a.data), z = UncheckedSendable(b.data)
        withoutActuallyEscaping(f) { f in
            let fb = UncheckedSendable(f)
            Parallel.forChunks(count, costPerItem: 4) { r in
                let o = o.value, x = x.value, y = y.value, z = z.value, f = fb.value
                for i in r { o[i] = f(x[i], y[i], z[i]) }
            }
        }
        return out
    }
}
