import Datasets
import Foundation
import Imaging
import Labelling
import Microscope
import Models
import NN
import Segmentation
@testable import Server
import Support
import TestSupport
import Training
import XCTest

/// A folder of 12 real image files (6 interphase, 6 metaphase synthetic nuclei, 40 px, 16-bit TIFF) plus one file
/// that is not an image; the class is in the file name only (the pool is unlabelled).
func labelPoolFolder(_ test: XCTestCase) throws -> URL {
    let folder = try temporaryFolder(test).appendingPathComponent("pool")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let gen = SyntheticNuclei(side: 40, format: .uint16, seed: 4)
    for p in [CellPhase.interphase, .metaphase] {
        for i in 0..<6 { try ImageFile.write(gen.image(p, index: i), to: folder.appendingPathComponent("\(p.rawValue)_\(i).tif")) }
    }
    try Data("not an image".utf8).write(to: folder.appendingPathComponent("broken.png"))
    return folder
}

/// A real label server on a free loopback port over `folder`, retraining a small low-depth CNN for 2 epochs.
func startLabelServer(_ folder: URL, manifest: URL) async throws -> (LabelServer, URL) {
    let session = try LabelSession.open(.init(data: folder, classes: ["interphase", "metaphase"], manifest: manifest, labeller: "tester"))
    let out = manifest.deletingLastPathComponent().appendingPathComponent("label-retrain")
    let retraining = LabelRetraining(architecture: "lowdepth", epochs: 2, side: 32, seed: 1, classes: session.classes)
    let server = try LabelServer(session: session, port: 0) { labels in
        try Classifier(bundle: try retraining.run(labels: labels, out: out))
    }
    let port = try await server.start()
    return (server, URL(string: "http://127.0.0.1:\(port)")!)
}

