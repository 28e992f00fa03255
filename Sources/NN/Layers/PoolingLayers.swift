import Engine

/// Max pooling layer, `kernel × kernel` windows, stride defaulting to the kernel (the low-depth CNN's 2×2/2
/// pooling, *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 6.2.2).
public final class MaxPool2D: Module {
    public let kernel: Int, stride: Int, padding: Padding
    public init(_ kernel: Int, stride: Int? = nil, padding: Padding = .valid) {
        self.kernel = kernel; self.stride = stride ?? kernel; self.padding = padding
        super.init()
    }
    public override func callAsFunction(_ x: Variable) -> Variable {
        maxPool2d(x, kernel: kernel, stride: stride, padding: padding)
    }
}

/// Average pooling layer; padded positions are not counted (TF/Keras semantics, see `avgPool2d`).
public final class AvgPool2D: Module {
    public let kernel: Int, stride: Int, padding: Padding
    public init(_ kernel: Int, stride: Int? = nil, padding: Padding = .valid) {
        self.kernel = kernel; self.stride = stride ?? kernel; self.padding = padding
        super.init()
    }
    public override func callAsFunction(_ x: Variable) -> Variable {
        avgPool2d(x, kernel: kernel, stride: stride, padding: padding)
    }
}

/// `[N, C, H, W] → [N, C]` by averaging each channel (the pooling head of ResNet and EfficientNet).
public final class GlobalAvgPool2D: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Variable) -> Variable { globalAvgPool2d(x) }
}
