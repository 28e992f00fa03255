import Engine

/// The base of every layer and model: owns named parameters and child modules, visited in registration order.
///
/// Registration is explicit (no reflection, no property wrappers): a layer calls `register(_:_:)` for each
/// weight or buffer and `register(module:_:)` for each child in its initialiser. Parameter names are dotted
/// paths built from the registration names (`backbone.block1.conv.weight`) and are the keys of the model's
/// safetensors file. Subclasses override `callAsFunction(_:)`, reading parameters through `x.use(p)` so the same
/// code runs on a tape (training, gradients) and without one (inference).
open class Module {
    /// This module's own parameters (weights and buffers), in registration order, with local names.
    public private(set) var localParameters: [(name: String, parameter: Parameter)] = []
    /// Child modules, in registration order, with local names.
    public private(set) var children: [(name: String, module: Module)] = []
    /// Dotted path of this module inside the model it was registered in ("" at the root).
    public private(set) var path: String = ""

    public init() {}

    /// Runs the module. Subclasses override.
    open func callAsFunction(_ x: Variable) -> Variable {
        fatalError("\(type(of: self)) does not implement callAsFunction")
    }

    /// Inference on a batch for throughput (a field of cells at the microscope). By default the batch is cut
    /// into chunks that each core runs through the whole model (`chunkedInference`); modules with a faster
    /// plan (a convolution stack on oneDNN) override it. Equals `self(Variable(x)).value` up to rounding.
    open func infer(_ x: Tensor) -> Tensor { chunkedInference(x) }

    // MARK: Registration

    /// Registers a weight or buffer under `name` (unique within this module) and returns it.
    @discardableResult
    public func register(_ name: String, _ parameter: Parameter) -> Parameter {
        precondition(!name.isEmpty && !name.contains("."), "parameter name '\(name)' must be non-empty without dots")
        precondition(!localParameters.contains { $0.name == name } && !children.contains { $0.name == name },
                     "\(type(of: self)): name '\(name)' registered twice")
        localParameters.append((name, parameter))
        parameter.name = join(path, name)
        return parameter
    }

    /// Registers a child module under `name` and returns it; its parameters are renamed under this module's path.
    @discardableResult
    public func register<M: Module>(module: M, _ name: String) -> M {
        precondition(!name.isEmpty && !name.contains("."), "module name '\(name)' must be non-empty without dots")
        precondition(!localParameters.contains { $0.name == name } && !children.contains { $0.name == name },
                     "\(type(of: self)): name '\(name)' registered twice")
        precondition(module !== self, "a module cannot contain itself")
        children.append((name, module))
        module.setPath(join(path, name))
        return module
    }

    private func setPath(_ newPath: String) {
        path = newPath
        for (name, p) in localParameters { p.name = join(path, name) }
        for (name, child) in children { child.setPath(join(path, name)) }
    }

    // MARK: Visiting

    /// Every parameter (weights and buffers) of this subtree with its dotted name relative to this module,
    /// depth-first in registration order: own parameters first, then each child's.
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var out: [(name: String, parameter: Parameter)] = []
        collect(prefix: "", into: &out)
        return out
    }

    private func collect(prefix: String, into out: inout [(name: String, parameter: Parameter)]) {
        for (name, p) in localParameters { out.append((join(prefix, name), p)) }
        for (name, child) in children { child.collect(prefix: join(prefix, name), into: &out) }
    }

    /// All weights and buffers of this subtree.
    public var parameters: [Parameter] { namedParameters().map(\.parameter) }

    /// Weights that an optimiser should update: not buffers, not frozen.
    public var trainableParameters: [Parameter] { parameters.filter(\.requiresGrad) }

    /// Every module of this subtree (self first), depth-first in registration order.
    public var modules: [Module] { [self] + children.flatMap { $0.module.modules } }

    /// Number of elements in the trainable weights (buffers excluded).
    public var parameterCount: Int { parameters.filter { !$0.isBuffer }.reduce(0) { $0 + $1.value.count } }

    /// Freezes every parameter of this subtree: forward passes use them as constants and optimisers skip them.
    /// A frozen `BatchNorm` also normalises with its running statistics (Keras' `trainable = False`).
    public func freeze() { for p in parameters { p.isFrozen = true } }

    /// Undoes `freeze()` for this subtree.
    public func unfreeze() { for p in parameters { p.isFrozen = false } }

    /// The child at a dotted path relative to this module (`"backbone.block1"`), or nil.
    public func child(at dottedPath: String) -> Module? {
        var m: Module = self
        for part in dottedPath.split(separator: ".") {
            guard let next = m.children.first(where: { $0.name == part })?.module else { return nil }
            m = next
        }
        return m
    }
}

/// Layers and modules are the same thing: anything with parameters and a forward pass.
public typealias Layer = Module

@inline(__always) func join(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }
