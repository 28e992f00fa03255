import Foundation
import Models
import RunRegistry
import Training

/// The CLI's link between training runs and the SQLite run registry (SGAN paper `004_…txt`, section 5: every run of
/// the grid recorded): opens the registry, marks runs of dead processes interrupted, and records each run's
/// configuration, epochs, checkpoints and final metrics.
struct RunRecording {
    let registry: RunRegistry
    let handler: InterruptHandler

    /// Opens `path` (default: `$CELLPHASE_REGISTRY`, else ./cellphase-runs.sqlite); runs left `running` by a process
    /// that is gone are marked interrupted; SIGINT/SIGTERM mark this process's unfinished runs interrupted.
    init(path: String?) throws {
        registry = try RunRegistry(url: path.map { URL(fileURLWithPath: $0) } ?? RunRegistry.defaultURL)
        for r in try registry.reapStale() { Console.note("registry: run \(r.id) (\(r.key)) was left unfinished; marked interrupted") }
        handler = registry.installInterruptHandler()
    }

    /// One run's handle: epochs and checkpoints go to the registry as they happen.
    struct Log {
        let registry: RunRegistry
        let id: Int64
        func epoch(_ e: SGANTraining.Epoch) throws { try registry.appendEpoch(run: id, epoch: e.epoch, values: e.values) }
        func epoch(_ r: EpochRecord) throws {
            var v = ["train_loss": r.trainLoss, "train_accuracy": r.trainAccuracy, "learning_rate": r.learningRate, "seconds": r.seconds]
            v["val_loss"] = r.valLoss; v["val_accuracy"] = r.valAccuracy
            try registry.appendEpoch(run: id, epoch: r.epoch, values: v.filter { $0.value.isFinite })
        }
        func checkpoint(_ e: SGANTraining.Epoch, _ url: URL) throws {
            try registry.addCheckpoint(run: id, epoch: e.epoch, validationAccuracy: e.validationAccuracy ?? 0, path: url.path)
        }
    }

    /// What a finished run reports.
    struct Outcome {
        var metrics: EvaluationReport
        var seconds: Double
        var bundle: URL?
        var report: URL?
    }

    /// Records a run from start to end: `running` at the start, `finished` with its metrics, or `failed` with the error.
    func record<T>(kind: String, key: String, group: String?, config: some Encodable, seed: UInt64, fingerprint: String?,
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