final class LabelServerTests: XCTestCase {
    func labelBody(_ index: Int, _ label: String) -> Data { Data(#"{"index": \#(index), "label": "\#(label)"}"#.utf8) }

    func session(_ answer: HTTPAnswer) -> [String: Any] { answer.json["session"] as? [String: Any] ?? [:] }

    func testLabelsUndoResumeAndRetrainOverHTTP() async throws {
        let folder = try labelPoolFolder(self)
        let manifest = folder.deletingLastPathComponent().appendingPathComponent("labels.csv")
        var (server, base) = try await startLabelServer(folder, manifest: manifest)

        let state = try await call(base, "/api/state")
        XCTAssertEqual(state.status, 200)
        let s = session(state)
        XCTAssertEqual(s["total"] as? Int, 12)
        XCTAssertEqual((s["problems"] as? [String])?.count, 1, "the broken file is named")
        XCTAssertTrue((s["problems"] as? [String])?.first?.contains("broken.png") == true)
        let crops = s["crops"] as! [[String: Any]]
        let page = try await call(base, "/")
        XCTAssertTrue(String(decoding: page.data, as: UTF8.self).contains("retrain now"))
        let png = try await call(base, "/api/crops/0")
        XCTAssertEqual(png.status, 200)
        XCTAssertEqual(Array(png.data.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let none = try await call(base, "/api/crops/99")
        XCTAssertEqual(none.status, 404)

        // Label every crop by its file name, then correct one and undo the correction.
        for c in crops {
            let name = c["name"] as! String
            let r = try await call(base, "/api/labels", method: "POST", body: labelBody(c["index"] as! Int, String(name.prefix { $0 != "_" })))
            XCTAssertEqual(r.status, 200)
        }
        let bad = try await call(base, "/api/labels", method: "POST", body: labelBody(0, "prophase"))
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue((bad.json["error"] as? String)?.contains("prophase") == true)
        let garbage = try await call(base, "/api/labels", method: "POST", body: Data("{".utf8))
        XCTAssertEqual(garbage.status, 400)
        _ = try await call(base, "/api/labels", method: "POST", body: labelBody(0, "metaphase"))
        let first = crops[0]["name"] as! String
        var onDisk = try LabelManifest.read(manifest)
        XCTAssertEqual(onDisk.count, 12)
        XCTAssertEqual(onDisk.records[0].label, "metaphase", "the correction is on disk at once")
        let undone = try await call(base, "/api/undo", method: "POST")
        XCTAssertEqual(session(undone)["labelled"] as? Int, 12)
        onDisk = try LabelManifest.read(manifest)
        XCTAssertEqual(onDisk.records[0].label, String(first.prefix { $0 != "_" }))
        XCTAssertEqual(onDisk.records[0].labeller, "tester")

        // A new server on the same manifest resumes every label.
        try await server.shutdown()
        (server, base) = try await startLabelServer(folder, manifest: manifest)
        let resumed = session(try await call(base, "/api/state"))
        XCTAssertEqual(resumed["labelled"] as? Int, 12)
        XCTAssertEqual((resumed["per_class"] as? [String: Int]) ?? [:], ["interphase": 6, "metaphase": 6])

        // The manifest is a training set for every command.
        let data = try Manifest.load(manifest)
        XCTAssertEqual(data.count, 12)
        XCTAssertEqual(Set(data.classes), ["interphase", "metaphase"])

        // Retrain: a real short training; every crop then carries a guess.
        let retrained = try await call(base, "/api/retrain", method: "POST")
        XCTAssertEqual(retrained.status, 200, String(decoding: retrained.data, as: UTF8.self))
        let after = session(retrained)
        XCTAssertEqual(after["retrainings"] as? Int, 1)
        let guessed = (after["crops"] as! [[String: Any]]).filter { $0["predicted"] is String }
        XCTAssertEqual(guessed.count, 12)
        for g in guessed {
            let c = g["confidence"] as! Double
            XCTAssertTrue(c >= 0.5 && c <= 1, "a two-class guess is at least 0.5 confident: \(c)")
        }
        try await server.shutdown()
    }

    func testRetrainingWithTooFewLabelsSaysSo() async throws {
        let folder = try labelPoolFolder(self)
        let manifest = folder.deletingLastPathComponent().appendingPathComponent("labels.csv")
        let (server, base) = try await startLabelServer(folder, manifest: manifest)
        _ = try await call(base, "/api/labels", method: "POST", body: labelBody(0, "interphase"))
        let r = try await call(base, "/api/retrain", method: "POST")
        XCTAssertEqual(r.status, 400)
        XCTAssertTrue((r.json["error"] as? String)?.contains("at least 2 labels") == true, "\(r.json)")
        try await server.shutdown()
    }

    /// The page has no authentication: it refuses any address beyond this machine, and says how to reach it instead.
    func testTheLabelPageRefusesToListenBeyondLoopback() throws {
        let folder = try labelPoolFolder(self)
        let session = try LabelSession.open(.init(data: folder, classes: ["interphase", "metaphase"],
                                                  manifest: folder.deletingLastPathComponent().appendingPathComponent("labels.csv"), labeller: "t"))
        for host in ["0.0.0.0", "::", "8.8.8.8"] {
            XCTAssertThrowsError(try LabelServer(session: session, host: host, port: 0), host) { e in
                XCTAssertTrue(e.localizedDescription.contains("loopback only") && e.localizedDescription.contains("ssh -L"), e.localizedDescription)
            }
        }
        for host in ["127.0.0.1", "localhost", "::1"] { XCTAssertNoThrow(try LabelServer(session: session, host: host, port: 0), host) }
    }

    func testGuessesFromAPredictionsCSVBecomeTheGuessesToConfirm() throws {
        let folder = try labelPoolFolder(self)
        let csv = folder.deletingLastPathComponent().appendingPathComponent("predictions.csv")
        try "path,predicted,confidence,p_interphase,p_metaphase\npool/interphase_0.tif,interphase,0.9,0.9,0.1\npool/metaphase_1.tif,interphase,0.6,0.6,0.4\n"
            .write(to: csv, atomically: true, encoding: .utf8)
        let manifest = folder.deletingLastPathComponent().appendingPathComponent("labels.csv")
        let s = try LabelSession.open(.init(data: csv, manifest: manifest, labeller: "tester"))
        XCTAssertEqual(s.classes, ["interphase", "metaphase"], "classes from the p_ columns")
        let st = s.state()
        XCTAssertEqual(st.total, 2)
        XCTAssertEqual(st.crops.map(\.predicted), ["interphase", "interphase"])
        XCTAssertEqual(st.crops[1].confidence, 0.6)
        try s.label(1, as: "metaphase")  // a correction
        let r = try LabelManifest.read(manifest).records[0]
        XCTAssertEqual([r.label, r.predicted], ["metaphase", "interphase"])
        XCTAssertEqual(r.confidence, 0.6)

        try "path,predicted,confidence,p_interphase,p_metaphase\npool/interphase_0.tif,interphase,high,0.9,0.1\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LabelSession.open(.init(data: csv, manifest: manifest, labeller: "tester"))) { e in
            XCTAssertTrue("\(e.localizedDescription)".contains("predictions.csv"), e.localizedDescription)
        }
    }

    /// The page opens on `cellphase analyze --crops` output: the field's crops, the model's calls as the guesses to
    /// confirm or correct, and a correction kept with what the model had said.
    func testAnAnalyzeOutputOpensForCorrections() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let gen = SyntheticNuclei(side: 64, format: .uint16, seed: 11)
        let sources = [CellPhase.interphase, .metaphase].flatMap { p in (0..<4).map { SourceCrop(image: gen.image(p, index: $0), className: p.rawValue) } }
        var o = SyntheticFieldOptions()
        o.width = 384; o.height = 384; o.count = 8; o.touchingPairs = 0; o.seed = 3
        let field = try SyntheticField.generate(sources: sources, options: o).image
        var rng = RandomSource(seed: 5)
        var c = SGANConfig.classic(classes: 2)
        c.discriminatorFilters = [8, 8, 8, 8]
        let classifier = Classifier(model: SGANDiscriminator(c, rng: &rng), classes: ["interphase", "metaphase"], preprocessing: .gan,
                                    channels: 1, architecture: "sgan", name: "tiny", trained: false)
        let a = try FieldAnalyzer(classifier: classifier).analyze(field, name: "f")
        try FieldOutputs.write(a, field: field, to: dir.appendingPathComponent("out"), base: "f", overlay: false, json: false, crops: true)
        let manifest = dir.appendingPathComponent("labels.csv")
        let s = try LabelSession.open(.init(data: dir.appendingPathComponent("out/f.csv"), manifest: manifest, labeller: "tester"))
        XCTAssertEqual(s.classes, ["interphase", "metaphase"], "classes from the CSV's p_ columns")
        let st = s.state()
        XCTAssertEqual(st.total, a.result.objects.count)
        XCTAssertTrue(st.problems.isEmpty, "\(st.problems)")
        let called = Dictionary(uniqueKeysWithValues: a.result.objects.map { ("\($0.id).tif", $0.className) })
        for crop in st.crops { XCTAssertEqual(crop.predicted, called[crop.name], crop.name) }
        let first = try XCTUnwrap(st.crops.first)
        let correction = first.predicted == "interphase" ? "metaphase" : "interphase"
        try s.label(first.index, as: correction)
        let r = try XCTUnwrap(LabelManifest.read(manifest).records.first)
        XCTAssertEqual(r.label, correction)
        XCTAssertEqual(r.predicted, first.predicted, "what the model had said is kept beside the correction")
        XCTAssertTrue(r.path.hasSuffix("out/f_crops/\(first.name)"), r.path)
    }
}
