import Foundation
import GRDB
import RunRegistry
import TestSupport
import XCTest

/// A registry path that holds something else gives a clear error naming the file and leaves it byte-identical.
final class BadFileTests: XCTestCase {
    func testTextFileIsRefusedAndUntouched() throws {
        let url = try temporaryFolder(self).appendingPathComponent("cellphase-runs.sqlite")
        let bytes = Data("run,accuracy\n1,0.9\n".utf8)
        try bytes.write(to: url)
        XCTAssertThrowsError(try RunRegistry(url: url)) { error in
            guard case .notSQLite(let path, _)? = error as? RegistryError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, url.path)
            XCTAssertTrue("\(error)".hasPrefix("\(url.path): not a cellphase run registry (not an SQLite database"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: url), bytes)
    }

    func testShortBinaryFileIsRefusedAndUntouched() throws {
        let url = try temporaryFolder(self).appendingPathComponent("r.sqlite")
        let bytes = Data("SQLite format 3\0".utf8) + Data([1, 2, 3])   // a truncated header
        try bytes.write(to: url)
        XCTAssertThrowsError(try RunRegistry(url: url, create: false))
        XCTAssertEqual(try Data(contentsOf: url), bytes)
    }

    func testForeignSQLiteSchemaIsRefusedAndUntouched() throws {
        let folder = try temporaryFolder(self)
        let url = folder.appendingPathComponent("other.sqlite")
        // A rollback-journal database of another program: opening it as a registry would switch it to WAL.
        let queue = try DatabaseQueue(path: url.path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE player (id INTEGER PRIMARY KEY, name TEXT)")
            try db.execute(sql: "INSERT INTO player (name) VALUES ('Arthur')")
        }
        try queue.close()
        let bytes = try Data(contentsOf: url)
        XCTAssertThrowsError(try RunRegistry(url: url)) { error in
            guard case .foreign(let path, let reason)? = error as? RegistryError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, url.path)
            XCTAssertTrue(reason.contains("player"), reason)
            XCTAssertTrue("\(error)".hasPrefix("\(url.path): not a cellphase run registry ("), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: url), bytes)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix("-wal") }, [])
    }

    func testSQLiteWithAnotherApplicationIDIsRefusedAndUntouched() throws {
        let url = try temporaryFolder(self).appendingPathComponent("other.sqlite")
        let queue = try DatabaseQueue(path: url.path)
        try queue.write { try $0.execute(sql: "PRAGMA application_id = 1234") }
        try queue.close()
        let bytes = try Data(contentsOf: url)
        XCTAssertThrowsError(try RunRegistry(url: url)) { error in
            XCTAssertEqual(error as? RegistryError, .foreign(path: url.path, reason: "SQLite application id 0x000004d2"))
        }
        XCTAssertEqual(try Data(contentsOf: url), bytes)
    }

    func testEmptyFileAndEmptySQLiteBecomeRegistries() throws {
        let folder = try temporaryFolder(self)
        let empty = folder.appendingPathComponent("empty.sqlite")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty.path, contents: Data()))
        XCTAssertEqual(try RunRegistry(url: empty).runs(), [])

        let blank = folder.appendingPathComponent("blank.sqlite")
        let queue = try DatabaseQueue(path: blank.path)
        try queue.write { try $0.execute(sql: "PRAGMA user_version = 0") }
        try queue.close()
        let registry = try RunRegistry(url: blank)
        try registry.finish(run: try registry.begin(kind: "sgan", key: "k", configJSON: "{}", seed: 1), accuracy: 1)
        XCTAssertEqual(try RunRegistry(url: blank, create: false).runs().count, 1)
    }

    func testRegistryOfANewerSchemaIsRefused() throws {
        let url = try temporaryFolder(self).appendingPathComponent("r.sqlite")
        _ = try RunRegistry(url: url)
        try rawSQL(url, "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        XCTAssertThrowsError(try RunRegistry(url: url)) { error in
            XCTAssertEqual(error as? RegistryError, .newer(path: url.path))
        }
    }
}
