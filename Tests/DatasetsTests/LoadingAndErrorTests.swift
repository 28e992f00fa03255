import Foundation
import XCTest
import TestSupport
@testable import Datasets
@testable import Imaging

/// Synthetic data, layouts, manifests, channels and the documented errors for bad input.
final class LoadingAndErrorTests: XCTestCase {
    func testSyntheticGeneratorIsDeterministicAndVaried() throws {
        let gen = SyntheticNuclei(side: 48, format: .uint16, seed: 5)
        for phase in CellPhase.allCases {
            let a = gen.image(phase, index: 3)
            XCTAssertEqual(a, gen.image(phase, index: 3))
            XCTAssertNotEqual(a, gen.image(phase, index: 4))
            XCTAssertEqual([a.width, a.height, a.channels], [48, 48, 1])
            XCTAssertGreaterThan(a.extrema.max, a.extrema.min + 2000, "\(phase) has signal")
        }
        // Phases differ in a gross statistic: bright area fraction of interphase > metaphase.
        func brightFraction(_ p: CellPhase) -> Double {
            (0..<10).map { i -> Double in
                let img = gen.image(p, index: i).normalized(.percentile(low: 0, high: 100, symmetric: false))
                return Double(img.pixels.filter { $0 > 0.3 }.count) / Double(img.pixels.count)
            }.reduce(0, +)
        }
        XCTAssertGreaterThan(brightFraction(.interphase), 2 * brightFraction(.metaphase))
    }

    func testSyntheticDatasetOnDiskLoadsInfoAndCaches() throws {
        let dir = try temporaryFolder(self)
        let n = try SyntheticNuclei(side: 32, format: .uint16, seed: 1).writeDataset(to: dir, perClass: 4, fileExtension: "tif")
        XCTAssertEqual(n, 28)
        let ds = try FolderLayout.load(dir)
        XCTAssertEqual(ds.classes, CellPhase.allCases.map(\.rawValue).sorted())
        let info = try DatasetInfo.inspect(ds)
        XCTAssertEqual(info.images, 28); XCTAssertEqual(info.bitDepths, ["16": 28]); XCTAssertTrue(info.folds.isEmpty)
        let json = try JSONSerialization.jsonObject(with: Data(try info.json().utf8)) as! [String: Any]
        XCTAssertEqual(json["images"] as? Int, 28)
        XCTAssertEqual(json["folds"] as? [String: Int], [:])
        XCTAssertEqual(json["bit_depths"] as? [String: Int], ["16": 28])
        XCTAssertEqual((json["problems"] as? [Any])?.count, 0)
        XCTAssertEqual(json["classes"] as? [String: Int], Dictionary(uniqueKeysWithValues: CellPhase.allCases.map { ($0.rawValue, 4) }))
        let pngDir = try temporaryFolder(self, "png")
        try SyntheticNuclei(side: 32, format: .uint8, seed: 1).writeDataset(to: pngDir, perClass: 2, phases: [.metaphase, .anaphase])
        XCTAssertEqual(try FolderLayout.load(pngDir).classCounts, ["anaphase": 2, "metaphase": 2])
    }

    func testCorruptFilesSkipOrStop() throws {
        let dir = try temporaryFolder(self)
        try SyntheticNuclei(side: 32, seed: 2).writeDataset(to: dir, perClass: 3, fileExtension: "tif", phases: [.interphase, .metaphase])
        let victim = dir.appendingPathComponent("metaphase/metaphase_0001.tif")
        let bytes = try Data(contentsOf: victim)
        try bytes.prefix(bytes.count / 3).write(to: victim)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)

