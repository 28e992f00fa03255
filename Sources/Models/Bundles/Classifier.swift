import Datasets
import Engine
import Foundation
import Imaging
import NN

/// A loaded model bundle ready to classify cells: preprocesses images exactly as training did
/// (`BundleInfo.preprocessing`: channel combination, percentile normalisation, keep-aspect square resize) and
/// returns class probabilities in inference mode (dropout off, batch norm on running statistics), through the
/// model's fast inference path (`Module.infer`: chunks of the batch per core, oneDNN convolution stacks).
public final class Classifier {
    public let model: Module
    public let info: BundleInfo
    public var classes: [String] { info.classes }

    /// One image's result.
    public struct Prediction: Sendable, Hashable {
        public var label: Int
        public var className: String
        public var confidence: Float
        public var probabilities: [Float]
    }

    public init(model: Module, info: BundleInfo) {
        self.model = model; self.info = info
    }

    /// Loads the bundle at `url` (see `ModelBundle.load`).
    public convenience init(bundle url: URL) throws {
        let (m, i) = try ModelBundle.load(from: url)
        self.init(model: m, info: i)
    }

    /// An image (any size, any bit depth, `channels` channels or summed to one) as the model's input:
    /// `channels × side × side` floats.
    public func preprocess(_ image: Image) throws -> [Float] {
        let p = info.preprocessing
        let combined = p.channels == .sum ? image.summedChannels() : image
        guard combined.channels == info.model.channels else {
            throw ModelError.wrongInputShape(architecture: info.model.architecture,
                                             expected: info.model.inputShape(batch: 1),
                                             got: [1, combined.channels, image.height, image.width])
        }
        let normalised = combined.normalized(p.normalization, summed: p.channels == .sum ? image.channels : 1)
        return normalised.squared(side: p.side, mode: p.resize, padding: p.padding).pixels
    }

    /// An image file read and preprocessed exactly as the training data was.
    public func preprocess(file url: URL) throws -> [Float] {
        let img = try info.preprocessing.prepare(Sample(files: [url]))
        guard img.channels == info.model.channels else {
            throw ModelError.wrongInputShape(architecture: info.model.architecture, expected: info.model.inputShape(batch: 1),
                                             got: [1, img.channels, img.height, img.width])
        }
        return img.pixels
    }

    /// Probabilities `[N, classes]` for an already-preprocessed batch `[N, C, side, side]`; throws on any other shape.
    public func probabilities(batch: Tensor) throws -> Tensor {
        try ModelRegistry.checkInput(batch.shape, for: info.model)
        return Variable(model.infer(batch)).softmax().value
    }

    /// Probabilities for preprocessed samples, `batchSize` at a time.
    public func probabilities(samples: [[Float]], batchSize: Int = 64) throws -> [[Float]] {
        let size = info.model.channels * info.model.inputSide * info.model.inputSide
        var out: [[Float]] = []
        var start = 0
        while start < samples.count {
            let chunk = samples[start ..< min(samples.count, start + batchSize)]
            var flat: [Float] = []
            flat.reserveCapacity(chunk.count * size)
            for s in chunk {
                guard s.count == size else {
                    throw ModelError.wrongInputShape(architecture: info.model.architecture, expected: info.model.inputShape(batch: 1),
                                                     got: [1, s.count])
                }
                flat += s
            }
            let p = try probabilities(batch: Tensor(shape: info.model.inputShape(batch: chunk.count), values: flat))
            let k = p.shape[1], v = p.scalars
            for i in 0..<chunk.count { out.append(Array(v[i * k ..< (i + 1) * k])) }
            start += batchSize
        }
        return out
    }

    /// Probabilities for a batch of images (any size; preprocessed as in training).
    public func probabilities(_ images: [Image]) throws -> [[Float]] {
        try probabilities(samples: images.map(preprocess))
    }

    /// Predictions for image files.
    public func predict(files: [URL]) throws -> [Prediction] {
        try probabilities(samples: files.map { try preprocess(file: $0) }).map(prediction)
    }

    /// Predictions for images.
    public func predict(_ images: [Image]) throws -> [Prediction] {
        try probabilities(images).map(prediction)
    }

    func prediction(_ p: [Float]) -> Prediction {
        var arg = 0
        for j in p.indices where p[j] > p[arg] { arg = j }
        return Prediction(label: arg, className: classes[arg], confidence: p[arg], probabilities: p)
    }
}
