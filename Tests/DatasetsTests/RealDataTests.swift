import Foundation
import XCTest
import TestSupport
@testable import Datasets
@testable import Imaging

/// Tests on the real datasets in ../shared/data.
final class RealDataTests: XCTestCase {
    func testRoboscopeDecodedPixelsMatchKnownValues() throws {
        let root = try sharedData("roboscope-zeiss")
        // Values verified independently with Python tifffile (uint16, LZW + horizontal predictor).
        let a = try TIFFReader.read(root.appendingPathComponent("crossvalidation1_eq/A/part1_14_1_1_A_92.tif"))
        XCTAssertEqual([a.width, a.height, a.channels], [72, 91, 1]); XCTAssertEqual(a.format, .uint16)
        XCTAssertEqual(a.extrema.min, 0); XCTAssertEqual(a.extrema.max, 65535)
        XCTAssertEqual(a[0, 0, 0], 1416); XCTAssertEqual(a[0, 10, 20], 2135); XCTAssertEqual(a[0, 45, 36], 13111)
        XCTAssertEqual(a.pixels.reduce(0.0) { $0 + Double($1) }, 81_799_949)
        let b = try TIFFReader.read(root.appendingPathComponent("crossvalidation1_eq/A/part1_15_1_1_A_130.tif"))
        XCTAssertEqual([b.width, b.height], [76, 84]); XCTAssertEqual(b.extrema.max, 50725)
        XCTAssertEqual(b[0, 10, 20], 7374); XCTAssertEqual(b[0, 42, 38], 23164)
        let j = try TIFFReader.read(root.appendingPathComponent("crossvalidation3_eq/J/part1_22_1_0_J_359.tif"))
        XCTAssertEqual([j.width, j.height], [57, 53]); XCTAssertEqual(j.extrema.min, 1019)
        XCTAssertEqual(j.pixels.reduce(0.0) { $0 + Double($1) }, 109_248_935)

        // Our writer, uncompressed / LZW / Deflate / PackBits, reads back identically.
        let dir = try temporaryFolder(self)
        for c in TIFFCompression.allCases {
            let url = dir.appendingPathComponent("a-\(c).tif")
            try TIFFWriter.write(a, to: url, compression: c)
            XCTAssertEqual(try TIFFReader.read(url), a, "\(c)")
        }
        let png = dir.appendingPathComponent("a.png")
        try PNGCodec.write(a, to: png)
        XCTAssertEqual(try PNGCodec.read(png), a)
    }

    func testRoboscopeCountsAndFolds() throws {
        let ds = try FolderLayout.load(try sharedData("roboscope-zeiss"))
        XCTAssertEqual(ds.layout, "folds")
        XCTAssertEqual(ds.count, 1321)
        XCTAssertEqual(ds.classes, ["A", "I", "J", "M", "P", "PM", "T"])
        XCTAssertEqual(ds.foldCounts, ["crossvalidation1_eq": 315, "crossvalidation2_eq": 336, "crossvalidation3_eq": 327, "crossvalidation4_eq": 343])
        let folds = Splitter.authorsFolds(ds)
        XCTAssertEqual(folds.map(\.indices.count), [315, 336, 327, 343])
        let j = ds.classes.firstIndex(of: "J")!
        XCTAssertEqual(folds.map { f in f.indices.filter { ds.labels[$0] == j }.count }, [33, 48, 39, 49])

        let grouped = try FolderLayout.load(try sharedData("roboscope-zeiss"), mapping: .roboscopeInterphaseVsMitosis)
        XCTAssertEqual(grouped.classes, ["I", "mitosis"])
        XCTAssertEqual(grouped.count, 1321 - 169)
        XCTAssertGreaterThan(grouped.classCounts["mitosis"]!, 4 * grouped.classCounts["I"]!)
    }

