import Foundation
import XCTest
@testable import CellphaseKit

/// The bitmap font: glyphs for printable ASCII, legible stand-ins for other characters, ink inside the text box.
final class BitmapFontTests: XCTestCase {
    func testPrintableASCIIHasGlyphsAndSpaceIsBlank() {
        XCTAssertEqual(BitmapFont.ascii.count, 95)
        for v in 0x21...0x7E {
            let g = BitmapFont.glyphs(String(Character(Unicode.Scalar(v)!)))
            XCTAssertEqual(g.count, 1)
            XCTAssertTrue(g[0].contains { $0 != 0 }, "glyph of U+\(String(v, radix: 16)) has ink")
        }
        XCTAssertEqual(BitmapFont.glyphs(" "), [[0, 0, 0, 0, 0, 0, 0, 0]])
        // "A": the apex (two pixels) on top, the crossbar (six pixels) on row 4.
        XCTAssertEqual(BitmapFont.glyphs("A")[0][0], 0x0C)
        XCTAssertEqual(BitmapFont.glyphs("A")[0][4], 0x3F)
    }

    func testNonASCIIDegradesLegibly() {
        let q = BitmapFont.glyphs("?")[0]
        XCTAssertNotEqual(BitmapFont.glyphs("±")[0], q); XCTAssertNotEqual(BitmapFont.glyphs("µ")[0], q)
        XCTAssertEqual(BitmapFont.glyphs("−"), BitmapFont.glyphs("-"), "minus sign drawn as hyphen")
        XCTAssertEqual(BitmapFont.glyphs("é"), BitmapFont.glyphs("e"), "accents dropped")
        XCTAssertEqual(BitmapFont.glyphs("…"), BitmapFont.glyphs("..."))
        XCTAssertEqual(BitmapFont.glyphs("漢"), [q], "unknown characters become ?")
        XCTAssertEqual(BitmapFont.glyphs("🧫").count, 1)
    }

    func testInkStaysInsideTheBoxForEveryAnchor() {
        let text = "Ag|y ± 92.5% µm"
        for anchor in ["start", "middle", "end"] {
            for bold in [false, true] {
                let box = BitmapFont.bounds(text, x: 100, y: 50, size: 13, anchor: anchor, bold: bold)
                let ink = BitmapFont.ink(text, x: 100, y: 50, size: 13, anchor: anchor, bold: bold)
                XCTAssertFalse(ink.isEmpty)
                for b in ink {
                    XCTAssertGreaterThanOrEqual(b.x, box.x - 1e-9); XCTAssertLessThanOrEqual(b.x + b.width, box.x + box.width + 1e-9)
                    XCTAssertGreaterThanOrEqual(b.y, box.y - 1e-9); XCTAssertLessThanOrEqual(b.y + b.height, box.y + box.height + 1e-9)
                }
                XCTAssertEqual(box.width, Double(text.count) * 0.6 * 13 + (bold ? 0.6 * 0.6 * 13 / 8 : 0), accuracy: 1e-9)
            }
        }
        let mid = BitmapFont.bounds("abcd", x: 100, y: 50, size: 10, anchor: "middle")
        XCTAssertEqual(mid.x + mid.width / 2, 100, accuracy: 1e-9)
        XCTAssertEqual(BitmapFont.bounds("abcd", x: 100, y: 50, size: 10, anchor: "end").x + 24, 100, accuracy: 1e-9)
        // Capitals sit on the baseline; descenders go below it.
        let cap = BitmapFont.ink("H", x: 0, y: 50, size: 14)
        XCTAssertEqual(cap.map { $0.y + $0.height }.max()!, 50, accuracy: 1e-9)
        XCTAssertGreaterThan(BitmapFont.ink("g", x: 0, y: 50, size: 14).map { $0.y + $0.height }.max()!, 50)
    }
}
