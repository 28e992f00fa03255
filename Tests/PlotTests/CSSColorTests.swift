import Foundation
@testable import Plot
import XCTest

/// CSS colour strings as the plots write them parse to the right channels; anything else is refused.
final class CSSColorTests: XCTestCase {
    func testHexForms() {
        XCTAssertEqual(CSSColor.parse("#0072B2"), CSSColor(r: 0x00, g: 0x72, b: 0xB2))
        XCTAssertEqual(CSSColor.parse("#fde725"), CSSColor(r: 253, g: 231, b: 37))
        XCTAssertEqual(CSSColor.parse("#444"), CSSColor(r: 0x44, g: 0x44, b: 0x44))
        XCTAssertEqual(CSSColor.parse("#bbb"), CSSColor(r: 187, g: 187, b: 187))
        XCTAssertEqual(CSSColor.parse("#ff000080"), CSSColor(r: 255, g: 0, b: 0, a: 128))
        XCTAssertEqual(CSSColor.parse("#f008"), CSSColor(r: 255, g: 0, b: 0, a: 136))
        XCTAssertEqual(CSSColor.parse("#0072b2")?.description, "#0072b2")
    }

    func testFunctionalAndNamedForms() {
        XCTAssertEqual(CSSColor.parse("rgb(12, 34, 56)"), CSSColor(r: 12, g: 34, b: 56))
        XCTAssertEqual(CSSColor.parse("rgb(100%, 0%, 50%)"), CSSColor(r: 255, g: 0, b: 128))
        XCTAssertEqual(CSSColor.parse("rgba(0,0,255,0.5)"), CSSColor(r: 0, g: 0, b: 255, a: 128))
        XCTAssertEqual(CSSColor.parse(" White "), .white)
        XCTAssertEqual(CSSColor.parse("none")?.a, 0)
        XCTAssertEqual(CSSColor.parse("grey"), CSSColor(r: 128, g: 128, b: 128))
    }

    func testEveryPaletteColourParses() {
        for c in Palette.qualitative { XCTAssertNotNil(CSSColor.parse(c), c) }
        for t in stride(from: 0.0, through: 1.0, by: 0.05) {
            XCTAssertNotNil(CSSColor.parse(Palette.sequential(t)))
            XCTAssertNotNil(CSSColor.parse(Palette.textColor(onSequential: t)))
        }
    }

    func testMalformedColoursAreRefused() {
        for bad in ["", "#", "#12", "#12345", "#ggg", "rgb(1,2)", "rgb(a,b,c)", "chartreuse-ish", "url(#p)"] {
            XCTAssertNil(CSSColor.parse(bad), bad)
        }
    }
}
