import Foundation
import XCTest
import TestSupport
@testable import Imaging

/// Images decoded from bytes (HTTP bodies) equal the same images read from files; bad bytes throw.
final class MemoryDecodingTests: XCTestCase {
    func testTIFFAndPNGFromMemoryEqualFromFile() throws {
        let dir = try temporaryFolder(self)
        for (format, ext, compression) in [(PixelFormat.uint16, "tif", TIFFCompression.lzw), (.uint8, "tif", .none),
                                           (.float32, "tif", .lzw), (.uint16, "png", .none), (.uint8, "png", .none)] {
            let img = pattern(width: 37, height: 23, channels: ext == "png" ? 1 : 2, format: format)
            let url = dir.appendingPathComponent("p-\(format.rawValue)-\(compression).\(ext)")
            try ImageFile.write(img, to: url, compression: compression)
            let data = try Data(contentsOf: url)
            XCTAssertEqual(try ImageFile.decode(data), try ImageFile.read(url), "\(format) \(ext)")
            XCTAssertEqual(try ImageFile.decodePages(data).count, 1)
        }
    }

    func testRawSamples() throws {
        var d = Data()
        for v: UInt16 in [0, 1, 256, 65535, 4660, 7] { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        let img = try ImageFile.decodeRaw(d, width: 3, height: 2, format: .uint16)
        XCTAssertEqual(img.pixels, [0, 1, 256, 65535, 4660, 7])
        XCTAssertEqual(try ImageFile.decodeRaw(Data([1, 2, 3, 4]), width: 2, height: 2, format: .uint8).pixels, [1, 2, 3, 4])
        XCTAssertThrowsError(try ImageFile.decodeRaw(d, width: 4, height: 2, format: .uint16))
        XCTAssertThrowsError(try ImageFile.decodeRaw(d, width: 0, height: 2, format: .uint16))
    }

    func testCorruptBytesThrow() throws {
        let dir = try temporaryFolder(self)
        let url = dir.appendingPathComponent("x.tif")
        try ImageFile.write(pattern(width: 64, height: 64, format: .uint16), to: url)
        let good = try Data(contentsOf: url)
        for bad in [Data("II*\0garbage".utf8), good.prefix(good.count / 2), Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]), Data("hello".utf8), Data()] {
            XCTAssertThrowsError(try ImageFile.decode(bad, name: "body")) { e in
                XCTAssertTrue(e is ImagingError, "\(e)")
            }
        }
        // A header claiming an enormous image is refused before allocating it.
        var huge = good
        // Little-endian TIFF written by libtiff: find ImageWidth (256) entry and patch its value.
        let bytes = [UInt8](huge)
        let ifd = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        let n = Int(bytes[ifd]) | Int(bytes[ifd + 1]) << 8
        for e in 0..<n {
            let o = ifd + 2 + 12 * e
            let tag = Int(bytes[o]) | Int(bytes[o + 1]) << 8
            if tag == 256 || tag == 257 { huge.replaceSubrange((o + 8)..<(o + 12), with: [0xFF, 0xFF, 0x0F, 0x00]) }
        }
        XCTAssertThrowsError(try ImageFile.decode(huge, name: "body"))
    }
}
