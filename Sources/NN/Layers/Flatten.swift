import Engine

/// `[N, C, H, W]` (or any rank) to `[N, C·H·W]`, in NCHW order.
public final class Flatten: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Variable) -> Variable { x.flattened() }
}
