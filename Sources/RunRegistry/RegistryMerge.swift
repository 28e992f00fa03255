import Foundation
import GRDB

/// What `RunRegistry.merge(from:)` did.
public struct MergeSummary: Codable, Sendable, Equatable {
    /// Source run id → its id in this registry, for the runs copied now.
    public var copied: [Int64: Int64]
    /// Source runs already here (merged before).
    public var alreadyPresent: Int
    /// Source runs still `running`, not copied (merge again once they end).
    public var stillRunning: Int
}

extension RunRegistry {
    /// Copies the ended runs of another registry file (with their curves and checkpoints) into this one: how the
    /// registries of budget-grid shards run on different machines (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 5) become one. Runs already
    /// here (same `uid`) are skipped, so merging again is harmless; the other file is only read.
    @discardableResult
    public func merge(from other: URL) throws -> MergeSummary {
        let source = try RunRegistry(url: other, create: false)
        let runs = try source.runs()
        var parts: [(RunRecord, [EpochRow], [CheckpointRow])] = []
        var running = 0
        for run in runs {
            if run.status == .running { running += 1; continue }
            parts.append((run, try source.epochs(run: run.id), try source.checkpoints(run: run.id)))
        }
        let encoded = try parts.map { part in
            try part.1.map { row -> (Int, String) in
                do { return (row.epoch, try EpochRow.encodeValues(row.values)) } catch {
                    throw RegistryError.encoding(path: other.path, reason: "epoch \(row.epoch) of run \(row.runID): \(error)")
                }
            }
        }
        return try write { db -> MergeSummary in
            var copied: [Int64: Int64] = [:]
            var present = 0
            for (i, (run, _, checkpoints)) in parts.enumerated() {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM run WHERE uid = ?", arguments: [run.uid]) == true { present += 1; continue }
                try db.execute(sql: """
                    INSERT INTO run (uid, kind, key, run_group, status, config_json, seed, data_fingerprint, started_at, finished_at,
                        seconds, accuracy, metrics_json, bundle_path, report_path, message, host, pid, process_start)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                    """, arguments: [run.uid, run.kind, run.key, run.group, run.status.rawValue, run.configJSON,
                                     Int64(bitPattern: run.seed), run.dataFingerprint, run.startedAt, run.finishedAt,
                                     run.seconds, run.accuracy, run.metricsJSON, run.bundlePath, run.reportPath, run.message,
                                     run.host, Int64(run.pid)])
                let id = db.lastInsertedRowID
                for (epoch, values) in encoded[i] {
                    try db.execute(sql: "INSERT INTO epoch (run_id, epoch, values_json) VALUES (?, ?, ?)", arguments: [id, epoch, values])
                }
                for c in checkpoints {
                    try db.execute(sql: "INSERT INTO checkpoint (run_id, epoch, validation_accuracy, path) VALUES (?, ?, ?, ?)",
                                   arguments: [id, c.epoch, c.validationAccuracy, c.path])
                }
                copied[run.id] = id
            }
            return MergeSummary(copied: copied, alreadyPresent: present, stillRunning: running)
        }
    }
}
