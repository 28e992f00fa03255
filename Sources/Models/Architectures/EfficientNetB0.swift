import Engine
import NN
import Support

/// EfficientNet-B0 (Tan & Le 2019) as torchvision defines it, with torchvision's parameter names
/// (`features.0.0.weight`, `features.2.0.block.1.0.weight`, `features.2.0.block.2.fc1.weight`, `classifier.1.weight`)
/// so converted ImageNet checkpoints load by name. The first paper's best model (*Live Cell Stage Classification Using Deep Learning*, sections 2.3.2, 3.1).
///
/// B0's compound-scaling coefficients are width 1.0, depth 1.0 (resolution 224 for ImageNet): a 3×3/2 stem with
/// 32 filters, seven stages of MBConv blocks (expansion, kernel, stride, out channels, repeats) = (1,3,1,16,1),
/// (6,3,2,24,2), (6,5,2,40,2), (6,3,2,80,3), (6,5,1,112,3), (6,5,2,192,4), (6,3,1,320,1), a 1×1 head to 1280,
/// global average pooling, dropout 0.2 and a dense layer. Each MBConv: 1×1 expansion (when the ratio is not 1),
/// depthwise k×k convolution, squeeze-and-excitation (squeeze to ¼ of the block's input channels), linear 1×1
/// projection, residual when shapes allow; SiLU activations, batch norm everywhere. 5,288,548 parameters with
/// 3 channels and 1000 classes. Stochastic depth is not used (it has no parameters; dropout regularises).
/// Default input 64 px (cell crops; 224 for ImageNet weights); any side ≥ 32 (the map shrinks 32-fold).
public final class EfficientNetB0: PooledHeadNetwork {
    /// (expansion, kernel, stride, output channels, repeats) of the seven stages.
    public static let stages: [(expand: Int, kernel: Int, stride: Int, out: Int, repeats: Int)] = [
        (1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
        (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1),
    ]

    public init(channels: Int = 1, classes: Int, dropout: Float = 0.2, rng: inout RandomSource) {
        let features = Sequential([convNormActivation(channels, 32, kernel: 3, stride: 2, activation: SiLU(), rng: &rng)])
        var inC = 32
        for s in Self.stages {
            let stage = Sequential([])
            for r in 0..<s.repeats {
                stage.append(MBConv(inC, s.out, expand: s.expand, kernel: s.kernel, stride: r == 0 ? s.stride : 1, rng: &rng))
                inC = s.out
            }
            features.append(stage)
        }
        features.append(convNormActivation(inC, 1280, kernel: 1, activation: SiLU(), rng: &rng))
        super.init(features: features, width: 1280, classes: classes, dropout: dropout, rng: &rng)
    }
}

/// Squeeze-and-excitation: global average pool, 1×1 conv down (`fc1`), SiLU, 1×1 conv up (`fc2`), sigmoid,
/// channel-wise scaling (torchvision's `SqueezeExcitation`).
final class SqueezeExcitation: Module {
    let fc1, fc2: Conv2D

    init(_ channels: Int, squeeze: Int, rng: inout RandomSource) {
        fc1 = Conv2D(channels, squeeze, kernel: 1, initializer: .heNormal, rng: &rng)
        fc2 = Conv2D(squeeze, channels, kernel: 1, initializer: .heNormal, rng: &rng)
        super.init()
        register(module: fc1, "fc1")
        register(module: fc2, "fc2")
    }

    override func callAsFunction(_ x: Variable) -> Variable {
        let n = x.shape[0], c = x.shape[1]
        let s = globalAvgPool2d(x).reshaped([n, c, 1, 1])
        let scale = fc2(fc1(s).silu()).sigmoid().reshaped([n, c])
        return x.scaledChannels(scale)
    }
}

/// Mobile inverted bottleneck with squeeze-and-excitation (torchvision's `MBConv`, layers under `block`).
final class MBConv: Module {
    let block: Sequential
    let residual: Bool

    init(_ inC: Int, _ outC: Int, expand: Int, kernel: Int, stride: Int, rng: inout RandomSource) {
        let hidden = inC * expand
        var layers: [Module] = []
        if hidden != inC { layers.append(convNormActivation(inC, hidden, kernel: 1, activation: SiLU(), rng: &rng)) }
        layers.append(convNormActivation(hidden, hidden, kernel: kernel, stride: stride, groups: hidden,
                                         activation: SiLU(), rng: &rng))
        layers.append(SqueezeExcitation(hidden, squeeze: Swift.max(1, inC / 4), rng: &rng))
        layers.append(convNormActivation(hidden, outC, kernel: 1, activation: nil, rng: &rng))
        block = Sequential(layers)
        residual = stride == 1 && inC == outC
        super.init()
        register(module: block, "block")
    }

    override func callAsFunction(_ x: Variable) -> Variable {
        residual ? block(x) + x : block(x)
    }
}
