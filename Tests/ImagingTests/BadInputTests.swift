import Foundation
import XCTest
import TestSupport
@testable import Imaging

/// Corrupt, truncated, missing and unsupported files give errors naming the file.
final class BadInputTests: XCTestCase {
    func testTruncatedTIFFIsCorrupt() throws {
        let dir = try temporaryFolder(self)
        let url = dir.appendingPathComponent("t.tif")
        try TIFFWriter.write(pattern(width: 128, height: 128, format: .uint16), to: url, compression: .lzw)
        let data = try Data(contentsOf: url)
        // Keep the header but cut the compressed data: IFD is written after the strips by libtiff,
        // so truncating anywhere past 8 bytes loses the directory or strips.
        for cut in [data.count / 2, data.count - 40, 12] {
            let bad = dir.appendingPathComponent("cut\(cut).tif")
            try data.prefix(cut).write(to: bad)
            XCTAssertThrowsError(try TIFFReader.read(bad)) { error in
                guard case .corrupt(let file, let reason)? = error as? ImagingError else { return XCTFail("\(error)") }
                XCTAssertEqual(file, bad.path); XCTAssertFalse(reason.isEmpty)
            }
        }
    }

    func testCorruptStripDataIsCorrupt() throws {
        let dir = try temporaryFolder(self)
        let url = dir.appendingPathComponent("c.tif")
        try TIFFWriter.write(pattern(width: 128, height: 128, format: .uint16), to: url, compression: .lzw)
        var bytes = [UInt8](try Data(contentsOf: url))
        for i in 8..<min(bytes.count - 400, 3000) { bytes[i] = 0xFF }  // garbage LZW codes
        let bad = dir.appendingPathComponent("garbage.tif")
        try Data(bytes).write(to: bad)
        XCTAssertThrowsError(try TIFFReader.read(bad)) { error in
            XCTAssertEqual((error as? ImagingError)?.file, bad.path)
        }
    }

    func testTruncatedPNGIsCorrupt() throws {
        let dir = try temporaryFolder(self)
        let url = dir.appendingPathComponent("p.png")
        try PNGCodec.write(pattern(width: 64, height: 64, format: .uint8), to: url)
        let data = try Data(contentsOf: url)
        let bad = dir.appendingPathComponent("cut.png")
        try data.prefix(data.count / 2).write(to: bad)
        XCTAssertThrowsError(try PNGCodec.read(bad)) { error in
            guard case .corrupt(let file, _)? = error as? ImagingError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, bad.path)
        }
    }

    func testMissingAndUnknownFiles() throws {
        let dir = try temporaryFolder(self)
        let missing = dir.appendingPathComponent("nope.tif")
        XCTAssertThrowsError(try ImageFile.read(missing)) { XCTAssertEqual($0 as? ImagingError, .cannotOpen(file: missing.path, reason: "no such file")) }
        let text = dir.appendingPathComponent("notes.txt")
        try Data("hello".utf8).write(to: text)
        XCTAssertThrowsError(try ImageFile.read(text)) { XCTAssertEqual($0 as? ImagingError, .unknownFormat(file: text.path)) }
        let fake = dir.appendingPathComponent("fake.tif")
        try Data("this is not a tiff at all".utf8).write(to: fake)
        XCTAssertThrowsError(try ImageFile.read(fake)) { XCTAssertEqual(($0 as? ImagingError)?.file, fake.path) }
    }

    func testUnsupportedBitDepthIsNamed() throws {
        // A 32-bit unsigned integer TIFF, built by hand: header + one IFD + 4 bytes of data.
        let dir = try temporaryFolder(self)
        let url = dir.appendingPathComponent("u32.tif")
        var b: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0]
        func entry(_ tag: UInt16, _ type: UInt16, _ value: UInt32) {
            b += withUnsafeBytes(of: tag.littleEndian, Array.init) + withUnsafeBytes(of: type.littleEndian, Array.init)
            b += withUnsafeBytes(of: UInt32(1).littleEndian, Array.init) + withUnsafeBytes(of: value.littleEndian, Array.init)
        }
        let entries = 8
        b += withUnsafeBytes(of: UInt16(entries).littleEndian, Array.init)
        let dataOffset = UInt32(8 + 2 + entries * 12 + 4)
        entry(256, 4, 1); entry(257, 4, 1); entry(258, 3, 32); entry(259, 3, 1); entry(262, 3, 1)
        entry(273, 4, dataOffset); entry(278, 4, 1); entry(279, 4, 4)
        b += [0, 0, 0, 0] + [1, 2, 3, 4]
        try Data(b).write(to: url)
        XCTAssertThrowsError(try TIFFReader.read(url)) { error in
            guard case .unsupported(let file, let reason)? = error as? ImagingError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, url.path); XCTAssertTrue(reason.contains("32-bit"), reason)
        }
    }
}
