import Support

/// Records differentiable operations during a forward pass, then runs their backward rules in reverse.
///
/// A forward pass with a tape is a training pass (`isTraining`, dropout draws from `rng`, batch norm uses batch
/// statistics); without one, ops record nothing and layers run in inference mode. Each primitive in `Ops/` keeps
/// its forward and backward side by side and registers the backward closure here through `Variable.record`.
public final class Tape {
    /// Training mode for dropout and batch norm.
    public let isTraining: Bool
    /// Randomness of the pass (dropout masks).
    public var rng: RandomSource
    /// Which parameters receive gradients on this tape (by default all trainable, unfrozen ones).
    private let tracks: (Parameter) -> Bool

    typealias Backward = (_ gradOutput: Tensor, _ needsGrad: [Bool]) -> [Tensor?]
    struct Node {
        var inputs: [Int] = []
        var backward: Backward?
        var parameter: Parameter?
    }
    private(set) var nodes: [Node] = []

    public init(training: Bool = true, seed: UInt64 = 0, tracking: @escaping (Parameter) -> Bool = { $0.requiresGrad }) {
        self.isTraining = training
        self.rng = RandomSource(seed: seed)
        self.tracks = tracking
    }

    /// A tensor whose gradient is wanted (an input in a gradient check, say).
    public func watch(_ t: Tensor) -> Variable {
        nodes.append(Node())
        return Variable(t, id: nodes.count - 1, tape: self)
    }

    /// A tensor that takes part in this pass without a gradient.
    public func constant(_ t: Tensor) -> Variable { Variable(t, id: -1, tape: self) }

    /// A parameter as a variable: tracked when this tape trains it, constant otherwise.
    public func variable(_ p: Parameter) -> Variable {
        guard tracks(p) else { return constant(p.value) }
        nodes.append(Node(parameter: p))
        return Variable(p.value, id: nodes.count - 1, tape: self)
    }

    func append(inputs: [Int], backward: @escaping Backward) -> Int {
        nodes.append(Node(inputs: inputs, backward: backward))
        return nodes.count - 1
    }

    /// Back-propagates from `output` (a scalar loss unless `seed` gives the output gradient), accumulating into
    /// the gradients of tracked parameters, and returns the gradients of every watched variable.
    /// The tape is spent afterwards.
    @discardableResult
    public func backward(_ output: Variable, seed: Tensor? = nil) -> Gradients {
        precondition(output.tape === self, "backward on a variable recorded on another tape")
        var grads = [Tensor?](repeating: nil, count: nodes.count)
        guard output.id >= 0 else { return Gradients(grads: grads) }
        grads[output.id] = seed ?? Tensor(shape: output.shape, repeating: 1)
        var watched = [Tensor?](repeating: nil, count: nodes.count)
        for id in stride(from: output.id, through: 0, by: -1) {
            guard let g = grads[id] else { continue }
            grads[id] = nil
            let node = nodes[id]
            nodes[id] = Node()  // release what the closure captured as soon as it ran
            if let p = node.parameter {
                p.accumulate(g)
            } else if let backward = node.backward {
                let needs = node.inputs.map { $0 >= 0 }
                let inputGrads = backward(g, needs)
                for (k, input) in node.inputs.enumerated() where input >= 0 {
                    guard let ig = inputGrads[k] else { continue }
                    if grads[input] == nil { grads[input] = ig } else { grads[input]!.addInPlace(ig) }
                }
            } else {
                watched[id] = g
            }
        }
        nodes.removeAll()
        return Gradients(grads: watched)
    }
}

/// Gradients of the variables a tape watched, after `Tape.backward`.
public struct Gradients {
    let grads: [Tensor?]
    /// The gradient of a watched variable (nil when the output did not depend on it).
    public subscript(_ v: Variable) -> Tensor? {
        v.id >= 0 && v.id < grads.count ? grads[v.id] : nil
    }
}
