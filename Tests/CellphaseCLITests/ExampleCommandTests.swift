import Foundation
import TestSupport
import XCTest

/// `cellphase example` as a new user runs it: everything lands under the folder it was run from.
extension CommandLineTests {
    func testExampleWritesItsRunWhereItIsRun() throws {
        let folder = try temporaryFolder(self)
        let r = try run(["example", "--per-class", "16", "--epochs", "2"], in: folder)
        XCTAssertEqual(r.status, 0, r.err)
        let base = folder.appendingPathComponent("cellphase-example")
        for path in ["images/interphase", "images/metaphase", "run/report.html", "run/lowdepth.cellphase/bundle.json",
                     "run/training.jsonl", "run/figures/confusion-matrix.png", "run/figures/training-curves.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: base.appendingPathComponent(path).path), "\(path) missing")
        }
        XCTAssertTrue(r.out.contains("Test accuracy:"), r.out)
        XCTAssertTrue(r.out.contains(base.appendingPathComponent("run/report.html").path), r.out)
    }
}
