import Foundation
import XCTest
import TestSupport
import Imaging
import Datasets
@testable import Segmentation

final class FieldSegmentationTests: XCTestCase {
    /// Scores a segmentation against the field's parts (one expected object per chromatin mass).
    func score(_ field: SyntheticField, _ result: SegmentationResult, maxDistance: Double = 10)
        -> (recall: Double, precision: Double, splitPairs: Int, unsplit: [Int]) {
        var expected: [(Double, Double)] = [], owner: [Int] = []
        for n in field.nuclei { for p in n.parts { expected.append((p[0], p[1])); owner.append(n.index) } }
        let m = match(expected, result.objects, maxDistance: maxDistance)
        var objectsOf: [Int: Set<Int>] = [:]  // nucleus index → matched object indices
        for (e, o) in m { objectsOf[owner[e], default: []].insert(o) }
        // A pair is split when both nuclei were found, by different objects.
        let unsplit = field.touchingPairs.indices.filter { k in
            let p = field.touchingPairs[k]
            guard let a = objectsOf[p.a], let b = objectsOf[p.b] else { return true }
            return !a.isDisjoint(with: b)
        }
        return (Double(m.count) / Double(max(1, expected.count)), Double(m.count) / Double(max(1, result.objects.count)),
                field.touchingPairs.count - unsplit.count, unsplit)
    }

    func testRealCropFieldRecallPrecisionAndTouchingPairs() throws {
        let crops = try realCrops(classes: ["I", "P", "PM", "M"])
        var o = SyntheticFieldOptions(); o.seed = 11; o.count = 250; o.touchingPairs = 12
        let field = try SyntheticField.generate(sources: crops, options: o)
        XCTAssertGreaterThanOrEqual(field.nuclei.count, 240)
        XCTAssertEqual(field.touchingPairs.count, 12)
        let seg = NucleiSegmenter()
        _ = try seg.segment(field.image)  // warm-up
        var times: [Double] = []
        var result: SegmentationResult!
        for _ in 0..<5 { result = try seg.segment(field.image); times.append(result.timings.total) }
        let s = score(field, result)
        let t = result.timings
        print(String(format: "SEGMENT 2048x2048 nuclei=%d parts=%d objects=%d recall=%.3f precision=%.3f touching split %d/%d; ms median %.1f min %.1f",
                     field.nuclei.count, field.nuclei.reduce(0) { $0 + $1.parts.count }, result.objects.count, s.recall, s.precision,
                     s.splitPairs, field.touchingPairs.count, times.sorted()[2], times.min()!)
              + " (" + t.stages.map { "\($0.name) " + String(format: "%.1f", $0.ms) }.joined(separator: ", ") + ")")
        if ProcessInfo.processInfo.environment["SEG_OVERLAY"] != nil {
            try Overlay.writePNG(field: field.image, labels: result.labels, to: URL(fileURLWithPath: "/tmp/seg-overlay.png"))
            let ov = try Overlay.render(field: field.image, labels: result.labels)
            for (k, p) in field.touchingPairs.enumerated() {
                let n = field.nuclei[p.a]
                print("PAIR \(k) at (\(Int(n.centroidX)), \(Int(n.centroidY))): \(n.className) \(n.parts.count) parts + "
                      + "\(field.nuclei[p.b].className) \(field.nuclei[p.b].parts.count) parts, " + (s.unsplit.contains(k) ? "NOT split" : "split"))
                let tile = CropExtractor.cut(ov, x0: Int(n.centroidX) - 80, y0: Int(n.centroidY) - 80, side: 160, padding: .constant(0))
                try PNGCodec.write(tile, to: URL(fileURLWithPath: "/tmp/seg-pair\(k).png"))
            }
        }
        XCTAssertGreaterThanOrEqual(s.recall, 0.95)
        XCTAssertGreaterThanOrEqual(s.precision, 0.95)
        // Every touching pair comes out as two objects, including metaphase plates pressed against
        // a larger nucleus (plate half-width ≈ neck half-width: split by `BrightCoreSplit`).
        XCTAssertEqual(s.splitPairs, field.touchingPairs.count, "touching pairs \(s.unsplit) must come out as two objects")
    }
}

