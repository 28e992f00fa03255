import Foundation
import GRDB

/// One recorded run: what was trained (kind, configuration, seed, data fingerprint), where it sits in an experiment
/// (group and cell key, e.g. one cell of the SGAN paper's labelled × unlabelled budget grid, *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 5),
/// how it ended (status, accuracy, metrics, seconds) and what it left behind (bundle, report).
public struct RunRecord: Codable, Sendable, Identifiable, Equatable {
    public var id: Int64
    /// A unique id across registries (a UUID), so that merging shard registries never copies a run twice.
    public var uid: String
    /// "sgan", "supervised", "baseline", "transfer", … (free text).
    public var kind: String
    /// The cell within its group, e.g. "l80-u600-fold1"; a resumed grid skips the keys already finished.
    public var key: String
    /// The experiment the run belongs to, e.g. a grid id; nil for a lone run.
    public var group: String?
    public var status: RunStatus
    /// The run's configuration as JSON (sorted keys when the registry encoded it).
    public var configJSON: String
    public var seed: UInt64
    public var dataFingerprint: String?
    public var startedAt: Date
    public var finishedAt: Date?
    /// Wall-clock seconds of the run (set when it finishes).
    public var seconds: Double?
    /// Test accuracy in [0, 1] (set when it finishes).
    public var accuracy: Double?
    /// Final metrics as JSON, e.g. the `--json` object of a training command (`per_class`, `confusion`, …).
    public var metricsJSON: String?
    public var bundlePath: String?
    public var reportPath: String?
    /// Why the run failed or was interrupted.
    public var message: String?
    /// The host and process that began the run (what `reapStale()` checks).
    public var host: String
    public var pid: Int32

    enum CodingKeys: String, CodingKey {
        case id, uid, kind, key, group, status, seed, host, pid, seconds, accuracy, message
        case configJSON = "config_json", dataFingerprint = "data_fingerprint", startedAt = "started_at"
        case finishedAt = "finished_at", metricsJSON = "metrics_json", bundlePath = "bundle_path", reportPath = "report_path"
    }
}

extension RunRecord: FetchableRecord {
    public init(row: Row) throws {
        let statusText: String = try row.decode(forColumn: "status")
        guard let status = RunStatus(rawValue: statusText) else {
            throw RegistryError.encoding(path: "run \(row["id"] as Int64? ?? -1)", reason: "unknown status '\(statusText)'")
        }
        self.init(id: try row.decode(forColumn: "id"),
                  uid: try row.decode(forColumn: "uid"),
                  kind: try row.decode(forColumn: "kind"),
                  key: try row.decode(forColumn: "key"),
                  group: try row.decode(forColumn: "run_group"),
                  status: status,
                  configJSON: try row.decode(forColumn: "config_json"),
                  seed: UInt64(bitPattern: try row.decode(Int64.self, forColumn: "seed")),
                  dataFingerprint: try row.decode(forColumn: "data_fingerprint"),
                  startedAt: try row.decode(forColumn: "started_at"),
                  finishedAt: try row.decode(forColumn: "finished_at"),
                  seconds: try row.decode(forColumn: "seconds"),
                  accuracy: try row.decode(forColumn: "accuracy"),
                  metricsJSON: try row.decode(forColumn: "metrics_json"),
                  bundlePath: try row.decode(forColumn: "bundle_path"),
                  reportPath: try row.decode(forColumn: "report_path"),
                  message: try row.decode(forColumn: "message"),
                  host: try row.decode(forColumn: "host"),
                  pid: Int32(truncatingIfNeeded: try row.decode(Int64.self, forColumn: "pid")))
    }
}
