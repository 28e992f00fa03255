import Foundation
import Imaging
import Support

/// A dataset decoded, normalised and resized once: `data` holds `count × channels × side × side`
/// floats (NCHW) for the samples that could be read; `dataset` lists exactly those samples, so
/// split indices on `dataset` are rows of `data`. Unreadable samples are in `problems` (policy skip).
public struct PreparedDataset: Sendable {
    public var dataset: Dataset
    public var settings: PreprocessSettings
    public var channels: Int
    public var data: [Float]
    public var problems: [DatasetProblem]
    /// Whether the tensors came from the on-disk cache.
    public var fromCache: Bool

    public var count: Int { dataset.count }
    public var side: Int { settings.side }
    public var sampleSize: Int { channels * side * side }
    public var labels: [Int] { dataset.labels }
    /// The value range of the normalised data (augmentation clamps to it).
    public var range: ClosedRange<Float> { settings.normalization.range }

    /// One sample's tensor as an image.
    public func image(_ row: Int) -> Image {
        Image(width: side, height: side, channels: channels, format: .float32,
              pixels: Array(data[row * sampleSize ..< (row + 1) * sampleSize]))
    }

    /// Decodes all samples on all cores. With `cache`, tensors are read from / written to it,
    /// keyed by the files' content and `settings`. `onError: .stop` throws the first problem
    /// (naming file and manifest row); `.skip` drops the sample and records it.
    public static func prepare(_ dataset: Dataset, settings: PreprocessSettings, cache: TensorCache? = nil,
                               onError: ErrorPolicy = .stop) throws -> PreparedDataset {
        let key = try cache.map { _ in try TensorCache.key(for: dataset, settings: settings) }
        if let cache, let key, let hit = cache.load(key: key, count: dataset.count) {
            let kept = hit.kept
            return PreparedDataset(dataset: dataset.subset(kept), settings: settings, channels: hit.channels, data: hit.data,
                                   problems: dataset.problems + hit.problems, fromCache: true)
        }
        let samples = dataset.samples
        let results: [Result<Image, DatasetError>] = Parallel.map(samples.count) { i in
            do { return .success(try settings.prepare(samples[i])) }
            catch let e as DatasetError { return .failure(e) }
            catch { return .failure(.invalidSpec("\(samples[i].files[0].path): \(error)")) }
        }
        var log = ProblemLog(onError)
        var kept: [Int] = [], channels = 0
        var data: [Float] = []
        for (i, r) in results.enumerated() {
            switch r {
            case .failure(let e): try log.report(e)
            case .success(let img):
                if channels == 0 { channels = img.channels; data.reserveCapacity(samples.count * img.pixels.count) }
                guard img.channels == channels else {
                    try log.report(.channelMismatch(file: samples[i].files[0].path, expected: channels, got: img.channels)); continue
                }
                kept.append(i); data += img.pixels
            }
        }
        if let cache, let key {
            try cache.store(key: key, kept: kept, channels: channels, side: settings.side, data: data, problems: log.problems)
        }
        return PreparedDataset(dataset: dataset.subset(kept), settings: settings, channels: channels, data: data,
                               problems: dataset.problems + log.problems, fromCache: false)
    }
}
