import Foundation
@testable import Support
import TestSupport
import XCTest

/// `AtomicFile` replaces a file whole or not at all, and names the file when it cannot.
final class AtomicFileTests: XCTestCase {
    func testReplacesWholeFileAndLeavesNoTemporaryFiles() throws {
        let dir = try temporaryFolder(self)
        let url = dir.appendingPathComponent("sub/report.txt")
        try AtomicFile.write("first version, longer than the second", to: url)
        try AtomicFile.write("second", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["report.txt"])
    }

    func testFailedProducerKeepsTheOldFileAndNamesThePath() throws {
        let url = try temporaryFolder(self).appendingPathComponent("a.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        struct Boom: Error {}
        XCTAssertThrowsError(try AtomicFile.write(to: url) { tmp in
            try Data([9, 9]).write(to: tmp)
            throw Boom()
        }) { error in
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: url), Data([1, 2, 3]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["a.bin"])
    }

    func testUnwritableFolderIsAClearError() throws {
        let url = URL(fileURLWithPath: "/proc/cellphase-no-such-dir/x.txt")
        XCTAssertThrowsError(try AtomicFile.write("x", to: url)) { error in
            XCTAssertTrue(error is FileWriteError)
            XCTAssertTrue("\(error)".hasPrefix("cannot write /proc/cellphase-no-such-dir/x.txt"), "\(error)")
        }
    }
}

/// Folders replaced in one step (model bundles): the new folder whole at the path, the old one gone, nothing left over.
final class ReplaceFolderTests: XCTestCase {
    func testReplacesANonEmptyFolderInOneStep() throws {
        let dir = try temporaryFolder(self)
        let dest = dir.appendingPathComponent("m.cellphase")
        func stage(_ text: String) throws -> URL {
            let s = dir.appendingPathComponent(".stage-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: s, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: s.appendingPathComponent("a.txt"))
            try Data((text + "!").utf8).write(to: s.appendingPathComponent("b.txt"))
            return s
        }
        try AtomicFile.replaceFolder(at: dest, with: try stage("first"))
        XCTAssertEqual(try String(contentsOf: dest.appendingPathComponent("a.txt"), encoding: .utf8), "first")
        try Data("only in the old one".utf8).write(to: dest.appendingPathComponent("old.txt"))
        try AtomicFile.replaceFolder(at: dest, with: try stage("second"))
        XCTAssertEqual(try String(contentsOf: dest.appendingPathComponent("b.txt"), encoding: .utf8), "second!")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dest.path).sorted(), ["a.txt", "b.txt"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m.cellphase"])
        // The one-step exchange itself (renameat2 RENAME_EXCHANGE / renamex_np RENAME_SWAP) works on this file system.
        let other = try stage("third")
        XCTAssertTrue(AtomicFile.exchange(other.path, dest.path))
        XCTAssertEqual(try String(contentsOf: dest.appendingPathComponent("a.txt"), encoding: .utf8), "third")
        XCTAssertEqual(try String(contentsOf: other.appendingPathComponent("a.txt"), encoding: .utf8), "second")
    }
}
