import Foundation
import GRDB

/// The run registry: one SQLite file (WAL mode, busy timeout) in which every training run — configuration, seed,
/// data fingerprint, per-epoch curves, checkpoints, final metrics — is recorded, so that the SGAN paper's budget grid
/// (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 5) can be split over processes, resumed without redoing finished cells, and compared.
/// Several processes (grid shards) may write one file at once; SQLite's WAL mode needs them on one machine with a
/// local file system, so shards on different machines each write their own file and `merge(from:)` gathers them.
/// Foreign files are refused and left untouched.
public final class RunRegistry: Sendable {
    /// The registry file.
    public let url: URL
    let pool: DatabasePool
    /// Runs begun through this instance and not yet ended (what the interrupt handler marks).
    let active = ActiveRuns()

    /// The default file: `$CELLPHASE_REGISTRY` if set, else `cellphase-runs.sqlite` in the current directory.
    public static var defaultURL: URL {
        if let env = ProcessInfo.processInfo.environment["CELLPHASE_REGISTRY"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("cellphase-runs.sqlite")
    }

    /// Opens the registry at `url`, creating the file and its schema when absent (unless `create` is false, then a
    /// missing file throws `RegistryError.missing`). A file that is not SQLite, or SQLite of something else, throws
    /// and is not modified.
    public init(url: URL, create: Bool = true) throws {
        self.url = url
        let path = url.path
        if !create, !FileManager.default.fileExists(atPath: path) { throw RegistryError.missing(path: path) }
        _ = try Schema.inspect(url)
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.foreignKeysEnabled = true
        config.label = "cellphase-runs"
        if create {
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        pool = try Self.openAndMigrate(path: path, configuration: config)
    }

    /// Opens the pool and brings the schema up to date. Two processes creating one registry at the same moment can
    /// collide (GRDB's migrator checks, then migrates, in separate transactions; switching to WAL needs a moment
    /// alone): the loser's transaction rolls back and it tries again, finding the schema in place.
    private static func openAndMigrate(path: String, configuration: Configuration) throws -> DatabasePool {
        let migrator = Schema.migrator
        var attempt = 0
        while true {
            attempt += 1
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                if try pool.read(migrator.hasBeenSuperseded) { throw RegistryError.newer(path: path) }
                try migrator.migrate(pool)
                return pool
            } catch let e as RegistryError {
                throw e
            } catch {
                if attempt >= 5 { throw RegistryError.database(path: path, reason: "\(error)") }
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    // MARK: Recording a run

    /// Records the start of a run (status `running`, this host and process) and returns its id.
    @discardableResult
    public func begin(kind: String, key: String, group: String? = nil, configJSON: String, seed: UInt64,
                      dataFingerprint: String? = nil) throws -> Int64 {
        let me = ProcessIdentity.current
        let id = try write { db -> Int64 in
            try db.execute(sql: """
                INSERT INTO run (uid, kind, key, run_group, status, config_json, seed, data_fingerprint, started_at, host, pid, process_start)
                VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [UUID().uuidString, kind, key, group, configJSON, Int64(bitPattern: seed), dataFingerprint, Date(),
                                 me.host, Int64(me.pid), me.start])
            return db.lastInsertedRowID
        }
        active.insert(id)
        return id
    }

    /// Records the start of a run whose configuration is any encodable value (stored as JSON with sorted keys).
    @discardableResult
    public func begin<Config: Encodable>(kind: String, key: String, group: String? = nil, config: Config, seed: UInt64,
                                         dataFingerprint: String? = nil) throws -> Int64 {
        try begin(kind: kind, key: key, group: group, configJSON: try json(config), seed: seed, dataFingerprint: dataFingerprint)
    }

    /// Records (or replaces) the curves' values of one epoch.
    public func appendEpoch(run: Int64, epoch: Int, values: [String: Double]) throws {
        let text: String
        do { text = try EpochRow.encodeValues(values) } catch {
            throw RegistryError.encoding(path: url.path, reason: "epoch \(epoch) of run \(run): \(error)")
        }
        try write { db in
            try self.requireRun(db, run)
            try db.execute(sql: "INSERT OR REPLACE INTO epoch (run_id, epoch, values_json) VALUES (?, ?, ?)",
                           arguments: [run, epoch, text])
        }
    }

    /// Records (or replaces) a checkpoint saved at `epoch`.
    public func addCheckpoint(run: Int64, epoch: Int, validationAccuracy: Double, path: String) throws {
        try write { db in
            try self.requireRun(db, run)
            try db.execute(sql: "INSERT OR REPLACE INTO checkpoint (run_id, epoch, validation_accuracy, path) VALUES (?, ?, ?, ?)",
                           arguments: [run, epoch, validationAccuracy, path])
        }
    }

    /// Marks a run finished with its results. `seconds` defaults to the wall time since `begin`.
    public func finish(run: Int64, accuracy: Double?, metricsJSON: String? = nil, seconds: Double? = nil,
                       bundlePath: String? = nil, reportPath: String? = nil) throws {
        let now = Date()
        try write { db in
            let started = try Date.fetchOne(db, sql: "SELECT started_at FROM run WHERE id = ?", arguments: [run])
            guard let started else { throw RegistryError.noSuchRun(path: self.url.path, id: run) }
            try db.execute(sql: """
                UPDATE run SET status = 'finished', finished_at = ?, seconds = ?, accuracy = ?, metrics_json = ?,
                    bundle_path = ?, report_path = ?, message = NULL WHERE id = ?
                """, arguments: [now, seconds ?? now.timeIntervalSince(started), accuracy, metricsJSON, bundlePath, reportPath, run])
        }
        active.remove(run)
    }

    /// Marks a run finished with metrics given as any encodable value (stored as JSON with sorted keys).
    public func finish<Metrics: Encodable>(run: Int64, accuracy: Double?, metrics: Metrics, seconds: Double? = nil,
                                           bundlePath: String? = nil, reportPath: String? = nil) throws {
        try finish(run: run, accuracy: accuracy, metricsJSON: try json(metrics), seconds: seconds,
                   bundlePath: bundlePath, reportPath: reportPath)
    }

    /// Marks a run failed, with the reason.
    public func fail(run: Int64, message: String) throws {
        try end(run, status: .failed, message: message)
    }

    /// Marks a run interrupted (stopped before it finished, e.g. by Ctrl-C); a resumed grid redoes it.
    public func markInterrupted(run: Int64, message: String? = "interrupted") throws {
        try end(run, status: .interrupted, message: message)
    }

    /// Runs left `running` by a process of this host that is gone become `interrupted`; returns them (as updated).
    /// Runs of other hosts are left alone: their processes cannot be checked from here.
    @discardableResult
    public func reapStale() throws -> [RunRecord] {
        let me = ProcessIdentity.current
        let now = Date()
        return try write { db -> [RunRecord] in
            let rows = try Row.fetchAll(db, sql: "SELECT id, pid, process_start FROM run WHERE status = 'running' AND host = ?",
                                        arguments: [me.host])
            var reaped: [Int64] = []
            for row in rows {
                let id: Int64 = row["id"]
                let pid = Int32(truncatingIfNeeded: row["pid"] as Int64)
                let start: Int64? = row["process_start"]
                if ProcessIdentity.isAlive(pid: pid, start: start) { continue }
                try db.execute(sql: """
                    UPDATE run SET status = 'interrupted', finished_at = ?, message = ? WHERE id = ? AND status = 'running'
                    """, arguments: [now, "process \(pid) on \(me.host) is gone", id])
                reaped.append(id)
            }
            guard !reaped.isEmpty else { return [] }
            return try RunRecord.fetchAll(db, sql: "SELECT * FROM run WHERE id IN (\(reaped.map(String.init).joined(separator: ","))) ORDER BY id")
        }
    }

    // MARK: Reading

    /// The keys of the finished runs of `kind` (in `group`, or in any group when nil): the cells a resumed grid skips.
    public func finishedKeys(kind: String, group: String?) throws -> Set<String> {
        Set(try runs(kind: kind, group: group, status: .finished).map(\.key))
    }

    /// The runs matching every given filter (nil: any), oldest first.
    public func runs(kind: String? = nil, group: String? = nil, status: RunStatus? = nil) throws -> [RunRecord] {
        var clauses: [String] = []
        var arguments = StatementArguments()
        if let kind { clauses.append("kind = ?"); arguments += [kind] }
        if let group { clauses.append("run_group = ?"); arguments += [group] }
        if let status { clauses.append("status = ?"); arguments += [status.rawValue] }
        let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return try read { db in try RunRecord.fetchAll(db, sql: "SELECT * FROM run\(whereSQL) ORDER BY id", arguments: arguments) }
    }

    /// One run, or nil.
    public func run(_ id: Int64) throws -> RunRecord? {
        try read { db in try RunRecord.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [id]) }
    }

    /// A run's curves, by epoch.
    public func epochs(run: Int64) throws -> [EpochRow] {
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT epoch, values_json FROM epoch WHERE run_id = ? ORDER BY epoch", arguments: [run])
        }
        return try rows.map { row in
            let epoch: Int = row["epoch"]
            do {
                return EpochRow(runID: run, epoch: epoch, values: try EpochRow.decodeValues(row["values_json"]))
            } catch {
                throw RegistryError.encoding(path: url.path, reason: "epoch \(epoch) of run \(run): \(error)")
            }
        }
    }

    /// A run's checkpoints, by epoch.
    public func checkpoints(run: Int64) throws -> [CheckpointRow] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM checkpoint WHERE run_id = ? ORDER BY epoch", arguments: [run]).map { row in
                CheckpointRow(runID: run, epoch: row["epoch"], validationAccuracy: row["validation_accuracy"], path: row["path"])
            }
        }
    }

    // MARK: Helpers

    private func end(_ run: Int64, status: RunStatus, message: String?) throws {
        try write { db in
            try self.requireRun(db, run)
            try db.execute(sql: "UPDATE run SET status = ?, finished_at = ?, message = ? WHERE id = ?",
                           arguments: [status.rawValue, Date(), message, run])
        }
        active.remove(run)
    }

    private func requireRun(_ db: Database, _ run: Int64) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM run WHERE id = ?", arguments: [run]) == true else {
            throw RegistryError.noSuchRun(path: url.path, id: run)
        }
    }

    private func json<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return String(decoding: try e.encode(value), as: UTF8.self) } catch {
            throw RegistryError.encoding(path: url.path, reason: "cannot encode \(T.self) as JSON: \(error)")
        }
    }

    /// Runs `body` in a write transaction; SQLite errors name the file.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as RegistryError { throw e } catch {
            throw RegistryError.database(path: url.path, reason: "\(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as RegistryError { throw e } catch {
            throw RegistryError.database(path: url.path, reason: "\(error)")
        }
    }
}

/// The ids of the runs a registry instance began and has not yet ended (thread-safe).
final class ActiveRuns: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: Set<Int64> = []

    func insert(_ id: Int64) { lock.withLock { _ = ids.insert(id) } }
    func remove(_ id: Int64) { lock.withLock { _ = ids.remove(id) } }
    var all: [Int64] { lock.withLock { ids.sorted() } }
}
