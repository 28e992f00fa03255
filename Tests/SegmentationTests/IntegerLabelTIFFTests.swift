import Foundation
import XCTest
import TestSupport
import Imaging
@testable import Segmentation

/// 32-bit integer label TIFFs, as Cellpose, StarDist and CellProfiler write them, imported exactly.
final class IntegerLabelTIFFTests: XCTestCase {
    /// Three rectangles with ids a float plane would round (2²⁴ + 1) or cannot hold in 16 bits.
    func plane(_ ids: (Int64, Int64, Int64)) -> TIFFLabels.Plane {
        var p = TIFFLabels.Plane(width: 40, height: 30, ids: .init(repeating: 0, count: 1200))
        for (id, x0, y0, x1, y1) in [(ids.0, 2, 2, 8, 6), (ids.1, 20, 3, 30, 12), (ids.2, 5, 20, 12, 27)] {
            for y in y0...y1 { for x in x0...x1 { p.ids[y * 40 + x] = id } }
        }
        return p
    }

    func testUnsignedAndSigned32BitLabelFilesAreReadExactly() throws {
        let dir = try temporaryFolder(self)
        let cases: [(String, Bool, (Int64, Int64, Int64))] = [
            ("cellpose_masks_uint32.tif", false, (4_000_000_000, 16_777_217, 16_777_216)),  // 2²⁴ + 1 and 2²⁴: equal as Float
            ("stardist_labels_int32.tif", true, (2_147_483_647, 70_000, 5)),
        ]
        for (name, signed, ids) in cases {
            let url = dir.appendingPathComponent(name)
            try TIFFLabels.write32(plane(ids), signed: signed, to: url)
            let back = try TIFFLabels.read(url)
            XCTAssertEqual(back, plane(ids), name)
            let labels = try LabelImage.read(url, matching: 40, 30)
            XCTAssertEqual(labels.count, 3, name)
            XCTAssertEqual(labels.labels[2 * 40 + 2], 1); XCTAssertEqual(labels.labels[3 * 40 + 20], 2); XCTAssertEqual(labels.labels[20 * 40 + 5], 3)
            var field = Image(width: 40, height: 30, format: .uint16, fill: 100)
            for i in 0..<1200 where labels.labels[i] != 0 { field.pixels[i] = 1000 * Float(labels.labels[i]) }
            let r = try NucleiSegmenter().measure(labels: labels, field: field)
            XCTAssertEqual(r.objects.map(\.area), [35, 110, 64], name)
            XCTAssertEqual(r.objects.map(\.meanIntensity), [1000, 2000, 3000], name)
        }
    }

    func testNegativeIdsAndColourLabelFilesAreRefusedNamingTheFile() throws {
        let dir = try temporaryFolder(self)
        let url = dir.appendingPathComponent("negative.tif")
        try TIFFLabels.write32(plane((3, -4, 5)), signed: true, to: url)
        XCTAssertThrowsError(try LabelImage.read(url)) { e in
            guard case SegmentationError.invalidLabels(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("negative.tif") && m.contains("-4"), m)
        }
        let rgb = dir.appendingPathComponent("rgb.tif")
        try ImageFile.write(Image(width: 8, height: 8, channels: 3, format: .uint8), to: rgb)
        XCTAssertThrowsError(try LabelImage.read(rgb)) { e in XCTAssertTrue("\(e)".contains("rgb.tif") && "\(e)".contains("one"), "\(e)") }
    }

    /// More than 65535 objects no longer fit 16 bits: the label TIFF is then 32-bit unsigned and
    /// reads back identical (a 32-bit float TIFF would be exact only up to 2²⁴).
    func testLabelImagesBeyond65535ObjectsRoundTripAs32Bit() throws {
        let w = 300, h = 240  // 72000 one-pixel objects
        let labels = LabelImage(width: w, height: h, labels: (0..<(w * h)).map { Int32($0 + 1) }, count: w * h)
        let url = try temporaryFolder(self).appendingPathComponent("many_labels.tif")
        try labels.writeTIFF(to: url)
        XCTAssertEqual(try TIFFLabels.read(url).ids.max(), Int64(w * h))
        XCTAssertEqual(try LabelImage.read(url), labels)
        let files = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        XCTAssertEqual(files, ["many_labels.tif"], "no temporary file left behind")
    }
}
