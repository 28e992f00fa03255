import ArgumentParser
import Models

/// How a loaded classifier infers, shared by `predict`, `evaluate`, `analyze` and `serve` (the one inference path).
struct InferenceOptions: ParsableArguments {
    @Flag(help: "Test-time augmentation: average the probabilities over the 8 rotations and mirrors of each crop (8× the model time).")
    var tta = false
    @Flag(help: "Ignore the bundle's calibration temperature (raw soft-max confidences).") var noCalibration = false
    @Option(help: """
        Abstain below this confidence (0–1): the cell's class is 'unknown' (counted as such; no event fires on it) \
        instead of a class the model is unsure of. Default: always name a class.
        """)
    var unknownBelow: Float?
    @Flag(help: """
        Fields (analyze, serve): apply a bundle's dataset-wide intensity range (--intensity dataset or both) as stored, \
        instead of refitting it on each field's nuclei (right only for the training microscope and camera).
        """)
    var bundleIntensity = false

    func validate() throws {
        try OptionCheck.number(unknownBelow, "--unknown-below", 0...1)
    }

    /// Applies the options to `classifier`.
    func configure(_ classifier: Classifier) {
        classifier.tta = tta
        classifier.calibrated = !noCalibration
        classifier.unknownBelow = unknownBelow
        classifier.intensityFromFrame = !bundleIntensity
    }
}
