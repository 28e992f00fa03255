import Engine
import Support

/// How a layer's weights are initialised.
public enum Initializer: Sendable {
    /// Glorot/Xavier uniform, Keras' default for Dense and Conv2D (tanh/sigmoid/LeakyReLU networks, the SGAN).
    case glorotUniform
    /// He/Kaiming normal, for deep ReLU networks.
    case heNormal

    func make(_ shape: [Int], fanIn: Int, fanOut: Int, rng: inout RandomSource) -> Tensor {
        switch self {
        case .glorotUniform: return .glorotUniform(shape, fanIn: fanIn, fanOut: fanOut, rng: &rng)
        case .heNormal: return .heNormal(shape, fanIn: fanIn, rng: &rng)
        }
    }
}

/// Fully connected layer `y = x Wᵀ + b` on `[N, in]`, with `weight [out, in]` (PyTorch layout) and `bias [out]`
/// initialised to zero.
public final class Dense: Module {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, initializer: Initializer = .glorotUniform,
                rng: inout RandomSource) {
        weight = Parameter(initializer.make([outFeatures, inFeatures], fanIn: inFeatures, fanOut: outFeatures,
                                            rng: &rng))
        self.bias = bias ? Parameter(Tensor(zeros: [outFeatures])) : nil
        super.init()
        register("weight", weight)
        if let b = self.bias { register("bias", b) }
    }

    public override func callAsFunction(_ x: Variable) -> Variable {
        linear(x, weight: x.use(weight), bias: bias.map { x.use($0) })
    }
}
