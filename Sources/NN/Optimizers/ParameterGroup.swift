import Engine

/// A set of parameters that share a learning rate and can be frozen together.
///
/// Transfer learning puts the pretrained backbone and the new head in two groups (backbone frozen, then
/// fine-tuned with a smaller rate, *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 6.3.2); alternating GAN updates freeze the discriminator's
/// group during the generator step. A frozen group is skipped by `step()`: its parameters stay bit-identical.
public struct ParameterGroup {
    public var parameters: [Parameter]
    public var learningRate: Float
    public var frozen: Bool

    public init(parameters: [Parameter], learningRate: Float, frozen: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.frozen = frozen
    }
}

/// Something that updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    var groups: [ParameterGroup] { get set }
    /// Applies one update to every trainable parameter of every unfrozen group that has a gradient, then clears
    /// the gradients of all parameters in all groups (frozen ones included, so nothing stale accumulates).
    func step()
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGrad() {
        for g in groups { for p in g.parameters { p.grad = nil } }
    }

    /// Sets the learning rate of every group (schedulers).
    public func setLearningRate(_ lr: Float) {
        for i in groups.indices { groups[i].learningRate = lr }
    }

    /// The parameters `step()` would update now, with their group's learning rate.
    func updatable() -> [(Parameter, Float)] {
        var out: [(Parameter, Float)] = []
        var seen = Set<ObjectIdentifier>()
        for g in groups where !g.frozen {
            for p in g.parameters where p.requiresGrad && p.grad != nil {
                precondition(seen.insert(ObjectIdentifier(p)).inserted, "parameter \(p.name) is in two groups")
                out.append((p, g.learningRate))
            }
        }
        return out
    }
}

/// Rescales all gradients together so their global L2 norm is at most `maxNorm` (Pascanu et al. 2013);
/// returns the norm before clipping. Parameters without a gradient are ignored.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var sq = 0.0
    for p in parameters {
        guard let g = p.grad else { continue }
        let d = g.data
        var s: Float = 0, block = 0
        for i in 0..<g.count {
            s += d[i] * d[i]
            block += 1
            if block == 4096 { sq += Double(s); s = 0; block = 0 }
        }
        sq += Double(s)
    }
    let norm = Float(sq.squareRoot())
    if norm > maxNorm && norm > 0 {
        let scale = maxNorm / norm
        for p in parameters where p.grad != nil { p.grad!.scaleInPlace(scale) }
    }
    return norm
}
