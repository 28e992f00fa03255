import Foundation
import Imaging
@testable import Segmentation
import Support
import TestSupport
import XCTest

final class LabelsCropsAndBadInputTests: XCTestCase {
    /// A 40×30 field with three rectangles and a label image another tool might write
    /// (ids 7, 300, 65000, in non-raster order).
    func fixture() -> (Image, Image) {
        var field = Image(width: 40, height: 30, format: .uint16, fill: 100)
        var labels = Image(width: 40, height: 30, format: .uint16, fill: 0)
        for (id, x0, y0, x1, y1, v) in [(65000, 2, 2, 8, 6, 1000), (7, 20, 3, 30, 12, 2000), (300, 5, 20, 12, 27, 3000)] {
            for y in y0...y1 { for x in x0...x1 { labels[0, y, x] = Float(id); field[0, y, x] = Float(v) } }
        }
        return (field, labels)
    }

    func testLabelImageFromAnotherToolIsRelabelledAndMeasured() throws {
        let (field, raw) = fixture()
        let dir = try temporaryFolder(self)
        for name in ["stardist.tif", "cellpose.png"] {
            let url = dir.appendingPathComponent(name)
            try ImageFile.write(raw, to: url)
            let l = try LabelImage.read(url, matching: 40, 30)
            XCTAssertEqual(l.count, 3)
            XCTAssertEqual(Set(l.labels), [0, 1, 2, 3])
            XCTAssertEqual(l.labels[2 * 40 + 2], 1, "65000 comes first in raster order → 1")
            XCTAssertEqual(l.labels[3 * 40 + 20], 2)
            XCTAssertEqual(l.labels[20 * 40 + 5], 3)
            let r = try NucleiSegmenter().measure(labels: l, field: field)
            XCTAssertEqual(r.objects.map(\.area), [35, 110, 64])
            XCTAssertEqual(r.objects.map(\.meanIntensity), [1000, 2000, 3000])
            XCTAssertEqual(r.objects[1].centroidX, 25, accuracy: 1e-9); XCTAssertEqual(r.objects[1].centroidY, 7.5, accuracy: 1e-9)
            XCTAssertEqual(r.objects[1].boundingBox, BoundingBox(minX: 20, minY: 3, maxX: 30, maxY: 12))
        }
        // Float labels (ImageJ 32-bit) with integer values are accepted too.
        var f = raw; f.format = .float32
        XCTAssertEqual(try LabelImage(importing: f).count, 3)
    }

    func testBadLabelImagesGiveClearErrors() throws {
        let (field, raw) = fixture()
        let dir = try temporaryFolder(self)
        // Wrong size.
        let small = Image(width: 20, height: 30, format: .uint16, fill: 1)
        let url = dir.appendingPathComponent("small.tif")
        try ImageFile.write(small, to: url)
        XCTAssertThrowsError(try LabelImage.read(url, matching: 40, 30)) { e in
            XCTAssertTrue("\(e)".contains("20×30") && "\(e)".contains("40×30"), "\(e)")
        }
        XCTAssertThrowsError(try NucleiSegmenter().measure(labels: try LabelImage(importing: small), field: field)) { e in
            guard case SegmentationError.sizeMismatch = e else { return XCTFail("\(e)") }
        }
        // Fractional / negative labels, colour images, missing files.
        var frac = raw; frac.format = .float32; frac.pixels[5] = 2.5
        XCTAssertThrowsError(try LabelImage(importing: frac)) { e in XCTAssertTrue("\(e)".contains("non-negative integers")) }
        XCTAssertThrowsError(try LabelImage(importing: Image(width: 4, height: 4, channels: 3, format: .uint8)))
        XCTAssertThrowsError(try LabelImage.read(dir.appendingPathComponent("missing.tif"))) { e in
            guard case SegmentationError.image = e else { return XCTFail("\(e)") }
        }
    }