extension FieldSegmentationTests {
    /// Two overlapping discs (one merged component) must come out as exactly two objects, and a
    /// lone disc as one.
    func testTouchingDiscsAreSplit() throws {
        let w = 121, h = 81
        var img = Image(width: w, height: h, format: .uint16, fill: 500)
        for (cx, cy, r) in [(40.0, 40.0, 20.0), (76.0, 40.0, 18.0), (105.0, 12.0, 6.0)] {
            for y in 0..<h { for x in 0..<w where (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy) <= r * r {
                img[0, y, x] = 20000
            } }
        }
        var o = SegmentationOptions(); o.background = .none; o.minArea = 20
        let r = try NucleiSegmenter(options: o).segment(img)
        XCTAssertEqual(r.objects.count, 3)
        let big = r.objects.filter { $0.area > 500 }.sorted { $0.centroidX < $1.centroidX }
        XCTAssertEqual(big.count, 2)
        if big.count == 2 {
            XCTAssertEqual(big[0].centroidX, 40, accuracy: 3); XCTAssertEqual(big[1].centroidX, 76, accuracy: 3)
        }
        o.splitTouching = false
        XCTAssertEqual(try NucleiSegmenter(options: o).segment(img).objects.count, 2, "without splitting the discs stay one object")
    }

    /// The same pipeline on SyntheticNuclei crops (no shared data needed), with features and outputs.
    func testSyntheticNucleiFieldAndOutputs() throws {
        var o = SyntheticFieldOptions(); o.width = 1024; o.height = 768; o.count = 60; o.touchingPairs = 4; o.seed = 3
        let field = try SyntheticField.generate(sources: syntheticCrops(), options: o)
        XCTAssertEqual(field.nuclei.count, 60)
        let r = try NucleiSegmenter().segment(field.image)
        let s = score(field, r)
        print(String(format: "SEGMENT synthetic 1024x768 nuclei=%d objects=%d recall=%.3f precision=%.3f split %d/%d ms %.1f",
                     field.nuclei.count, r.objects.count, s.recall, s.precision, s.splitPairs, field.touchingPairs.count, r.timings.total))
        if ProcessInfo.processInfo.environment["SEG_OVERLAY"] != nil {
            let ov = try Overlay.render(field: field.image, labels: r.labels)
            for (k, p) in field.touchingPairs.enumerated() {
                let n = field.nuclei[p.a]
                print("SMALL PAIR \(k) at (\(Int(n.centroidX)), \(Int(n.centroidY))): \(n.className) + \(field.nuclei[p.b].className), "
                      + (s.unsplit.contains(k) ? "NOT split" : "split"))
                let tile = CropExtractor.cut(ov, x0: Int(n.centroidX) - 80, y0: Int(n.centroidY) - 80, side: 160, padding: .constant(0))
                try PNGCodec.write(tile, to: URL(fileURLWithPath: "/tmp/seg-small-pair\(k).png"))
            }
        }
        XCTAssertGreaterThanOrEqual(s.recall, 0.95)
        XCTAssertGreaterThanOrEqual(s.precision, 0.95)
        // Ids are 1…n in the label image, features consistent with it.
        XCTAssertEqual(r.labels.count, r.objects.count)
        XCTAssertEqual(r.objects.map(\.id), Array(1...r.objects.count))
        for obj in r.objects.prefix(10) {
            let n = r.labels.labels.filter { $0 == Int32(obj.id) }.count
            XCTAssertEqual(n, obj.area)
            XCTAssertGreaterThan(obj.meanIntensity, Double(o.backgroundLevel))
            XCTAssertGreaterThan(obj.circularity, 0.4)
        }
        // Outputs: label TIFF round trip and overlay PNG.
        let dir = try temporaryFolder(self)
        let tif = dir.appendingPathComponent("labels.tif"), png = dir.appendingPathComponent("overlay.png")
        try r.labels.writeTIFF(to: tif)
        XCTAssertTrue(try LabelImage.read(tif) == r.labels.relabelled(), "label TIFF round trip")
        try Overlay.writePNG(field: field.image, labels: r.labels, to: png, colorIndex: { $0 % 3 })
        let ov = try ImageFile.read(png)
        XCTAssertEqual(ov.channels, 3); XCTAssertEqual(ov.width, 1024)
        // Some outline pixels carry palette colours.
        let n = ov.planeSize
        XCTAssertTrue((0..<n).contains { ov.pixels[$0] != ov.pixels[n + $0] })
    }
}
