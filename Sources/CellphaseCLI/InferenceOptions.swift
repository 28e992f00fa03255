import ArgumentParser
import Models

/// How a loaded classifier infers, shared by `predict`, `evaluate`, `analyze` and `serve` (the one inference path).
struct InferenceOptions: ParsableArguments {
    @Flag(help: "Test-time augmentation: average the probabilities over the 8 rotations and mirrors of each crop (8× the model time).")
    var tta = false
    @Flag(help: "Ignore the bundle's calibration temperature (raw soft-max confidences).") var noCalibration = false

    /// Applies the options to `classifier`.
    func configure(_ classifier: Classifier) {
        classifier.tta = tta
        classifier.calibrated = !noCalibration
    }
}
