import Foundation
import Models
import RunRegistry

/// The link between training runs and the SQLite run registry (*Semi supervised GAN for smart microscopy, fast and
/// data efficient cell cycle classification*, section 5: every run of the grid recorded): opens the registry, marks
/// runs of dead processes interrupted, and records each run's configuration, epochs, checkpoints and final metrics.
public struct RunRecording {
    public let registry: RunRegistry
    let handler: InterruptHandler

    /// Opens `path` (default: `$CELLPHASE_REGISTRY`, else ./cellphase-runs.sqlite); runs left `running` by a process
    /// that is gone are marked interrupted; SIGINT/SIGTERM mark this process's unfinished runs interrupted.
    public init(path: String?, note: (String) -> Void = { _ in }) throws {
        registry = try RunRegistry(url: path.map { URL(fileURLWithPath: $0) } ?? RunRegistry.defaultURL)
        for r in try registry.reapStale() { note("registry: run \(r.id) (\(r.key)) was left unfinished; marked interrupted") }
        handler = registry.installInterruptHandler()
    }

    /// One run's handle: epochs and checkpoints go to the registry as they happen.
    public struct Log {
        let registry: RunRegistry
        let id: Int64
        public func epoch(_ e: SGANTraining.Epoch) throws { try registry.appendEpoch(run: id, epoch: e.epoch, values: e.values) }
        public func epoch(_ r: EpochRecord) throws {
            var v = ["train_loss": r.trainLoss, "train_accuracy": r.trainAccuracy, "learning_rate": r.learningRate, "seconds": r.seconds]
            v["val_loss"] = r.valLoss; v["val_accuracy"] = r.valAccuracy
            v["confident_fraction"] = r.confidentFraction; v["pseudo_label_accuracy"] = r.pseudoLabelAccuracy
            try registry.appendEpoch(run: id, epoch: r.epoch, values: v.filter { $0.value.isFinite })
        }
        public func checkpoint(_ e: SGANTraining.Epoch, _ url: URL) throws {
            try registry.addCheckpoint(run: id, epoch: e.epoch, validationAccuracy: e.validationAccuracy ?? 0, path: url.path)
        }
    }

    /// What a finished run reports.
    public struct Outcome {
        public var metrics: EvaluationReport
        public var seconds: Double
        public var bundle: URL?
        public var report: URL?
        public init(metrics: EvaluationReport, seconds: Double, bundle: URL?, report: URL?) {
            self.metrics = metrics; self.seconds = seconds; self.bundle = bundle; self.report = report
        }
    }

    /// Records a run from start to end: `running` at the start, `finished` with its metrics, or `failed` with the error.
    public func record<T>(kind: String, key: String, group: String?, config: some Encodable, seed: UInt64, fingerprint: String?,
                   _ body: (Log) throws -> (T, Outcome)) throws -> T {
        let id = try registry.begin(kind: kind, key: key, group: group, config: config, seed: seed, dataFingerprint: fingerprint)
        do {
            let (value, o) = try body(Log(registry: registry, id: id))
            try registry.finish(run: id, accuracy: o.metrics.accuracy, metrics: o.metrics, seconds: o.seconds,
                                bundlePath: o.bundle?.path, reportPath: o.report?.path)
            return value
        } catch {
            try? registry.fail(run: id, message: "\(error)")
            throw error
        }
    }
}