    func testCropsAreCentredAndSizedAsDocumented() throws {
        let (field, raw) = fixture()
        let r = try NucleiSegmenter().measure(labels: try LabelImage(importing: raw), field: field)
        let ex = CropExtractor(size: .boundingBox(margin: 1.5, minSide: 16))
        // Object 2: bbox 11×10 → side ⌈11 × 1.5⌉ = 17; centroid (25, 7.5) → rounds to (25, 8); origin (17, 0).
        let o = r.objects[1]
        XCTAssertEqual(ex.side(for: o), 17)
        XCTAssertTrue(ex.origin(for: o, side: 17) == (17, 0))
        let c = ex.crop(field, object: o)
        XCTAssertEqual(c.width, 17); XCTAssertEqual(c.height, 17); XCTAssertEqual(c.format, .uint16)
        XCTAssertEqual(c[0, 8, 8], 2000, "centre pixel is the object")
        XCTAssertEqual(c[0, 8, 8 - 5], 2000); XCTAssertEqual(c[0, 8, 8 + 5], 2000)
        XCTAssertEqual(c[0, 8, 8 - 6], 100); XCTAssertEqual(c[0, 8, 8 + 6], 100, "symmetric about the centre")
        // Object 1 near the corner: bbox 7×5 → side max(16, 11) = 16; origin (5 − 8, 4 − 8) = (−3, −4): padded.
        let corner = ex.crop(field, object: r.objects[0])
        XCTAssertEqual(corner.width, 16)
        XCTAssertEqual(corner[0, 0, 0], field[0, 0, 0], "replicated edge")
        XCTAssertEqual(CropExtractor(padding: .constant(0)).crop(field, object: r.objects[0])[0, 0, 0], 0)
        XCTAssertEqual(CropExtractor(size: .fixed(32)).crop(field, object: o).width, 32)
        // Batch = one by one; crops feed Imaging's preprocessing.
        let all = ex.crops(field, objects: r.objects)
        XCTAssertEqual(all, r.objects.map { ex.crop(field, object: $0) })
        let model = all[1].squared(side: 64).normalized(.robustUnit)
        XCTAssertEqual(model.width, 64)
    }

    func testBadFieldsAreHandled() throws {
        let seg = NucleiSegmenter()
        XCTAssertThrowsError(try seg.segment(Image(width: 0, height: 0, format: .uint16, pixels: []))) { e in
            guard case SegmentationError.emptyImage = e else { return XCTFail("\(e)") }
        }
        for fill: Float in [0, 1234] {
            let r = try seg.segment(Image(width: 257, height: 131, format: .uint16, fill: fill))
            XCTAssertEqual(r.objects.count, 0); XCTAssertEqual(r.labels.count, 0)
            XCTAssertTrue(r.labels.labels.allSatisfy { $0 == 0 })
        }
        // Pure noise: no nucleus-sized objects.
        var g = SeededGenerator(seed: 2)
        let noise = Image(width: 300, height: 200, format: .uint16, pixels: (0..<60000).map { _ in Float(1800 + 100 * g.gaussian()).rounded() })
        XCTAssertLessThanOrEqual(try seg.segment(noise).objects.count, 2)
        var bad = SegmentationOptions(); bad.channel = 3
        XCTAssertThrowsError(try NucleiSegmenter(options: bad).segment(Image(width: 5, height: 5, format: .uint8)))
        bad = SegmentationOptions(); bad.threshold = .otsu(bins: 1)
        XCTAssertThrowsError(try NucleiSegmenter(options: bad).segment(Image(width: 5, height: 5, format: .uint8, fill: 3)))
        XCTAssertThrowsError(try SyntheticField.generate(sources: []))
        // Adaptive option runs end to end.
        var ad = SegmentationOptions(); ad.threshold = .adaptive(window: 51, offset: -500)
        XCTAssertEqual(try NucleiSegmenter(options: ad).segment(Image(width: 64, height: 64, format: .uint16, fill: 5)).objects.count, 0)
    }

    func testBorderAndAreaFilters() throws {
        let (field, raw) = fixture()
        var o = SegmentationOptions(); o.excludeBorder = true; o.minArea = 40; o.maxArea = 100; o.background = .none
        let labels = try LabelImage(importing: raw)
        let r = try NucleiSegmenter(options: o).measure(labels: labels, field: field, applyFilters: true)
        XCTAssertEqual(r.objects.map(\.area), [64], "35 < minArea, 110 > maxArea")
        XCTAssertEqual(r.objects[0].id, 1); XCTAssertEqual(r.labels.count, 1)
        XCTAssertEqual(Set(r.labels.labels), [0, 1])
        var edge = raw; edge[0, 0, 39] = 9
        XCTAssertEqual(try NucleiSegmenter(options: o).measure(labels: try LabelImage(importing: edge), field: field, applyFilters: true).objects.count, 1)
    }
}
