import Datasets
import Foundation
import RunRegistry
import TestSupport
import XCTest

/// `cellphase sgan grid` as a cluster job array runs it: two shards on one registry cover every cell exactly once, a
/// third run finds nothing to do, and a cell left interrupted is run again (SGAN paper section 5's grid, resumable).
extension CommandLineTests {
    func testShardsCoverEveryCellOnceAndTheGridResumes() throws {
        let cli = self
        _ = try cli.cellphase()
        let folder = try temporaryFolder(self)
        let data = folder.appendingPathComponent("crops")
        _ = try SyntheticNuclei(side: 64, format: .uint16, seed: 4)
            .writeDataset(to: data, perClass: 24, fileExtension: "png", phases: [.interphase, .metaphase])
        let registryURL = folder.appendingPathComponent("grid.sqlite")
        let common = ["sgan", "grid", "--data", data.path, "--folds", "3", "--labels", "5", "--pools", "10,6s",
                      "--baselines", "supervised-only,lowdepth", "--epochs", "1", "--baseline-epochs", "1",
                      "--d-filters", "4,4,4,4", "--g-filters", "4,4,4,4", "--latent", "8",
                      "--registry", registryURL.path, "--out", folder.appendingPathComponent("grid").path, "--json"]
        // 3 folds × (2 SGAN pools + 2 baselines) = 12 cells.
        let first = try cli.run(common + ["--shard", "1/2"], in: folder)
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertEqual(try cli.object(first.out)["cells_finished"] as? Int, 6)
        let second = try cli.run(common + ["--shard", "2/2"], in: folder)
        XCTAssertEqual(second.status, 0, second.err)
        let merged = try cli.object(second.out)
        XCTAssertEqual(merged["cells_total"] as? Int, 12)
        XCTAssertEqual(merged["cells_finished"] as? Int, 12)
        XCTAssertEqual((merged["cells"] as? [[String: Any]])?.count, 4, "one entry per method and budget, over 3 folds")

        let registry = try RunRegistry(url: registryURL)
        let finished = try registry.runs(status: .finished)
        XCTAssertEqual(finished.count, 12)
        XCTAssertEqual(Set(finished.map(\.key)).count, 12, "no cell ran twice")

        // Nothing left: a third run starts no cell.
        let again = try cli.run(common, in: folder)
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertTrue(again.err.contains("to run 0"), again.err)
        XCTAssertEqual(try registry.runs(status: .finished).count, 12)

        // A cell whose only record is interrupted is run again; finished ones are not.
        let victim = finished[3]
        try registry.fail(run: victim.id, message: "simulated crash")
        let resumed = try cli.run(common, in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.err.contains("to run 1"), resumed.err)
        let after = try registry.runs()
        XCTAssertEqual(after.filter { $0.key == victim.key }.map(\.status), [.failed, .finished])
        XCTAssertEqual(after.filter { $0.status == .finished }.count, 12)
    }
}
