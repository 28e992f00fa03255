import ArgumentParser
import Datasets
import Imaging

/// `--resize` and `--intensity`: how crops become model inputs (`PreprocessSettings`), for the commands that train.
/// The choices are stored in the bundle, so `evaluate`, `predict`, `analyze` and `serve` apply the same ones.
struct PreprocessOptions: ParsableArguments {
    @Option(help: """
        How a crop becomes a square of --size: keep-aspect (scale the longer side to --size, pad), stretch, or pad \
        (keep the pixel scale: centre, pad or centre-crop; nuclear size stays a feature).
        """)
    var resize: ResizeMode = .keepAspect
    @Option(help: """
        Intensity normalisation: image (each crop's own 1st–99.8th percentiles) or dataset (one range for every crop, \
        from the percentiles of all crops pooled: brightness differences between crops stay a feature) or both \
        (two input channels: the crop's own contrast and its brightness against the dataset).
        """)
    var intensity: IntensityMode = .image
    @Option(help: """
        Gaussian smoothing of every model input, σ in input pixels (0–10; stored in the bundle and applied at inference \
        alike): makes calls depend less on the fine texture that differs between microscopes. Default: none.
        """)
    var smooth: Double?

    func validate() throws {
        try OptionCheck.number(smooth, "--smooth", PreprocessSettings.smoothingRange)
    }

    /// `base` (side and value range of the model family) with the chosen resize; `fitsDatasetRange` says whether the
    /// intensity range is still to be taken from the data (`DataOptions.prepare` does it once the data is listed).
    func settings(_ base: PreprocessSettings) throws -> PreprocessSettings {
        var s = base
        s.resize = resize
        if let smooth, smooth > 0 { s.smoothing = smooth }
        return s
    }

    var fitsDatasetRange: Bool { intensity != .image }
    /// The dataset range goes into a second channel (`--intensity both`).
    var datasetRangeAsSecondChannel: Bool { intensity == .both }
}
