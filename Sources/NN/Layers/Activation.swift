import Engine

/// `max(x, 0)` as a layer.
public final class ReLU: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Variable) -> Variable { x.relu() }
}

/// `min(max(x, 0), 6)` as a layer (MobileNetV2).
public final class ReLU6: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Variable) -> Variable { x.relu6() }
}

/// Leaky ReLU as a layer; slope 0.2 as in the SGAN (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 4.1).
public final class LeakyReLU: Module {
    public let slope: Float
    public init(_ slope: Float = 0.2) { self.slope = slope; super.init() }
    public override func callAsFunction(_ x: Variable) -> Variable { x.leakyRelu(slope) }
}

/// SiLU / swish `x · σ(x)` as a layer (EfficientNet).
public final class SiLU: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Variable) -> Variable { x.silu() }
}

/// `tanh` as a layer: the SGAN generator's output, images in [−1, 1] (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 4.1.2).
public final class Tanh: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Variable) -> Variable { x.tanh() }
}

/// Logistic sigmoid as a layer.
public final class Sigmoid: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Variable) -> Variable { x.sigmoid() }
}

/// A parameter-free layer from any function (a quick adapter inside `Sequential`).
public final class Lambda: Module {
    let body: (Variable) -> Variable
    public init(_ body: @escaping (Variable) -> Variable) { self.body = body; super.init() }
    public override func callAsFunction(_ x: Variable) -> Variable { body(x) }
}
