import Engine
import NN
import Support

/// The first paper's sequential CNN (*Live Cell Stage Classification Using Deep Learning*, sections 2.3.2 and 2.3.6: "multiple Conv2D and MaxPooling2D
/// layers, fully connected dense layers, dropout"): four blocks of [3×3 "same" convolution, ReLU, 2×2 max-pool]
/// with 32, 64, 128, 128 filters, then Dense 128 with ReLU and dropout 0.5, then the class logits.
/// The paper gives no exact layer list; this is the classic Keras layout it describes. Default input 64 px; any
/// side ≥ 32 (the side is halved four times, rounding down).
public final class SequentialCNN: Module, EmbeddingModel {
    public let features: Sequential
    public let classifier: Sequential

    public init(inputSide: Int, channels: Int = 1, classes: Int, filters: [Int] = [32, 64, 128, 128],
                rng: inout RandomSource) {
        precondition(inputSide >> filters.count >= 1, "scnn: input side \(inputSide) too small")
        var blocks: [(String, Module)] = []
        var inC = channels, side = inputSide
        for (i, f) in filters.enumerated() {
            blocks.append(("block\(i + 1)", Sequential(named: [
                ("conv", Conv2D(inC, f, kernel: 3, padding: .same, initializer: .heNormal, rng: &rng)),
                ("relu", ReLU()),
                ("pool", MaxPool2D(2)),
            ])))
            inC = f; side /= 2
        }
        blocks.append(("flatten", Flatten()))
        features = Sequential(named: blocks)
        classifier = Sequential(named: [
            ("fc1", Dense(inC * side * side, 128, initializer: .heNormal, rng: &rng)), ("relu1", ReLU()),
            ("drop1", Dropout(0.5)),
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
