import Foundation
import GRDB
import RunRegistry
import TestSupport
import XCTest

final class RoundTripTests: XCTestCase {
    struct Config: Codable, Equatable { var labelsPerClass: Int; var unlabelled: Int; var filters: [Int] }

    func testBeginEpochsCheckpointsFinishRoundTrip() throws {
        let url = try temporaryFolder(self).appendingPathComponent("runs.sqlite")
        let registry = try RunRegistry(url: url)
        let seed = UInt64.max - 6   // above Int64.max: stored as its bit pattern
        let id = try registry.begin(kind: "sgan", key: "l80-u600-fold1", group: "grid-1",
                                    config: Config(labelsPerClass: 80, unlabelled: 600, filters: [32, 64]),
                                    seed: seed, dataFingerprint: "sha256:abc")
        XCTAssertEqual(registry.activeRuns, [id])
        let started = try XCTUnwrap(registry.run(id))
        XCTAssertEqual(started.status, .running)
        XCTAssertEqual(started.seed, seed)
        XCTAssertEqual(started.pid, getpid())
        XCTAssertEqual(started.configJSON, #"{"filters":[32,64],"labelsPerClass":80,"unlabelled":600}"#)

        try registry.appendEpoch(run: id, epoch: 1, values: ["d_supervised": 1.9, "d_real": 0.7, "d_fake": 0.69, "g": 0.8])
        try registry.appendEpoch(run: id, epoch: 2, values: ["d_supervised": 1.2, "g": .nan, "val_loss": .infinity])
        try registry.appendEpoch(run: id, epoch: 2, values: ["d_supervised": 1.1, "val_accuracy": 0.8])   // replaces epoch 2
        try registry.addCheckpoint(run: id, epoch: 2, validationAccuracy: 0.8, path: "ckpt/e2.safetensors")
        try registry.addCheckpoint(run: id, epoch: 1, validationAccuracy: 0.76, path: "ckpt/e1.safetensors")
        try registry.finish(run: id, accuracy: 0.93, metricsJSON: #"{"per_class":{"M":{"f1":0.9}}}"#,
                            bundlePath: "out/sgan.cellphase", reportPath: "out/report.html")
        XCTAssertEqual(registry.activeRuns, [])

        // A second instance (a new connection) reads what the first wrote.
        let reader = try RunRegistry(url: url, create: false)
        let run = try XCTUnwrap(reader.run(id))
        XCTAssertEqual(run.status, .finished)
        XCTAssertEqual(run.kind, "sgan")
        XCTAssertEqual(run.group, "grid-1")
        XCTAssertEqual(run.seed, seed)
        XCTAssertEqual(run.dataFingerprint, "sha256:abc")
        XCTAssertEqual(run.accuracy, 0.93)
        XCTAssertEqual(run.bundlePath, "out/sgan.cellphase")
        XCTAssertEqual(run.reportPath, "out/report.html")
        XCTAssertNotNil(run.finishedAt)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(run.seconds), 0)
        XCTAssertEqual(run.startedAt.timeIntervalSince1970, started.startedAt.timeIntervalSince1970, accuracy: 0.002)

        let epochs = try reader.epochs(run: id)
        XCTAssertEqual(epochs.map(\.epoch), [1, 2])
        XCTAssertEqual(epochs[0].values, ["d_supervised": 1.9, "d_real": 0.7, "d_fake": 0.69, "g": 0.8])
        XCTAssertEqual(epochs[1].values, ["d_supervised": 1.1, "val_accuracy": 0.8])
        XCTAssertEqual(try reader.checkpoints(run: id).map(\.path), ["ckpt/e1.safetensors", "ckpt/e2.safetensors"])
        XCTAssertEqual(try reader.checkpoints(run: id).map(\.validationAccuracy), [0.76, 0.8])
    }

    func testNonFiniteCurveValuesSurvive() throws {
        let registry = try RunRegistry(url: try temporaryFolder(self).appendingPathComponent("r.sqlite"))
        let id = try registry.begin(kind: "sgan", key: "k", configJSON: "{}", seed: 1)
        try registry.appendEpoch(run: id, epoch: 1, values: ["g": .nan, "d_real": .infinity, "d_fake": -.infinity])
        let v = try XCTUnwrap(registry.epochs(run: id).first).values
        XCTAssertTrue(try XCTUnwrap(v["g"]).isNaN)
        XCTAssertEqual(v["d_real"], .infinity)
        XCTAssertEqual(v["d_fake"], -.infinity)
    }

    func testFailAndUnknownRun() throws {
        let url = try temporaryFolder(self).appendingPathComponent("r.sqlite")
        let registry = try RunRegistry(url: url)
        let id = try registry.begin(kind: "supervised", key: "fold2", configJSON: "{}", seed: 3)
        try registry.fail(run: id, message: "out of memory")
        let run = try XCTUnwrap(registry.run(id))
        XCTAssertEqual(run.status, .failed)
        XCTAssertEqual(run.message, "out of memory")
        XCTAssertNil(try registry.run(999))
        XCTAssertThrowsError(try registry.appendEpoch(run: 999, epoch: 1, values: [:])) { error in
            XCTAssertEqual(error as? RegistryError, .noSuchRun(path: url.path, id: 999))
        }
        XCTAssertThrowsError(try registry.finish(run: 999, accuracy: 0.5))
    }

    func testMissingFileWithoutCreateIsAnErrorAndCreatesNothing() throws {
        let url = try temporaryFolder(self).appendingPathComponent("none.sqlite")
        XCTAssertThrowsError(try RunRegistry(url: url, create: false)) { error in
            XCTAssertEqual(error as? RegistryError, .missing(path: url.path))
            XCTAssertTrue("\(error)".hasPrefix(url.path + ": "))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}
