import Engine
import NN

/// A classifier whose logits are one linear map of a feature vector: `embedding` is that vector `[N, D]`, the input of
/// the last dense layer. It is what the labelling loop clusters and spreads a batch over (`cellphase pool analyze
/// --model`, `suggest --strategy diverse`) — the "model's embedding" of the SGAN paper's pool analysis (*Semi
/// supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 3.1.2, Figure 2,
/// where the features were hand-made blob statistics). Every architecture of `ModelRegistry` conforms; an `Ensemble`
/// concatenates its members' embeddings.
///
/// Outside a training tape the embedding is computed in inference mode (no dropout, batch norm on its running
/// statistics), like the logits `Classifier` reads.
public protocol EmbeddingModel: Module {
    /// The feature vector `[N, D]` the last dense layer maps to the logits, for images `[N, C, H, W]`.
    func embedding(_ x: Variable) -> Variable
}

extension Sequential {
    /// Every layer but the last (the logits) applied to `x`.
    func allButLast(_ x: Variable) -> Variable { layers.dropLast().reduce(x) { $1($0) } }
}
