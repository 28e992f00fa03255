#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Support

/// Elementwise activations and their derivatives as literal loops over raw pointers (one `switch` per chunk, not
/// per element), so release builds vectorise them; large tensors are split over the cores.
public enum ActivationKernels {
    /// Which activation a kernel call computes.
    public enum Kind: Sendable {
        case relu, relu6, leakyRelu(Float), sigmoid, tanh, silu, softplus
    }

    /// `y = f(x)`.
    public static func forward(_ kind: Kind, _ x: Tensor) -> Tensor {
        var y = Tensor(uninitializedShape: x.shape)
        let p = UncheckedSendable((x.data, y.mutableData()))
        let cost: Int
        switch kind { case .relu, .relu6, .leakyRelu: cost = 1; default: cost = 16 }
        Parallel.forChunks(x.count, costPerItem: cost) { r in
            let (x, y) = p.value
            switch kind {
            case .relu: for i in r { y[i] = x[i] > 0 ? x[i] : 0 }
            case .relu6: for i in r { y[i] = Swift.min(Swift.max(x[i], 0), 6) }
            case .leakyRelu(let s): for i in r { y[i] = x[i] > 0 ? x[i] : s * x[i] }
            case .sigmoid: for i in r { y[i] = StableMath.sigmoid(x[i]) }
            case .tanh: for i in r { y[i] = tanhf(x[i]) }
            case .silu: for i in r { y[i] = x[i] * StableMath.sigmoid(x[i]) }
            case .softplus: for i in r { y[i] = StableMath.softplus(x[i]) }
            }
        }
        return y
    }

    /// `dx = g · f′`, reading the input `x` or the output `y` as each derivative needs.
    public static func backward(_ kind: Kind, grad g: Tensor, x: Tensor, y: Tensor) -> Tensor {
        var dx = Tensor(uninitializedShape: x.shape)
        let p = UncheckedSendable((g.data, x.data, y.data, dx.mutableData()))
        let cost: Int
        switch kind { case .relu, .relu6, .leakyRelu, .sigmoid, .tanh: cost = 1; default: cost = 16 }
        Parallel.forChunks(x.count, costPerItem: cost) { r in
            let (g, x, y, d) = p.value
            switch kind {
            case .relu: for i in r { let gi = g[i]; d[i] = x[i] > 0 ? gi : 0 }
            case .relu6: for i in r { let gi = g[i], xi = x[i]; d[i] = xi > 0 && xi < 6 ? gi : 0 }
            case .leakyRelu(let s): for i in r { d[i] = x[i] > 0 ? g[i] : s * g[i] }
            case .sigmoid: for i in r { d[i] = g[i] * y[i] * (1 - y[i]) }
            case .tanh: for i in r { d[i] = g[i] * (1 - y[i] * y[i]) }
            case .silu:
                for i in r {
                    let s = StableMath.sigmoid(x[i])
                    d[i] = g[i] * s * (1 + x[i] * (1 - s))
                }
            case .softplus: for i in r { d[i] = g[i] * StableMath.sigmoid(x[i]) }
            }
        }
        return dx
    }

    /// `a ⊙ b` (same element count; the shape of `a`).
    public static func multiply(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.count == b.count, "multiply \(a.shape) by \(b.shape)")
        var out = Tensor(uninitializedShape: a.shape)
        let p = UncheckedSendable((a.data, b.data, out.mutableData()))
        Parallel.forChunks(a.count) { r in
            let (a, b, o) = p.value
            for i in r { o[i] = a[i] * b[i] }
        }
        return out
    }
}
