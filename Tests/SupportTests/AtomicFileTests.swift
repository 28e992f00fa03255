import Foundation
import Support
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