    func testRoboscopePrepareIsFastCachedAndBatches() throws {
        let ds = try FolderLayout.load(try sharedData("roboscope-zeiss"))
        let cacheDir = try temporaryFolder(self)
        let cache = TensorCache(directory: cacheDir)
        let t0 = Date()
        let p = try PreparedDataset.prepare(ds, settings: .gan, cache: cache)
        let decode = Date().timeIntervalSince(t0)
        print("roboscope-zeiss: decode+normalise+resize of \(p.count) TIFFs: \(String(format: "%.3f", decode)) s")
        XCTAssertEqual(p.count, 1321); XCTAssertEqual(p.channels, 1); XCTAssertFalse(p.fromCache)
        XCTAssertEqual(p.data.count, 1321 * 64 * 64)
        XCTAssertTrue(p.data.allSatisfy { $0 >= -1 && $0 <= 1 })
        let t1 = Date()
        let again = try PreparedDataset.prepare(ds, settings: .gan, cache: cache)
        print("roboscope-zeiss: from cache: \(String(format: "%.3f", Date().timeIntervalSince(t1))) s")
        XCTAssertTrue(again.fromCache); XCTAssertEqual(again.data, p.data); XCTAssertEqual(again.labels, p.labels)
        // Different settings → different key.
        let other = try PreparedDataset.prepare(ds.subset(Array(0..<10)), settings: .smallCNN, cache: cache)
        XCTAssertFalse(other.fromCache)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cacheDir.path).filter { $0.hasSuffix(".cptensor") }.count, 2)

        // Batches from the authors' fold 1 with paper augmentation: shapes, ranges, determinism.
        let fold1 = Splitter.authorsFolds(p.dataset)[0].indices
        let it = BatchIterator(p, rows: fold1, batchSize: 32, augmentation: .paper, seed: 7, epoch: 3)
        var seen: [Int] = []
        var first: Batch?
        for batch in it {
            if first == nil { first = batch }
            XCTAssertEqual(Array(batch.shape.dropFirst()), [1, 64, 64])
            XCTAssertEqual(batch.data.count, batch.shape.reduce(1, *))
            XCTAssertTrue(batch.data.allSatisfy { $0 >= -1 && $0 <= 1 })
            XCTAssertEqual(batch.labels, batch.rows.map { p.labels[$0] })
            seen += batch.rows
        }
        XCTAssertEqual(it.batchCount, 10); XCTAssertEqual(seen.sorted(), fold1)
        let replay = BatchIterator(p, rows: fold1, batchSize: 32, augmentation: .paper, seed: 7, epoch: 3, prefetch: 1).next()!
        XCTAssertEqual(replay.data, first!.data); XCTAssertEqual(replay.rows, first!.rows)
        let nextEpoch = BatchIterator(p, rows: fold1, batchSize: 32, augmentation: .paper, seed: 7, epoch: 4).next()!
        XCTAssertNotEqual(nextEpoch.rows, first!.rows)
        let plain = BatchIterator(p, rows: fold1, batchSize: 32, shuffle: false, seed: 7).next()!
        XCTAssertEqual(plain.data, Array(p.data[fold1[0] * 4096 ..< (fold1[0] + 1) * 4096]) + plain.data.dropFirst(4096))
    }

    func testDatasetIntensityRangeIsPooledPercentilesAndKeepsBrightness() throws {
        let ds = try FolderLayout.load(try sharedData("roboscope-zeiss")).subset(Array(stride(from: 0, to: 1321, by: 20)))
        let perImage = PreprocessSettings.smallCNN
        let fitted = perImage.fittingDatasetRange(of: ds, perImage: 1_000_000)
        // Every pixel pooled (crops are < 1e6 px): the range is the pooled percentiles computed directly.
        let pooled = try ds.samples.flatMap { try ImageFile.read($0.files[0]).pixels }
        let sorted = pooled.sorted()
        guard case let .fixed(lo, hi, symmetric) = fitted.normalization else { return XCTFail("\(fitted.normalization)") }
        XCTAssertEqual(lo, Image.percentile(sorted, 1), accuracy: 1e-3); XCTAssertEqual(hi, Image.percentile(sorted, 99.8), accuracy: 1e-3)
        XCTAssertFalse(symmetric)
        XCTAssertNotEqual(fitted.key, perImage.key)  // cached tensors are not mixed up
        XCTAssertTrue(PreprocessSettings.gan.fittingDatasetRange(of: ds).normalization.range == -1...1)
        // A crop's mean brightness survives (it does not with per-image percentiles): order of raw means kept.
        let a = try PreparedDataset.prepare(ds, settings: fitted)
        let rawMeans = try ds.samples.map { s in let p = try ImageFile.read(s.files[0]).pixels; return p.reduce(0, +) / Float(p.count) }
        let dimmest = rawMeans.indices.min { rawMeans[$0] < rawMeans[$1] }!, brightest = rawMeans.indices.max { rawMeans[$0] < rawMeans[$1] }!
        func mean(_ r: Int) -> Float { let x = a.image(r).pixels; return x.reduce(0, +) / Float(x.count) }
        XCTAssertLessThan(mean(dimmest), mean(brightest))
        // Stride sampling (the default) lands close to the exact range.
        guard case let .fixed(slo, shi, _) = perImage.fittingDatasetRange(of: ds, perImage: 256).normalization else { return XCTFail() }
        XCTAssertEqual(slo, lo, accuracy: 0.05 * (hi - lo)); XCTAssertEqual(shi, hi, accuracy: 0.05 * (hi - lo))
    }

    /// `--intensity both`: two channels per crop — the first exactly the per-image normalisation, the second exactly
    /// the dataset range — so the brightness order of crops survives beside full per-crop contrast.
    func testBothIntensitiesAreTwoChannels() throws {
        let ds = try FolderLayout.load(try sharedData("roboscope-zeiss")).subset(Array(stride(from: 0, to: 1321, by: 40)))
        let perImage = PreprocessSettings.smallCNN
        let both = perImage.fittingDatasetRange(of: ds, secondChannel: true)
        XCTAssertEqual(both.normalization, perImage.normalization)
        guard case .fixed = both.absoluteIntensity else { return XCTFail("\(String(describing: both.absoluteIntensity))") }
        XCTAssertNotEqual(both.key, perImage.key)
        var dataset = perImage
        dataset.normalization = both.absoluteIntensity!
        let a = try PreparedDataset.prepare(ds, settings: both)
        let first = try PreparedDataset.prepare(ds, settings: perImage), second = try PreparedDataset.prepare(ds, settings: dataset)
        XCTAssertEqual(a.channels, 2)
        let plane = 64 * 64
        for r in [0, 7, ds.count - 1] {
            let x = a.image(r).pixels
            XCTAssertEqual(Array(x[..<plane]), first.image(r).pixels)
            XCTAssertEqual(Array(x[plane...]), second.image(r).pixels)
        }
        let decoded = try JSONDecoder().decode(PreprocessSettings.self, from: JSONEncoder().encode(both))
        XCTAssertEqual(decoded, both)
    }

    /// `--smooth σ`: each channel of the prepared input is exactly the Gaussian blur of the unsmoothed input (at the
    /// model's input scale), on real crops; the cache key tells them apart.
    func testSmoothingBlursThePreparedInput() throws {
        let ds = try FolderLayout.load(try sharedData("roboscope-zeiss")).subset([0, 300, 900])
        var smooth = PreprocessSettings.smallCNN
        smooth.smoothing = 1
        XCTAssertNotEqual(smooth.key, PreprocessSettings.smallCNN.key)
        let sharp = try PreparedDataset.prepare(ds, settings: .smallCNN), soft = try PreparedDataset.prepare(ds, settings: smooth)
        for r in 0..<ds.count {
            let expected = Smoothing.gaussian(sharp.image(r).pixels, width: 64, height: 64, sigma: 1)
            XCTAssertEqual(soft.image(r).pixels, expected)
            XCTAssertNotEqual(soft.image(r).pixels, sharp.image(r).pixels)
        }
    }

    func testRoboscopeBudgetsExactAndReproducible() throws {
        let ds = try FolderLayout.load(try sharedData("roboscope-zeiss"))
        let folds = Splitter.authorsFolds(ds)
        let train = folds.dropFirst().flatMap(\.indices)
        for perClass in Budget.paperLabelsPerClass {
            let d = try Budget.draw(labels: ds.labels, classNames: ds.classes, from: train, perClass: perClass,
                                    unlabelled: 300, stratifiedPool: true, seed: 11)
            XCTAssertEqual(d.labelled.count, 7 * perClass)
            for c in 0..<7 { XCTAssertEqual(d.labelled.filter { ds.labels[$0] == c }.count, perClass) }
            XCTAssertEqual(d.unlabelled.count, 300)
            XCTAssertTrue(Set(d.labelled).isDisjoint(with: d.unlabelled))
            XCTAssertEqual(Set(d.labelled + d.unlabelled + d.heldOut), Set(train))
            XCTAssertEqual(d.labelled.count + d.unlabelled.count + d.heldOut.count, train.count)
            let again = try Budget.draw(labels: ds.labels, classNames: ds.classes, from: train, perClass: perClass,
                                        unlabelled: 300, stratifiedPool: true, seed: 11)
            XCTAssertEqual(again, d)
        }
        let other = try Budget.draw(labels: ds.labels, classNames: ds.classes, from: train, perClass: 20, seed: 12)
        XCTAssertNotEqual(other.labelled, try Budget.draw(labels: ds.labels, classNames: ds.classes, from: train, perClass: 20, seed: 11).labelled)
        // J has 33 images in fold 1: a budget of 40 from that fold names the class.
        XCTAssertThrowsError(try Budget.draw(labels: ds.labels, classNames: ds.classes, from: folds[0].indices, perClass: 40, seed: 1)) {
            XCTAssertEqual($0 as? DatasetError, .budgetTooLarge(className: "J", available: 33, requested: 40))
        }
        // 20 % stratified validation of the labelled set.
        let d = try Budget.draw(labels: ds.labels, classNames: ds.classes, from: train, perClass: 80, seed: 3)
        let s = Splitter.stratified(labels: ds.labels, indices: d.labelled, train: 0.8, validation: 0.2, test: 0, seed: 3)
        XCTAssertEqual(s.validation.count, 7 * 16)
        for c in 0..<7 { XCTAssertEqual(s.validation.filter { ds.labels[$0] == c }.count, 16) }
    }

    func testMDCKManifestWithTracksAndGroupSplits() throws {
        let root = try sharedData("mdck-h2b-tiny")
        let ds = try Manifest.load(root.appendingPathComponent("labels.csv"), columns: .mdck)
        XCTAssertEqual(ds.count, 195)
        XCTAssertEqual(ds.classCounts, ["interphase": 36, "prometaphase": 51, "metaphase": 27, "anaphase": 50, "apoptosis": 31])
        let groups = Set(ds.samples.compactMap(\.group))
        XCTAssertLessThan(groups.count, 195); XCTAssertGreaterThan(groups.count, 20)
        // Known pair: the same cell on frames 20 and 21 (x≈441, y≈214/218) shares a track.
        let byID = Dictionary(uniqueKeysWithValues: ds.samples.map { ($0.files[0].lastPathComponent, $0.group!) })
        XCTAssertEqual(byID["02-07-2021--17-01-42_047.png"], byID["02-07-2021--17-01-42_050.png"])

        let img = try ImageFile.read(ds.samples[0].files[0])
        XCTAssertEqual([img.width, img.height, img.channels], [64, 64, 1]); XCTAssertEqual(img.format, .uint8)

        let k = Splitter.kFold(labels: ds.labels, groups: ds.groups, k: 5, seed: 1)
        XCTAssertEqual(k.flatMap { $0 }.sorted(), Array(0..<195))
        for (i, a) in k.enumerated() {
            for b in k[(i + 1)...] {
                XCTAssertTrue(Set(a.map { ds.samples[$0].group! }).isDisjoint(with: b.map { ds.samples[$0].group! }))
            }
        }
        let s = Splitter.stratified(labels: ds.labels, groups: ds.groups, train: 0.6, validation: 0.2, test: 0.2, seed: 4)
        XCTAssertTrue(Set(s.train.map { ds.groups[$0]! }).isDisjoint(with: s.test.map { ds.groups[$0]! }))
        XCTAssertTrue(Set(s.validation.map { ds.groups[$0]! }).isDisjoint(with: s.test.map { ds.groups[$0]! }))
        XCTAssertEqual(s, Splitter.stratified(labels: ds.labels, groups: ds.groups, train: 0.6, validation: 0.2, test: 0.2, seed: 4))

        let folder = try FolderLayout.load(root.appendingPathComponent("images"))
        XCTAssertEqual(folder.count, 195); XCTAssertEqual(folder.layout, "classes")
        // Dataset.load (what every command's --data goes through) takes the manifest, file,label columns recognised,
        // and the folder.
        let viaManifest = try Dataset.load(root.appendingPathComponent("labels.csv"))
        XCTAssertEqual(viaManifest.count, 195); XCTAssertEqual(viaManifest.classCounts, ds.classCounts)
        XCTAssertEqual(viaManifest.samples.map(\.files), ds.samples.map(\.files))
        XCTAssertEqual(try Dataset.load(root.appendingPathComponent("images")).samples, folder.samples)
    }
}
