import Engine
import NN
import Support

/// ResNet (He et al. 2016) as torchvision defines it (v1.5: the stride of a bottleneck sits on its 3×3
/// convolution), with torchvision's parameter names (`conv1.weight`, `layer1.0.bn1.running_mean`,
/// `layer2.0.downsample.0.weight`, `fc.weight`, …) so converted ImageNet checkpoints load by name.
///
/// `resnet50` (bottleneck blocks [3, 4, 6, 3], 25,557,032 parameters with 3 channels and 1000 classes) is the
/// first paper's ResNet50 (*Live Cell Stage Classification Using Deep Learning*, section 2.3.2); `resnet18` (basic blocks [2, 2, 2, 2], 11,689,512) is a
/// lighter variant. Stem: 7×7/2 convolution, batch norm, ReLU, 3×3/2 max-pool; head: global average pool and a
/// dense layer. Default input 64 px; any side ≥ 32 (the feature map shrinks 32-fold).
///
/// `resnet18-small` is ResNet-18 sized for 64-px crops (the accuracy issue's "a ResNet whose stem does not divide
/// the crop by 4 at once"): a 3×3 stride-1 stem convolution with 32 filters, then the 3×3/2 max-pool, so the first
/// stage sees 32×32 instead of 16×16, and stage widths 32/64/128/256 — about the same multiply-adds as resnet18 at
/// 64 px, a quarter of its parameters, a 4×4 last feature map instead of 2×2.
public final class ResNet: Module, EmbeddingModel {
    public enum Variant: String, Sendable {
        case resnet18, resnet50
        case resnet18Small = "resnet18-small"
        var blocks: [Int] { self == .resnet50 ? [3, 4, 6, 3] : [2, 2, 2, 2] }
        var expansion: Int { self == .resnet50 ? 4 : 1 }
        /// Output channels of the stem and of the first stage (later stages double it).
        var width: Int { self == .resnet18Small ? 32 : 64 }
        /// The stem convolution's kernel and stride.
        var stem: (kernel: Int, stride: Int) { self == .resnet18Small ? (3, 1) : (7, 2) }
    }

    let conv1: Conv2D
    let bn1: BatchNorm
    let stages: [Sequential]
    let fc: Dense

    public init(_ variant: Variant, channels: Int = 1, classes: Int, rng: inout RandomSource) {
        let (kernel, stride) = variant.stem
        conv1 = Conv2D(channels, variant.width, kernel: kernel, stride: stride, padding: .symmetric(kernel / 2), bias: false,
                       initializer: .heNormal, rng: &rng)
        bn1 = torchBatchNorm(variant.width)
        var inC = variant.width
        var stages: [Sequential] = []
        for (i, n) in variant.blocks.enumerated() {
            let planes = variant.width << i
            let stage = Sequential([])
            for b in 0..<n {
                let stride = b == 0 && i > 0 ? 2 : 1
                let block: Module = variant.expansion == 1
                    ? BasicBlock(inC, planes, stride: stride, rng: &rng)
                    : Bottleneck(inC, planes, stride: stride, rng: &rng)
                stage.append(block)
                inC = planes * variant.expansion
            }
            stages.append(stage)
        }
        self.stages = stages
        fc = Dense(inC, classes, rng: &rng)
        super.init()
        // torchvision names: the stem's layers sit at the top level.
        register(module: conv1, "conv1")
        register(module: bn1, "bn1")
        for (i, s) in stages.enumerated() { register(module: s, "layer\(i + 1)") }
        register(module: fc, "fc")
    }

    public override func callAsFunction(_ x: Variable) -> Variable { fc(embedding(x)) }

    /// The globally average-pooled last stage `[N, channels]`.
    public func embedding(_ x: Variable) -> Variable {
        var h = maxPool2d(bn1(conv1(x)).relu(), kernel: 3, stride: 2, padding: .symmetric(1))
        for s in stages { h = s(h) }
        return globalAvgPool2d(h)
    }
}

/// 1×1 projection shortcut: `downsample.0` conv, `downsample.1` batch norm.
private func downsample(_ inC: Int, _ outC: Int, stride: Int, rng: inout RandomSource) -> Sequential {
    Sequential([Conv2D(inC, outC, kernel: 1, stride: stride, bias: false, initializer: .heNormal, rng: &rng),
                torchBatchNorm(outC)])
}

/// Two 3×3 convolutions with a residual connection (ResNet-18/34).
final class BasicBlock: Module {
    let conv1, conv2: Conv2D
    let bn1, bn2: BatchNorm
    let shortcut: Sequential?

    init(_ inC: Int, _ planes: Int, stride: Int, rng: inout RandomSource) {
        conv1 = Conv2D(inC, planes, kernel: 3, stride: stride, padding: .symmetric(1), bias: false,
                       initializer: .heNormal, rng: &rng)
        bn1 = torchBatchNorm(planes)
        conv2 = Conv2D(planes, planes, kernel: 3, padding: .symmetric(1), bias: false, initializer: .heNormal, rng: &rng)
        bn2 = torchBatchNorm(planes)
        shortcut = stride != 1 || inC != planes ? downsample(inC, planes, stride: stride, rng: &rng) : nil
        super.init()
        register(module: conv1, "conv1"); register(module: bn1, "bn1")
        register(module: conv2, "conv2"); register(module: bn2, "bn2")
        if let shortcut { register(module: shortcut, "downsample") }
    }

    override func callAsFunction(_ x: Variable) -> Variable {
        let h = bn2(conv2(bn1(conv1(x)).relu()))
        return (h + (shortcut?(x) ?? x)).relu()
    }
}

/// 1×1 reduce, 3×3 (strided), 1×1 expand ×4, with a residual connection (ResNet-50).
final class Bottleneck: Module {
    let conv1, conv2, conv3: Conv2D
    let bn1, bn2, bn3: BatchNorm
    let shortcut: Sequential?

    init(_ inC: Int, _ planes: Int, stride: Int, rng: inout RandomSource) {
        let outC = planes * 4
        conv1 = Conv2D(inC, planes, kernel: 1, bias: false, initializer: .heNormal, rng: &rng)
        bn1 = torchBatchNorm(planes)
        conv2 = Conv2D(planes, planes, kernel: 3, stride: stride, padding: .symmetric(1), bias: false,
                       initializer: .heNormal, rng: &rng)
        bn2 = torchBatchNorm(planes)
        conv3 = Conv2D(planes, outC, kernel: 1, bias: false, initializer: .heNormal, rng: &rng)
        bn3 = torchBatchNorm(outC)
        shortcut = stride != 1 || inC != outC ? downsample(inC, outC, stride: stride, rng: &rng) : nil
        super.init()
        register(module: conv1, "conv1"); register(module: bn1, "bn1")
        register(module: conv2, "conv2"); register(module: bn2, "bn2")
        register(module: conv3, "conv3"); register(module: bn3, "bn3")
        if let shortcut { register(module: shortcut, "downsample") }
    }

    override func callAsFunction(_ x: Variable) -> Variable {
        let h = bn3(conv3(bn2(conv2(bn1(conv1(x)).relu())).relu()))
        return (h + (shortcut?(x) ?? x)).relu()
    }
}
