/// How the foreground (nuclei) is separated from the background after correction.
public enum ThresholdMethod: Sendable, Hashable {
    /// Otsu's threshold on a `bins`-bin histogram over the corrected field's range (default).
    case otsu(bins: Int = 4096)
    /// Otsu on log(1 + value) (default; via a 65536-bin linear histogram re-binned into `bins`
    /// log bins): for fields mixing dim interphase and saturated mitotic nuclei,
    /// where plain Otsu lands between the two kinds of nuclei instead of below both.
    case otsuLog(bins: Int = 4096)
    /// A fixed threshold in corrected raw units (foreground: value ≥ threshold).
    case fixed(Float)
    /// Local mean over a `window × window` square minus `offset` (see `AdaptiveThreshold`).
    case adaptive(window: Int, offset: Float)
}

/// Settings of the classical nuclei segmentation (Hoechst / H2B images): background
/// correction → Gaussian smoothing → threshold → connected components → hole filling →
/// distance-transform watershed splitting touching nuclei → size and border filters.
/// Defaults suit 20× fields of HeLa nuclei (roboscope-zeiss: nuclei ≈ 25–60 px across).
public struct SegmentationOptions: Sendable, Hashable {
    public var background: BackgroundCorrection = .blockMinimum(block: 128)
    /// Gaussian σ in pixels applied before the threshold (0: none).
    public var smoothingSigma: Double = 1.0
    public var threshold: ThresholdMethod = .otsuLog()
    /// Global thresholds are raised to at least the background median plus `minContrast` raw
    /// units and plus `minSNR` noise σ (see `NucleiSegmenter.contrastFloor`); 0 disables.
    public var minContrast: Float = 20
    public var minSNR: Float = 5
    /// Adjacency for components and flooding (8: diagonal neighbours join).
    public var connectivity: Connectivity = .eight
    /// Fill background regions enclosed by one object (dark nucleoli, thresholding holes).
    public var fillHoles: Bool = true
    /// Split touching nuclei by the distance-transform watershed.
    public var splitTouching: Bool = true
    /// A distance maximum becomes its own nucleus only if it rises at least this many pixels
    /// above the saddle joining it to a higher maximum (h of h-maxima).
    public var minMarkerHeight: Float = 1.5
    /// …and lies at least this many pixels from that maximum.
    public var minMarkerDistance: Float = 6
    /// Components the distance leaves whole but less convex than this (pixels over convex-hull
    /// area) are searched for a bright core pressed against a dimmer nucleus — a metaphase plate
    /// against an interphase nucleus, whose neck is as wide as the plate (`BrightCoreSplit`);
    /// 0 disables. Global thresholds only (the adaptive threshold has no plane to look at).
    public var brightCoreSolidity: Double = 0.92
    /// Objects smaller than this (pixels) are dropped (noise, debris).
    public var minArea: Int = 60
    /// Objects larger than this are dropped (clumps, artefacts); nil: no limit.
    public var maxArea: Int? = nil
    /// Drop objects touching the image border (their crops would be incomplete).
    public var excludeBorder: Bool = false
    /// Which channel to segment; nil sums all channels.
    public var channel: Int? = 0

    public init() {}
}

/// Wall-clock time of each stage, in milliseconds: the whole-field passes (`smooth`,
/// `background`, `threshold`, `components`), the per-component stages run over all components
/// in parallel (`holes`: rasterising runs and filling holes, `distance`, `watershed`: markers and
/// splitting, `features`), and writing the label image (`labels`). Imported label images only
/// have `features` (measuring them) and `total`.
public struct SegmentationTimings: Sendable, Hashable, Codable {
    public var smooth = 0.0, background = 0.0, threshold = 0.0, components = 0.0
    public var holes = 0.0, distance = 0.0, watershed = 0.0, features = 0.0, labels = 0.0, total = 0.0
    public init() {}

    /// The stages by name, in pipeline order (what `bench field` prints as `seg_<name>_ms`).
    public var stages: [(name: String, ms: Double)] {
        [("smooth", smooth), ("background", background), ("threshold", threshold), ("components", components),
         ("holes", holes), ("distance", distance), ("watershed", watershed), ("features", features), ("labels", labels)]
    }
}

/// What segmentation returns: the label image, one measured object per label (ids 1…n, in
/// the label image's order), the threshold used and the time spent.
public struct SegmentationResult: Sendable {
    public var labels: LabelImage
    public var objects: [NucleusObject]
    /// The global threshold in corrected units (nil for adaptive thresholds, imported labels
    /// and fields without contrast).
    public var threshold: Float?
    public var timings: SegmentationTimings
}
