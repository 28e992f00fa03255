import Foundation
import Imaging
import Support

/// How several channels of a sample (several files, several TIFF pages, or RGB samples) are combined.
public enum ChannelMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Summed into one channel before normalising (the SGAN paper's two-marker datasets).
    case sum
    /// Kept as separate channels (C = total channels).
    case stack
}

/// Preprocessing from files to a model-ready `C × side × side` float tensor:
/// decode (all pages when `allPages`) → combine channels → normalise (on the original crop, so
/// percentiles are not biased by padding) → square resize (bilinear, keep-aspect padding by default).
/// Defaults per model family: `.gan` 64 px, [-1, 1] from the 1st–99.8th percentiles; `.cnn` 224 px, [0, 1].
public struct PreprocessSettings: Sendable, Hashable, Codable {
    public var side: Int
    public var resize: ResizeMode
    public var padding: PaddingMode
    public var normalization: Normalization
    public var channels: ChannelMode
    /// Read every TIFF page as a channel (otherwise only the first page).
    public var allPages: Bool
    /// A second copy of each channel normalised with this (a `.fixed` dataset range: `--intensity both`), stacked
    /// after the first: the model sees the crop's shape at full contrast *and* its brightness against the dataset —
    /// condensed mitotic chromatin is brighter than interphase chromatin, which per-image percentiles erase. Nil: one
    /// copy (the default).
    public var absoluteIntensity: Normalization?
    /// Gaussian smoothing of the model input, σ in input pixels (after the resize, so it means the same for every
    /// crop size; `--smooth`). Fine texture is where microscopes differ most — shot noise, 8-bit steps, optics — and a
    /// model that reads prophase from it calls another lab's interphase nuclei prophase. Nil or 0: none (the default).
    public var smoothing: Double?
    /// The σ values a bundle may hold.
    public static let smoothingRange = 0.0...10.0

    public init(side: Int = 64, resize: ResizeMode = .keepAspect, padding: PaddingMode = .edgeMean,
                normalization: Normalization = .robustSymmetric, channels: ChannelMode = .sum, allPages: Bool = false) {
        self.side = side; self.resize = resize; self.padding = padding; self.normalization = normalization
        self.channels = channels; self.allPages = allPages
    }

    /// The SGAN (64 px, tanh output range [-1, 1]).
    public static let gan = PreprocessSettings(side: 64, normalization: .robustSymmetric)
    /// Small CNNs at 64 px in [0, 1].
    public static let smallCNN = PreprocessSettings(side: 64, normalization: .robustUnit)
    /// ImageNet-style CNNs (224 px, [0, 1]).
    public static let cnn = PreprocessSettings(side: 224, normalization: .robustUnit)

    /// A stable description for cache keys.
    public var key: String {
        "side=\(side);resize=\(resize.rawValue);padding=\(padding);norm=\(normalization.description);channels=\(channels.rawValue);pages=\(allPages);v1"
            + (absoluteIntensity.map { ";absolute=\($0.description)" } ?? "")
            + (smoothing.map { $0 > 0 ? ";smooth=\($0)" : "" } ?? "")
    }

    /// Decodes and prepares one sample (errors name the file; `row` is the manifest row, if any).
    public func prepare(_ sample: Sample) throws -> Image { prepare(image: try decode(sample)) }

    /// Decodes one sample's files (all pages when `allPages`) and stacks them as channels, unnormalised.
    public func decode(_ sample: Sample) throws -> Image {
        var parts: [Image] = []
        do {
            for f in sample.files {
                parts += allPages ? try ImageFile.readPages(f) : [try ImageFile.read(f)]
            }
        } catch let e as ImagingError {
            throw DatasetError.image(e, row: sample.row)
        }
        // Mixed formats: promote to the widest so stacking works.
        let format = parts.map(\.format).max { $0.bitDepth < $1.bitDepth }!
        parts = parts.map { var p = $0; p.format = format; return p }
        guard let stacked = Image.stacking(parts) else {
            let f = parts[0]
            let bad = zip(sample.files, parts).first { $0.1.width != f.width || $0.1.height != f.height }?.0 ?? sample.files[0]
            throw DatasetError.image(.unsupported(file: bad.path, reason: "channel files differ in size"), row: sample.row)
        }
        return stacked
    }

