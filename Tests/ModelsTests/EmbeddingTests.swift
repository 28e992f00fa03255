import Datasets
import Engine
import Foundation
import Imaging
@testable import Models
import NN
import Support
import TestSupport
import XCTest

/// `EmbeddingModel`: every architecture's embedding is exactly what its last dense layer maps to the logits, an
/// ensemble's is its members' side by side, and `Classifier.embeddings` reads it through the one inference path.
final class EmbeddingTests: XCTestCase {
    /// The logits layer: the last `Dense` registered in the model.
    private func logitsLayer(_ m: Module) throws -> Dense {
        try XCTUnwrap(m.modules.last { $0 is Dense } as? Dense)
    }

    func testEveryArchitectureEmbedsWhatItsLastDenseLayerMapsToTheLogits() throws {
        for entry in ModelRegistry.entries {
            for side in [32, 48] {
                let config = ModelConfig(architecture: entry.name, inputSide: side, channels: 1, classes: 3)
                let m = try ModelRegistry.make(config, seed: 2)
                let e = try XCTUnwrap(m as? EmbeddingModel, entry.name)
                var rng = RandomSource(seed: 11)
                let x = Tensor.uniform(config.inputShape(batch: 3), rng: &rng)
                let embedding = e.embedding(Variable(x)).value
                XCTAssertEqual(embedding.rank, 2, entry.name)
                XCTAssertEqual(embedding.shape[0], 3, entry.name)
                XCTAssertGreaterThan(embedding.shape[1], 3, entry.name)
                let fc = try logitsLayer(m)
                let logits = m(Variable(x)).value, again = fc(Variable(embedding)).value
                XCTAssertEqual(logits.shape, again.shape, entry.name)
                for (a, b) in zip(logits.scalars, again.scalars) {
                    XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(a)), "\(entry.name) at \(side)")
                }
                // Rows are independent: the embedding of one image alone is its row of the batch.
                let alone = e.embedding(Variable(x.batchSlice(1..<2))).value.scalars
                let d = embedding.shape[1]
                for j in 0..<d { XCTAssertEqual(alone[j], embedding.scalars[d + j], accuracy: 1e-3 * max(1, abs(alone[j])), entry.name) }  // GEMM blocking differs by batch
            }
        }
    }

    func testAnEnsembleEmbedsItsMembersSideBySide() throws {
        let config = ModelConfig(architecture: "lowdepth", inputSide: 32, classes: 2)
        let members = try [3, 4].map { try ModelRegistry.make(config, seed: $0) }
        let ensemble = Ensemble(members: members)
        var rng = RandomSource(seed: 5)
        let x = Tensor.uniform(config.inputShape(batch: 2), rng: &rng)
        let joined = ensemble.embedding(Variable(x)).value
        let parts = members.map { ($0 as! EmbeddingModel).embedding(Variable(x)).value }
        XCTAssertEqual(joined.shape, [2, parts[0].shape[1] + parts[1].shape[1]])
        let d = parts[0].shape[1]
        for i in 0..<2 {
            XCTAssertEqual(Array(joined.scalars[(i * 2 * d)..<(i * 2 * d + d)]), Array(parts[0].scalars[(i * d)..<(i * d + d)]))
            XCTAssertEqual(Array(joined.scalars[(i * 2 * d + d)..<(i * 2 * d + 2 * d)]), Array(parts[1].scalars[(i * d)..<(i * d + d)]))
        }
    }

    func testTheClassifierEmbedsImagesAsItClassifiesThem() throws {
        let config = ModelConfig(architecture: "lowdepth", inputSide: 32, classes: 2)
        let model = try ModelRegistry.make(config, seed: 6)
        let settings = PreprocessSettings(side: 32)
        let classifier = Classifier(model: model, classes: ["I", "M"], preprocessing: settings, architecture: "lowdepth")
        XCTAssertTrue(classifier.hasEmbedding)
        var rng = RandomSource(seed: 8)
        // More images than one embedding chunk (64), of several sizes, so preparation and chunking both run.
        let images = (0..<70).map { i in
            Image(width: 30 + i % 7, height: 28 + i % 5, format: .float32,
                  pixels: (0..<((30 + i % 7) * (28 + i % 5))).map { _ in rng.uniform() })
        }
        let rows = try classifier.embeddings(images)
        XCTAssertEqual(rows.count, 70)
        let direct = (model as! EmbeddingModel).embedding(Variable(Tensor(shape: [70, 1, 32, 32],
                                                                         values: images.flatMap { settings.prepare(image: $0).pixels }))).value
        let d = direct.shape[1]
        XCTAssertEqual(rows[0].count, d)
        for i in [0, 33, 64, 69] {
            for j in 0..<d { XCTAssertEqual(rows[i][j], direct.scalars[i * d + j], accuracy: 1e-4 * max(1, abs(rows[i][j]))) }
        }
        // A model without a dense head gives no embedding: a clear error, not a crash.
        let bare = Classifier(model: Sequential([Flatten()]), classes: ["I", "M"], preprocessing: settings)
        XCTAssertFalse(bare.hasEmbedding)
        XCTAssertThrowsError(try bare.embeddings(Array(images.prefix(1)))) {
            XCTAssertTrue("\($0)".contains("embedding"), "\($0)")
        }
    }
}
