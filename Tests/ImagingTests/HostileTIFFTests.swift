import Foundation
@testable import Imaging
import TestSupport
import XCTest

/// Hand-made TIFF headers that claim more than they hold: each is refused with an error naming the file, before
/// any allocation sized from the header (these used to ask for terabytes, or trap).
final class HostileTIFFTests: XCTestCase {
    /// A little-endian TIFF: one IFD of (tag, type, value) entries (type 3 SHORT, 4 LONG), then `payload`.
    static func tiff(_ entries: [(tag: UInt16, type: UInt16, value: UInt32)], payload: [UInt8] = Array(repeating: 7, count: 64)) -> Data {
        var d = Data([0x49, 0x49, 42, 0])
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        u32(8)
        let sorted = entries.sorted { $0.tag < $1.tag }
        u16(UInt16(sorted.count))
        let payloadOffset = UInt32(8 + 2 + 12 * sorted.count + 4)
        for e in sorted {
            u16(e.tag); u16(e.type); u32(1)
            let v = e.value == .max ? payloadOffset : e.value   // .max: "where the payload starts"
            if e.type == 3 { u16(UInt16(v)); u16(0) } else { u32(v) }
        }
        u32(0)
        d.append(contentsOf: payload)
        return d
    }

    func assertRefused(_ data: Data, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = try temporaryFolder(self).appendingPathComponent("hostile.tif")
        try data.write(to: url)
        XCTAssertThrowsError(try ImageFile.read(url), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(url.path), "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(fragment), "'\(error)' should mention '\(fragment)'", file: file, line: line)
        }
        XCTAssertThrowsError(try ImageFile.decode(data, name: "body"), file: file, line: line)
    }

    func testTilesFarLargerThanTheImage() throws {
        // 16×16 pixels in 1048576×1048576 tiles: libtiff's tile size is 2⁴⁰ bytes.
        try assertRefused(Self.tiff([(256, 4, 16), (257, 4, 16), (258, 3, 8), (259, 3, 1), (262, 3, 1), (277, 3, 1),
                                     (322, 4, 1 << 20), (323, 4, 1 << 20), (324, 4, .max), (325, 4, 64)]), "tiles for a 16×16 image")
    }

    func testSamplesPerPixelCountAgainstTheCap() throws {
        // 8192×8192 pixels of 64 samples each: 2³² samples, 16 GiB as floats.
        try assertRefused(Self.tiff([(256, 4, 8192), (257, 4, 8192), (258, 3, 8), (259, 3, 1), (262, 3, 1), (277, 3, 64),
                                     (273, 4, .max), (278, 4, 8192), (279, 4, 64)]), "64 samples")
    }

    func testNonFiniteFloatSamplesAreRefused() throws {
        for bad: Float in [.nan, .infinity, -.infinity] {
            var img = Image(width: 9, height: 7, channels: 1, format: .float32)
            for i in img.pixels.indices { img.pixels[i] = Float(i) / 3 }
            img.pixels[40] = bad
            let url = try temporaryFolder(self).appendingPathComponent("bad.tif")
            try ImageFile.write(img, to: url)
            XCTAssertThrowsError(try ImageFile.read(url)) { error in
                XCTAssertTrue("\(error)".contains("sample 40") && "\(error)".contains("not a finite number"), "\(error)")
                XCTAssertTrue("\(error)".contains(url.path), "\(error)")
            }
        }
        // Finite floats still read exactly.
        var ok = Image(width: 9, height: 7, channels: 1, format: .float32)
        for i in ok.pixels.indices { ok.pixels[i] = Float(i) / 3 - 5 }
        let url = try temporaryFolder(self).appendingPathComponent("ok.tif")
        try ImageFile.write(ok, to: url)
        XCTAssertEqual(try ImageFile.read(url).pixels, ok.pixels)
    }
}
