import Engine
import NN
import Support

/// The low-depth CNN of *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*
/// (section 6.2.2), trained from scratch as a baseline:
/// three blocks of [3×3 convolution, ReLU, batch norm, 2×2 max-pool, dropout 0.25], then Dense 256 and 128 with
/// ReLU and dropout 0.5, then the class logits (softmax lives in the loss). Convolutions are "same"-padded, so a
/// side-S input reaches the dense layers as 128 maps of ⌊⌊⌊S/2⌋/2⌋/2⌋². Default input 64 px; any side ≥ 8.
public final class LowDepthCNN: Module, EmbeddingModel {
    public let features: Sequential
    public let classifier: Sequential

    public init(inputSide: Int, channels: Int = 1, classes: Int, filters: [Int] = [32, 64, 128],
                rng: inout RandomSource) {
        precondition(inputSide >> filters.count >= 1, "lowdepth: input side \(inputSide) too small")
        var blocks: [(String, Module)] = []
        var inC = channels
        for (i, f) in filters.enumerated() {
            blocks.append(("block\(i + 1)", Sequential(named: [
                ("conv", Conv2D(inC, f, kernel: 3, padding: .same, initializer: .heNormal, rng: &rng)),
                ("relu", ReLU()),
                ("bn", BatchNorm(f)),
                ("pool", MaxPool2D(2)),
                ("drop", Dropout(0.25)),
            ])))
            inC = f
        }
        blocks.append(("flatten", Flatten()))
        features = Sequential(named: blocks)
        var side = inputSide
        for _ in filters { side /= 2 }
        classifier = Sequential(named: [
            ("fc1", Dense(inC * side * side, 256, initializer: .heNormal, rng: &rng)), ("relu1", ReLU()),
            ("drop1", Dropout(0.5)),
            ("fc2", Dense(256, 128, initializer: .heNormal, rng: &rng)), ("relu2", ReLU()), ("drop2", Dropout(0.5)),
            ("logits", Dense(128, classes, rng: &rng)),
        ])
        super.init()
        register(module: features, "features")
        register(module: classifier, "classifier")
    }

    public override func callAsFunction(_ x: Variable) -> Variable { classifier(features(x)) }

    /// Class logits in inference mode: the convolution blocks (batch norms, pooling) as one convolution stack
    /// (oneDNN's blocked layout end to end where available), then the dense head on the whole batch.
    public override func infer(_ x: Tensor) -> Tensor { classifier(Variable(features.infer(x))).value }

    /// The last hidden dense layer's activations (after its ReLU).
    public func embedding(_ x: Variable) -> Variable { classifier.allButLast(features(x)) }
}
