/// Differentiable elementwise activations. Forward and derivative of each sit side by side in
/// `ActivationKernels`; the backward rule reads the input `x` or the output `y`, whichever gives the cheaper,
/// stable derivative.
extension Variable {
    /// Applies an activation kernel and records its derivative.
    private func activation(_ kind: ActivationKernels.Kind) -> Variable {
        let x = value
        let y = ActivationKernels.forward(kind, x)
        return Variable.record(y, inputs: [self]) { g, _ in
            [ActivationKernels.backward(kind, grad: g, x: x, y: y)]
        }
    }

    /// `max(x, 0)`; the derivative at 0 is taken as 0.
    public func relu() -> Variable { activation(.relu) }

    /// `min(max(x, 0), 6)` (MobileNetV2's activation); the gradient passes where 0 < x < 6.
    public func relu6() -> Variable { activation(.relu6) }

    /// `x` for x > 0, `slope · x` otherwise. The SGAN discriminator and generator use slope 0.2
    /// (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 4.1).
    public func leakyRelu(_ slope: Float = 0.2) -> Variable { activation(.leakyRelu(slope)) }

    /// Logistic sigmoid (stable for large |x|); dy/dx = y (1 − y).
    public func sigmoid() -> Variable { activation(.sigmoid) }

    /// Hyperbolic tangent; dy/dx = 1 − y². The SGAN generator's output activation (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 4.1.2).
    public func tanh() -> Variable { activation(.tanh) }

    /// SiLU / swish `x · σ(x)` (EfficientNet); dy/dx = σ(x) (1 + x (1 − σ(x))).
    public func silu() -> Variable { activation(.silu) }

    /// `log(1 + eˣ)` computed as `max(x, 0) + log1p(e^−|x|)` (finite for x = ±1000); dy/dx = σ(x).
    /// The SGAN's unsupervised loss is built from softplus and logsumexp (Salimans et al. 2016).
    public func softplus() -> Variable { activation(.softplus) }
}