        XCTAssertThrowsError(try FolderLayout.load(dir, onError: .stop)) {
            XCTAssertEqual($0 as? DatasetError, .emptyClassFolder(folder: dir.appendingPathComponent("empty").path))
        }
        let ds = try FolderLayout.load(dir, onError: .skip)
        XCTAssertEqual(ds.count, 6); XCTAssertEqual(ds.problems.map(\.message), ["empty class folder"])
        XCTAssertThrowsError(try PreparedDataset.prepare(ds, settings: .gan, onError: .stop)) { error in
            guard case .image(.corrupt(let file, _), _)? = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, victim.path)
            XCTAssertTrue(error.localizedDescription.contains("metaphase_0001.tif"))
        }
        let p = try PreparedDataset.prepare(ds, settings: .gan, onError: .skip)
        XCTAssertEqual(p.count, 5)
        XCTAssertEqual(p.problems.last?.file, victim.path)
        XCTAssertFalse(p.dataset.samples.contains { $0.files[0] == victim })
        let info = try DatasetInfo.inspect(ds)
        XCTAssertEqual(info.skipped, 1); XCTAssertEqual(info.images, 5)
    }

    /// A crop whose float samples hold NaN or ±Inf is found and named when the dataset is read — by `data info` and
    /// by the preparation that precedes training (with the --on-error policy) — never after the epochs.
    func testNonFiniteCropsAreFoundWhenTheDatasetIsRead() throws {
        let dir = try temporaryFolder(self)
        try SyntheticNuclei(side: 32, seed: 3).writeDataset(to: dir, perClass: 3, fileExtension: "tif", phases: [.interphase, .metaphase])
        var bad = Image(width: 32, height: 32, channels: 1, format: .float32)
        for i in bad.pixels.indices { bad.pixels[i] = Float(i % 31) }
        bad.pixels[77] = .nan
        let victim = dir.appendingPathComponent("interphase/nan.tif")
        try ImageFile.write(bad, to: victim)
        let ds = try FolderLayout.load(dir, onError: .stop)
        let info = try DatasetInfo.inspect(ds)
        XCTAssertEqual(info.skipped, 1)
        XCTAssertEqual(info.problems.map(\.file), [victim.path])
        XCTAssertTrue(info.problems[0].message.contains("not a finite number"), info.problems[0].message)
        XCTAssertThrowsError(try PreparedDataset.prepare(ds, settings: .smallCNN, onError: .stop)) { error in
            XCTAssertTrue(error.localizedDescription.contains("nan.tif"), error.localizedDescription)
        }
        let p = try PreparedDataset.prepare(ds, settings: .smallCNN, onError: .skip)
        XCTAssertEqual(p.count, 6)
        XCTAssertTrue(p.data.allSatisfy(\.isFinite))
    }

    func testManifestRowsChannelsAndMissingFiles() throws {
        let dir = try temporaryFolder(self)
        let gen = SyntheticNuclei(side: 24, format: .uint16, seed: 3)
        for i in 0..<4 {
            try TIFFWriter.write(gen.image(.interphase, index: i), to: dir.appendingPathComponent("a\(i).tif"))
            try TIFFWriter.write(gen.image(.metaphase, index: i), to: dir.appendingPathComponent("b\(i).tif"))
        }
        let csv = "path,label,group,marker2\n" + (0..<4).map { "a\($0).tif,I,cell\($0 / 2),b\($0).tif" }.joined(separator: "\n")
            + "\n\"missing.tif\",M,cell9,b0.tif\n"
        let url = dir.appendingPathComponent("m.csv")
        try Data(csv.utf8).write(to: url)
        XCTAssertThrowsError(try Manifest.load(url)) {
            XCTAssertEqual($0 as? DatasetError, .missingFile(manifest: url.path, row: 5, file: dir.appendingPathComponent("missing.tif").path))
            XCTAssertTrue($0.localizedDescription.contains("row 5"))
        }
        let ds = try Manifest.load(url, onError: .skip)
        XCTAssertEqual(ds.count, 4); XCTAssertEqual(ds.problems.first?.row, 5)
        XCTAssertEqual(ds.samples[0].files.count, 2); XCTAssertEqual(ds.samples[2].group, "cell1")
        let stacked = try PreparedDataset.prepare(ds, settings: PreprocessSettings(side: 16, normalization: .unit, channels: .stack))
        XCTAssertEqual(stacked.channels, 2)
        let summed = try PreparedDataset.prepare(ds, settings: PreprocessSettings(side: 16, normalization: .unit, channels: .sum))
        XCTAssertEqual(summed.channels, 1)
        // Sum of the two markers / (2 × 65535) equals the mean of the stacked channels (no padding: square crops).
        for i in 0..<256 { XCTAssertEqual(summed.data[i], (stacked.data[i] + stacked.data[256 + i]) / 2, accuracy: 1e-5) }
        XCTAssertThrowsError(try Manifest.load(url, columns: ManifestColumns(path: "file"))) {
            guard case .missingColumn(_, "file", _)? = $0 as? DatasetError else { return XCTFail("\($0)") }
        }
    }

    func testMultiPageStackAsChannels() throws {
        let dir = try temporaryFolder(self)
        let gen = SyntheticNuclei(side: 20, seed: 9)
        for c in ["x", "y"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(c), withIntermediateDirectories: true)
            try TIFFWriter.write(pages: [gen.image(.prophase, index: 0), gen.image(.anaphase, index: 1), gen.image(.telophase, index: 2)],
                                 to: dir.appendingPathComponent("\(c)/s.tif"))
        }
        let ds = try FolderLayout.load(dir)
        let p = try PreparedDataset.prepare(ds, settings: PreprocessSettings(side: 20, channels: .stack, allPages: true))
        XCTAssertEqual(p.channels, 3); XCTAssertEqual(p.data.count, 2 * 3 * 400)
        let batch = BatchIterator(p, batchSize: 2, shuffle: false, augmentation: .paper, seed: 1).next()!
        XCTAssertEqual(batch.shape, [2, 3, 20, 20])
    }

    func testBudgetPoolErrorsAndUnstratifiedPool() throws {
        let labels = Array(repeating: 0, count: 30) + Array(repeating: 1, count: 10)
        XCTAssertThrowsError(try Budget.draw(labels: labels, classNames: ["a", "b"], perClass: 5, unlabelled: 20, stratifiedPool: true, seed: 1)) {
            XCTAssertEqual($0 as? DatasetError, .poolTooSmall(available: 5, requested: 10, detail: "class 'b'"))
        }
        let d = try Budget.draw(labels: labels, classNames: ["a", "b"], perClass: 5, unlabelled: 20, seed: 1)
        XCTAssertEqual(d.unlabelled.count, 20); XCTAssertEqual(d.heldOut.count, 10)
        XCTAssertThrowsError(try Budget.draw(labels: labels, classNames: ["a", "b"], perClass: 5, unlabelled: 31, seed: 1))
    }
}
