import Foundation
import XCTest
import TestSupport
@testable import Imaging

/// Images written by the project's own TIFF and PNG writers read back bit-exactly.
final class CodecRoundTripTests: XCTestCase {
    func testTIFFVariantsRoundTrip() throws {
        let dir = try temporaryFolder(self)
        let cases: [(String, Image, TIFFCompression)] = [
            ("u16-lzw", pattern(width: 71, height: 53, format: .uint16), .lzw),
            ("u16-none", pattern(width: 33, height: 90, format: .uint16), .none),
            ("u8-packbits", pattern(width: 40, height: 41, format: .uint8), .packBits),
            ("u16-deflate", pattern(width: 64, height: 64, format: .uint16), .deflate),
            ("f32-lzw", pattern(width: 20, height: 17, format: .float32), .lzw),
            ("f32-deflate", pattern(width: 20, height: 17, format: .float32), .deflate),
            ("rgb8-lzw", pattern(width: 30, height: 22, channels: 3, format: .uint8), .lzw),
            ("rgb16-none", pattern(width: 30, height: 22, channels: 3, format: .uint16), .none),
            ("2ch16-lzw", pattern(width: 25, height: 19, channels: 2, format: .uint16), .lzw),
            ("tall-strips", pattern(width: 700, height: 300, format: .uint16), .lzw),
        ]
        for (name, img, compression) in cases {
            let url = dir.appendingPathComponent("\(name).tif")
            try TIFFWriter.write(img, to: url, compression: compression)
            let back = try TIFFReader.read(url)
            XCTAssertEqual(back, img, name)
            XCTAssertEqual(try ImageFile.read(url), img, name)
        }
    }

    func testMultiPageTIFF() throws {
        let url = try temporaryFolder(self).appendingPathComponent("stack.tif")
        let pages = (0..<4).map { pattern(width: 32, height: 24, format: .uint16, seed: UInt64($0)) }
        try TIFFWriter.write(pages: pages, to: url, compression: .lzw)
        XCTAssertEqual(try TIFFReader.pageCount(url), 4)
        XCTAssertEqual(try TIFFReader.readPages(url), pages)
        XCTAssertEqual(try TIFFReader.read(url), pages[0])
    }

    func testPNG8And16RoundTrip() throws {
        let dir = try temporaryFolder(self)
        for img in [pattern(width: 64, height: 48, format: .uint8), pattern(width: 31, height: 47, format: .uint16),
                    pattern(width: 12, height: 9, channels: 3, format: .uint8), pattern(width: 12, height: 9, channels: 3, format: .uint16)] {
            let url = dir.appendingPathComponent("x\(img.format)-\(img.channels).png")
            try PNGCodec.write(img, to: url)
            XCTAssertEqual(try PNGCodec.read(url), img)
            XCTAssertEqual(ImageFileFormat.detect(url), .png)
        }
    }

    func testPNGRefusesFloatAndFourChannels() throws {
        let dir = try temporaryFolder(self)
        XCTAssertThrowsError(try PNGCodec.write(pattern(width: 4, height: 4, format: .float32), to: dir.appendingPathComponent("f.png")))
        XCTAssertThrowsError(try PNGCodec.write(pattern(width: 4, height: 4, channels: 4, format: .uint8), to: dir.appendingPathComponent("c.png")))
    }
}
