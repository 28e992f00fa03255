import Engine

/// A chain of modules applied in order (Keras' `Sequential`, PyTorch's `nn.Sequential`).
///
/// Children are named by their position ("0", "1", …) unless names are given.
public final class Sequential: Module {
    public private(set) var layers: [Module] = []

    public init(_ layers: [Module]) {
        super.init()
        for (i, l) in layers.enumerated() { append(l, name: String(i)) }
    }

    public init(named layers: [(String, Module)]) {
        super.init()
        for (name, l) in layers { append(l, name: name) }
    }

    /// Adds a module at the end (named by its position when `name` is nil).
    public func append(_ layer: Module, name: String? = nil) {
        register(module: layer, name ?? String(layers.count))
        layers.append(layer)
    }

    public override func callAsFunction(_ x: Variable) -> Variable {
        layers.reduce(x) { $1($0) }
    }

    private let convStack = ConvStack()

    /// Inference: a leading convolution stack — convolutions with their batch norms and activations, pooling,
    /// across nested blocks — runs as one `ConvStack` (oneDNN's blocked layout end to end where available), the
    /// remaining layers as usual.
    public override func infer(_ x: Tensor) -> Tensor {
        let (stack, covered) = convStackPrefix()
        guard stack.count >= 2, x.rank == 4 else { return super.infer(x) }
        let version = parameters.reduce(0) { $0 &+ $1.version }
        let h = convStack.run(stack, weightsVersion: version, x)
        let leaves = self.leaves
        guard covered < leaves.count else { return h }
        return leaves[covered...].reduce(Variable(h)) { $1($0) }.value
    }
}
