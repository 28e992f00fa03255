import Engine

/// Inverted dropout as a layer: active only in training passes (a tape with `training: true`), mask from the
/// tape's seeded generator. The SGAN uses rate 0.25 (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 4.1.2).
public final class Dropout: Module {
    public let rate: Float
    public init(_ rate: Float) { self.rate = rate; super.init() }
    public override func callAsFunction(_ x: Variable) -> Variable { dropout(x, rate: rate) }
}
