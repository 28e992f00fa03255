import Engine

/// Stochastic gradient descent with optional momentum (PyTorch's form: `v ← μ v + g`, `θ ← θ − lr · v`; Nesterov:
/// `θ ← θ − lr · (g + μ v)`) and optional L2 weight decay added to the gradient.
public final class SGD: Optimizer {
    public var groups: [ParameterGroup]
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    /// Momentum buffers per parameter (the parameter is held so its identity, the key, is never reused).
    private var velocity: [ObjectIdentifier: (parameter: Parameter, v: Tensor)] = [:]

    public init(groups: [ParameterGroup], momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(!nesterov || momentum > 0, "Nesterov needs momentum > 0")
        self.groups = groups
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public convenience init(parameters: [Parameter], learningRate: Float, momentum: Float = 0,
                            nesterov: Bool = false, weightDecay: Float = 0) {
        self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate)],
                  momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
    }

    public func step() {
        for (p, lr) in updatable() {
            let g = p.grad!
            let n = p.value.count
            let w = p.value.mutableData()
            let gp = g.data
            let mu = momentum, wd = weightDecay
            if mu == 0 {
                for i in 0..<n { w[i] -= lr * (gp[i] + wd * w[i]) }
                continue
            }
            let key = ObjectIdentifier(p)
            let first = velocity[key] == nil
            var v = velocity.removeValue(forKey: key)?.v ?? Tensor(zeros: p.value.shape)
            let vp = v.mutableData()
            for i in 0..<n {
                let gi = gp[i] + wd * w[i]
                vp[i] = first ? gi : mu * vp[i] + gi  // PyTorch starts the buffer at the first gradient
                w[i] -= lr * (nesterov ? gi + mu * vp[i] : vp[i])
            }
            velocity[key] = (p, v)
        }
        zeroGrad()
    }
}