    /// These settings with one `.fixed` raw range for every image: the `low`-th and `high`-th percentiles of the
    /// pixels of all of `dataset`'s samples pooled (channels combined as `prepare` combines them; an even stride of
    /// at most `perImage` pixels from each). Labels are not used; unreadable samples are left to `prepare` to report.
    /// The range is stored with the settings, so a bundle applies the same one at the microscope.
    /// With `secondChannel` the range goes to `absoluteIntensity` (per-image normalisation stays first).
    public func fittingDatasetRange(of dataset: Dataset, low: Float = 1, high: Float = 99.8, perImage: Int = 4096,
                                    secondChannel: Bool = false) -> PreprocessSettings {
        let samples = dataset.samples
        let pixels: [[Float]] = Parallel.map(samples.count) { i in
            guard let raw = try? decode(samples[i]) else { return [] }
            let p = channels == .sum ? raw.summedChannels().pixels : raw.pixels
            let stride = Swift.max(1, p.count / Swift.max(1, perImage))
            return Swift.stride(from: 0, to: p.count, by: stride).map { p[$0] }
        }
        let range = fixedRange(pooled: pixels.flatMap { $0 }, low: low, high: high)
        var out = self
        if secondChannel { out.absoluteIntensity = range } else { out.normalization = range }
        return out
    }

    /// Whether these settings hold a raw range fit on a dataset (`--intensity dataset` or `both`).
    public var hasFixedRange: Bool {
        if case .fixed = normalization { return true }
        return absoluteIntensity != nil
    }

    /// These settings with their dataset-wide ranges refit on `images` pooled, the nuclei of one field: "bright" then
    /// means bright among that frame's nuclei, whatever the camera's bit depth and exposure, as the dataset range
    /// meant bright among the dataset's nuclei. Same percentiles and sampling as `fittingDatasetRange`; settings
    /// without a fixed range come back unchanged.
    public func fittingRange(toImages images: [Image], low: Float = 1, high: Float = 99.8, perImage: Int = 4096) -> PreprocessSettings {
        guard hasFixedRange, !images.isEmpty else { return self }
        var pooled: [Float] = []
        for raw in images {
            let p = channels == .sum ? raw.summedChannels().pixels : raw.pixels
            let stride = Swift.max(1, p.count / Swift.max(1, perImage))
            pooled += Swift.stride(from: 0, to: p.count, by: stride).map { p[$0] }
        }
        let range = fixedRange(pooled: pooled, low: low, high: high)
        var out = self
        if case .fixed = normalization { out.normalization = range }
        if absoluteIntensity != nil { out.absoluteIntensity = range }
        return out
    }

    private func fixedRange(pooled: [Float], low: Float, high: Float) -> Normalization {
        let (lo, hi) = Image.percentiles(pooled[...], low, high)
        return Normalization.fixed(low: lo, high: hi, symmetric: normalization.range.lowerBound < 0)
    }

    /// Prepares an already decoded crop (all its channels stacked), exactly as a file would be:
    /// combine channels → normalise → square resize. Used for crops cut from whole fields at the
    /// microscope, so they reach the model as the training crops did.
    public func prepare(image stacked: Image) -> Image {
        let combined = channels == .sum ? stacked.summedChannels() : stacked
        let summed = channels == .sum ? stacked.channels : 1
        var normalised = combined.normalized(normalization, summed: summed)
        if let absoluteIntensity, let both = Image.stacking([normalised, combined.normalized(absoluteIntensity, summed: summed)]) {
            normalised = both
        }
        let squared = normalised.squared(side: side, mode: resize, padding: padding)
        guard let sigma = smoothing, sigma > 0 else { return squared }
        let plane = side * side
        var pixels: [Float] = []
        pixels.reserveCapacity(squared.pixels.count)
        for c in 0..<squared.channels {
            pixels += Smoothing.gaussian(Array(squared.pixels[c * plane ..< (c + 1) * plane]), width: side, height: side, sigma: sigma)
        }
        return Image(width: side, height: side, channels: squared.channels, format: squared.format, pixels: pixels)
    }
}
