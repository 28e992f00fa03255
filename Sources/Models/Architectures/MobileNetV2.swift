import Engine
import NN
import Support

/// MobileNetV2 (Sandler et al. 2018) as torchvision defines it, with torchvision's parameter names
/// (`features.0.0.weight`, `features.2.conv.1.0.weight`, `classifier.1.weight`) so converted ImageNet checkpoints
/// load by name. The SGAN paper's transfer-learning baseline (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 6.2.1).
///
/// A 3×3/2 stem with 32 filters, inverted residual blocks (expansion t, channels c, repeats n, stride s) =
/// (1,16,1,1), (6,24,2,2), (6,32,3,2), (6,64,4,2), (6,96,3,1), (6,160,3,2), (6,320,1,1) — each a 1×1 expansion
/// (when t ≠ 1), a depthwise 3×3, and a linear 1×1 projection, with a residual when shapes allow — a 1×1 head to
/// 1280, global average pooling, dropout 0.2 and a dense layer; ReLU6 activations and batch norm. 3,504,872
/// parameters with 3 channels and 1000 classes. Default input 64 px; any side ≥ 32 (the map shrinks 32-fold).
public final class MobileNetV2: PooledHeadNetwork {
    public static let settings: [(t: Int, c: Int, n: Int, s: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    public init(channels: Int = 1, classes: Int, dropout: Float = 0.2, rng: inout RandomSource) {
        let features = Sequential([convNormActivation(channels, 32, kernel: 3, stride: 2, activation: ReLU6(), rng: &rng)])
        var inC = 32
        for s in Self.settings {
            for i in 0..<s.n {
                features.append(InvertedResidual(inC, s.c, stride: i == 0 ? s.s : 1, expand: s.t, rng: &rng))
                inC = s.c
            }
        }
        features.append(convNormActivation(inC, 1280, kernel: 1, activation: ReLU6(), rng: &rng))
        super.init(features: features, width: 1280, classes: classes, dropout: dropout, rng: &rng)
    }
}

/// torchvision's `InvertedResidual` (layers under `conv`).
final class InvertedResidual: Module {
    let conv: Sequential
    let residual: Bool

    init(_ inC: Int, _ outC: Int, stride: Int, expand: Int, rng: inout RandomSource) {
        let hidden = inC * expand
        var layers: [Module] = []
        if expand != 1 { layers.append(convNormActivation(inC, hidden, kernel: 1, activation: ReLU6(), rng: &rng)) }
        layers.append(convNormActivation(hidden, hidden, kernel: 3, stride: stride, groups: hidden, activation: ReLU6(), rng: &rng))
        layers.append(Conv2D(hidden, outC, kernel: 1, bias: false, initializer: .heNormal, rng: &rng))
        layers.append(torchBatchNorm(outC))
        conv = Sequential(layers)
        residual = stride == 1 && inC == outC
        super.init()
        register(module: conv, "conv")
    }

    override func callAsFunction(_ x: Variable) -> Variable {
        residual ? conv(x) + x : conv(x)
    }
}
