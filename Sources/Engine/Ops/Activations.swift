#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Differentiable elementwise activations. Each keeps its forward and its derivative side by side; the backward
/// rule reads the input `x` or the output `y`, whichever gives the cheaper, stable derivative.
extension Variable {
    /// `max(x, 0)`; the derivative at 0 is taken as 0.
    public func relu() -> Variable {
        let x = value
        return Variable.record(x.map { $0 > 0 ? $0 : 0 }, inputs: [self]) { g, _ in
            [g.zip(x) { g, x in x > 0 ? g : 0 }]
        }
    }

    /// `x` for x > 0, `slope · x` otherwise. The SGAN discriminator and generator use slope 0.2
    /// (SGAN paper, `004_…txt` section 4.1).
    public func leakyRelu(_ slope: Float = 0.2) -> Variable {
        let x = value
        return Variable.record(x.map { $0 > 0 ? $0 : slope * $0 }, inputs: [self]) { g, _ in
            [g.zip(x) { g, x in x > 0 ? g : slope * g }]
        }
    }

    /// Logistic sigmoid (stable for large |x|); dy/dx = y (1 − y).
    public func sigmoid() -> Variable {
        let y = value.map { StableMath.sigmoid($0) }
        return Variable.record(y, inputs: [self]) { g, _ in
            [g.zip(y) { g, y in g * y * (1 - y) }]
        }
    }

    /// Hyperbolic tangent; dy/dx = 1 − y². The SGAN generator's output activation (`004_…txt` section 4.1.2).
    public func tanh() -> Variable {
        let y = value.map { tanhf($0) }
        return Variable.record(y, inputs: [self]) { g, _ in
            [g.zip(y) { g, y in g * (1 - y * y) }]
        }
    }

    /// SiLU / swish `x · σ(x)` (EfficientNet); dy/dx = σ(x) (1 + x (1 − σ(x))).
    public func silu() -> Variable {
        let x = value
        return Variable.record(x.map { $0 * StableMath.sigmoid($0) }, inputs: [self]) { g, _ in
            [g.zip(x) { g, x in
                let s = StableMath.sigmoid(x)
                return g * s * (1 + x * (1 - s))
            }]
        }
    }

    /// `log(1 + eˣ)` computed as `max(x, 0) + log1p(e^−|x|)` (finite for x = ±1000); dy/dx = σ(x).
    /// The SGAN's unsupervised loss is built from softplus and logsumexp (Salimans et al. 2016).
    public func softplus() -> Variable {
        let x = value
        return Variable.record(x.map { StableMath.softplus($0) }, inputs: [self]) { g, _ in
            [g.zip(x) { g, x in g * StableMath.sigmoid(x) }]
        }
    }
}
