#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Engine
import Support

/// Adam (Kingma & Ba 2015, Algorithm 1) with decoupled weight decay (AdamW, Loshchilov & Hutter 2019).
///
/// Per parameter: `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`, `θ ← θ − lr·wd·θ − lr · m̂ / (√v̂ + ε)` with
/// `m̂ = m / (1−β1ᵗ)`, `v̂ = v / (1−β2ᵗ)` and `t` counted per parameter. ε defaults to Keras' 1e-7. Papers we
/// reproduce: the SGAN uses lr 6e-4, β1 0.5 (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 5); the first paper lr 1e-3, batch 32
/// (*Live Cell Stage Classification Using Deep Learning* section 2.3.3).
public final class Adam: Optimizer {
    public var groups: [ParameterGroup]
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// Decoupled weight decay (0 = plain Adam).
    public var weightDecay: Float
    /// Moments per parameter; holding the parameter keeps its identity (the key) from being reused.
    private struct State { let parameter: Parameter; var m: Tensor; var v: Tensor; var t: Int }
    private var state: [ObjectIdentifier: State] = [:]

    public init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
                weightDecay: Float = 0) {
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public convenience init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9,
                            beta2: Float = 0.999, epsilon: Float = 1e-7, weightDecay: Float = 0) {
        self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate)],
                  beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
    }

    /// Steps taken so far for `p` (0 before its first update).
    public func stepCount(of p: Parameter) -> Int { state[ObjectIdentifier(p)]?.t ?? 0 }

    public func step() {
        for (p, lr) in updatable() {
            let key = ObjectIdentifier(p)
            var s = state.removeValue(forKey: key)
                ?? State(parameter: p, m: Tensor(zeros: p.value.shape), v: Tensor(zeros: p.value.shape), t: 0)
            s.t += 1
            let b1 = beta1, b2 = beta2, eps = epsilon
            let c1 = 1 / (1 - Float(pow(Double(b1), Double(s.t))))
            let c2 = 1 / (1 - Float(pow(Double(b2), Double(s.t))))
            let decay = 1 - lr * weightDecay
            let n = p.value.count
            let w = UncheckedSendable(p.value.mutableData()), g = UncheckedSendable(p.grad!.data)
            let m = UncheckedSendable(s.m.mutableData()), v = UncheckedSendable(s.v.mutableData())
            Parallel.forChunks(n, costPerItem: 8) { r in
                let w = w.value, g = g.value, m = m.value, v = v.value
                for i in r {
                    let gi = g[i]
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    let mh = m[i] * c1, vh = v[i] * c2
                    w[i] = w[i] * decay - lr * mh / (vh.squareRoot() + eps)
                }
            }
            state[key] = s
        }
        zeroGrad()
    }
}
