/// A named tensor owned by a model: a trainable weight, or a buffer such as batch norm's running mean.
///
/// Names are dotted paths (`backbone.block1.conv.weight`), the keys of the model's safetensors file.
/// `grad` accumulates over backward passes until an optimiser consumes and clears it.
public final class Parameter: @unchecked Sendable {
    public var name: String
    /// The tensor; every write bumps `version` (inference plans re-read weights only when it changes).
    public var value: Tensor { didSet { version &+= 1 } }
    /// Counts writes to `value`.
    public private(set) var version = 0
    public var grad: Tensor?
    /// Weights are trainable; buffers (running statistics) are saved but never receive gradients.
    public let isBuffer: Bool
    /// Frozen parameters take part in forward passes as constants (transfer learning, alternating GAN updates).
    public var isFrozen: Bool = false

    public init(name: String = "", _ value: Tensor, isBuffer: Bool = false) {
        self.name = name
        self.value = value
        self.isBuffer = isBuffer
    }

    public var requiresGrad: Bool { !isBuffer && !isFrozen }
    public var shape: [Int] { value.shape }

    /// Adds `g` to the accumulated gradient.
    public func accumulate(_ g: Tensor) {
        precondition(g.shape.elementCount == value.count, "gradient \(g.shape) for parameter \(name) \(value.shape)")
        if grad == nil { grad = g.reshaped(value.shape) } else { grad!.addInPlace(g) }
    }
}
