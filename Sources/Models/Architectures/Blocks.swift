import Engine
import NN
import Support

/// Batch norm with PyTorch's conventions (momentum 0.1 on the new batch, ε 1e-5, unbiased running variance),
/// for the torchvision-named architectures.
func torchBatchNorm(_ c: Int) -> BatchNorm { BatchNorm(c, momentum: 0.9, eps: 1e-5, unbiasedRunningVariance: true) }

/// torchvision's `Conv2dNormActivation`: `0` conv (no bias, symmetric padding (k−1)/2), `1` batch norm, `2` activation.
func convNormActivation(_ inC: Int, _ outC: Int, kernel: Int, stride: Int = 1, groups: Int = 1,
                        activation: Module?, rng: inout RandomSource) -> Sequential {
    var layers: [(String, Module)] = [
        ("0", Conv2D(inC, outC, kernel: kernel, stride: stride, padding: .symmetric((kernel - 1) / 2), groups: groups,
                     bias: false, initializer: .heNormal, rng: &rng)),
        ("1", torchBatchNorm(outC)),
    ]
    if let activation { layers.append(("2", activation)) }
    return Sequential(named: layers)
}

/// torchvision's mobile-network layout (EfficientNet, MobileNetV2): `features` ending in a 1×1 head to `width`
/// channels, global average pooling, and `classifier` = dropout + dense (`classifier.1`).
public class PooledHeadNetwork: Module, EmbeddingModel {
    public let features: Sequential
    public let classifier: Sequential

    init(features: Sequential, width: Int, classes: Int, dropout: Float, rng: inout RandomSource) {
        self.features = features
        classifier = Sequential([Dropout(dropout), Dense(width, classes, rng: &rng)])
        super.init()
        register(module: features, "features")
        register(module: classifier, "classifier")
    }

    public override func callAsFunction(_ x: Variable) -> Variable { classifier(embedding(x)) }

    /// The globally average-pooled 1×1 head `[N, width]`.
    public func embedding(_ x: Variable) -> Variable { globalAvgPool2d(features(x)) }
}
