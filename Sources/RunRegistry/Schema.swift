import Foundation
import GRDB

/// The registry's SQLite schema, as GRDB migrations, and the header mark that tells a registry from other files.
enum Schema {
    /// `PRAGMA application_id` of a registry: "CPRR" (cellphase run registry), written in the file header.
    static let applicationID: Int32 = 0x4350_5252

    /// Tables: `run` (one row per run), `epoch` (one row per run and epoch; values as JSON),
    /// `checkpoint` (one row per run and epoch).
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("uid", .text).notNull().unique()
                t.column("kind", .text).notNull()
                t.column("key", .text).notNull()
                t.column("run_group", .text)
                t.column("status", .text).notNull()
                t.column("config_json", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("data_fingerprint", .text)
                t.column("started_at", .datetime).notNull()
                t.column("finished_at", .datetime)
                t.column("seconds", .double)
                t.column("accuracy", .double)
                t.column("metrics_json", .text)
                t.column("bundle_path", .text)
                t.column("report_path", .text)
                t.column("message", .text)
                t.column("host", .text).notNull()
                t.column("pid", .integer).notNull()
                t.column("process_start", .integer)
            }
            try db.create(index: "run_by_group", on: "run", columns: ["kind", "run_group", "key"])
            try db.create(index: "run_by_status", on: "run", columns: ["status"])
            try db.create(table: "epoch") { t in
                t.column("run_id", .integer).notNull().references("run", onDelete: .cascade)
                t.column("epoch", .integer).notNull()
                t.column("values_json", .text).notNull()
                t.primaryKey(["run_id", "epoch"])
            }
            try db.create(table: "checkpoint") { t in
                t.column("run_id", .integer).notNull().references("run", onDelete: .cascade)
                t.column("epoch", .integer).notNull()
                t.column("validation_accuracy", .double).notNull()
                t.column("path", .text).notNull()
                t.primaryKey(["run_id", "epoch"])
            }
        }
        return m
    }

    /// Checks, without writing anything, that `url` is absent, empty, or an SQLite file that is (or can become) a
    /// registry; returns true when it is already one. Foreign files throw and stay byte-identical.
    static func inspect(_ url: URL) throws -> Bool {
        let path = url.path
        // Open, and decide by the error: a file that another process creates a moment later is still "absent" here,
        // never "unreadable" (asking whether it exists after a failed open was a check-then-act race).
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return false }
            throw RegistryError.database(path: path, reason: "cannot open for reading: \(String(cString: strerror(code)))")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        if header.isEmpty { return false }
        guard header.count == 100, header.prefix(16) == Data("SQLite format 3\0".utf8) else {
            throw RegistryError.notSQLite(path: path, reason: "its first bytes are not the SQLite header")
        }
        let appID = header[68..<72].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        if appID == UInt32(bitPattern: applicationID) { return true }
        if appID != 0 {
            throw RegistryError.foreign(path: path, reason: String(format: "SQLite application id 0x%08x", appID))
        }
        // No application id in the main file: an SQLite file of something else, or a registry whose header change is
        // still in its write-ahead log, or one being created by another shard right now. Ask SQLite, read-only.
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        var (id, tables): (Int32, [String]) = (0, [])
        var attempt = 0
        while true {
            attempt += 1
            do {
                let queue = try DatabaseQueue(path: path, configuration: config)
                (id, tables) = try queue.read { db in
                    (try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                     try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"))
                }
                try queue.close()
                break
            } catch {
                // A registry another process is creating right now (its write-ahead log and shared memory appearing)
                // can refuse a read-only look for a moment; a file that is not SQLite refuses every time.
                if attempt >= 5 { throw RegistryError.notSQLite(path: path, reason: "\(error)") }
                Thread.sleep(forTimeInterval: 0.02 * Double(attempt))
            }
        }
        if id == applicationID { return true }
        if id != 0 { throw RegistryError.foreign(path: path, reason: String(format: "SQLite application id 0x%08x", UInt32(bitPattern: id))) }
        if Set(tables).isSubset(of: ["grdb_migrations"]) { return false }
        let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
        throw RegistryError.foreign(path: path, reason: "an SQLite database with other tables: \(shown)")
    }
}
