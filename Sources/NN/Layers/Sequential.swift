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
}
