import Foundation
import XCTest
@testable import Plot

/// librsvg through `SVGRender`, pixel by pixel: exact fills, lines on their pixels, anti-aliased text in real glyphs,
/// PNG headers, clear errors for malformed SVG, identical output from concurrent renders.
final class SVGRenderTests: XCTestCase {
    static func doc(_ w: Int, _ h: Int, _ body: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" viewBox="0 0 \(w) \(h)" font-family="Helvetica, Arial, sans-serif" role="img">
        <title>t</title>
        <rect x="0" y="0" width="\(w)" height="\(h)" fill="#ffffff"/>
        \(body)
        </svg>
        """
    }

    static func isWhite(_ p: (r: UInt8, g: UInt8, b: UInt8, a: UInt8)) -> Bool { p.r == 255 && p.g == 255 && p.b == 255 }

    static func ink(_ px: SVGRender.Pixels) -> [(x: Int, y: Int)] {
        var out: [(x: Int, y: Int)] = []
        for y in 0..<px.height { for x in 0..<px.width where !isWhite(px[x, y]) { out.append((x, y)) } }
        return out
    }

    func testFilledRectIsExactAndTheColourIsExact() throws {
        let px = try SVGRender.pixels(svg: Self.doc(40, 30, ##"<rect x="10" y="5" width="20" height="8" fill="#1f77b4"/>"##))
        XCTAssertEqual(px.width, 40); XCTAssertEqual(px.height, 30)
        for y in 0..<30 {
            for x in 0..<40 {
                let p = px[x, y], inside = (10..<30).contains(x) && (5..<13).contains(y)
                if inside { XCTAssertTrue(p.r == 0x1f && p.g == 0x77 && p.b == 0xb4 && p.a == 255, "(\(x),\(y)) \(p)") }
                else { XCTAssertTrue(Self.isWhite(p), "(\(x),\(y)) \(p)") }
            }
        }
    }

    func testLineOnPixelCentresAndScale() throws {
        let svg = Self.doc(20, 10, ##"<line x1="2" y1="4.5" x2="18" y2="4.5" stroke="#000" stroke-width="1"/>"##)
        let px = try SVGRender.pixels(svg: svg)
        for y in 0..<10 { for x in 0..<20 {
            let black = (2..<18).contains(x) && y == 4
            let p = px[x, y]
            XCTAssertTrue(black ? (p.r == 0 && p.g == 0 && p.b == 0) : Self.isWhite(p), "(\(x),\(y)) \(p)")
        } }
        let big = try SVGRender.pixels(svg: svg, scale: 2)
        XCTAssertEqual(big.width, 40); XCTAssertEqual(big.height, 20)
        XCTAssertEqual(big[10, 8].r, 0); XCTAssertEqual(big[10, 9].r, 0); XCTAssertEqual(big[10, 10].r, 255); XCTAssertEqual(big[10, 7].r, 255)
    }

    func testTextRendersAntiAliasedGlyphsInsideAGenerousBox() throws {
        // "Hg" at 20 px, anchored middle at (60, 40): ascent ≤ 0.95 em above the baseline, descent ≤ 0.3 em below.
        let px = try SVGRender.pixels(svg: Self.doc(120, 60, ##"<text x="60" y="40" font-size="20" text-anchor="middle" fill="#000">Hg</text>"##))
        let ink = Self.ink(px)
        XCTAssertGreaterThan(ink.count, 60)
        for p in ink { XCTAssertTrue(p.x >= 60 - 20 && p.x < 60 + 20 && p.y >= 40 - 19 && p.y < 40 + 6, "ink at \(p)") }
        // Anti-aliased: grey levels between black and white, not just two values.
        let greys = Set(ink.map { px[$0.x, $0.y].r }).filter { $0 > 20 && $0 < 235 }
        XCTAssertGreaterThan(greys.count, 5, "anti-aliased edges")
    }

    /// Real glyphs, not Pango's missing-glyph hex boxes (what you get, silently, when fontconfig finds no font):
    /// boxes all have the same width, real "WWWW" is much wider than "iiii".
    func testFontHasRealGlyphsNotBoxes() throws {
        func inkWidth(_ s: String) throws -> Int {
            let ink = Self.ink(try SVGRender.pixels(svg: Self.doc(300, 40, "<text x=\"10\" y=\"28\" font-size=\"20\" fill=\"#000\">\(s)</text>")))
            return (ink.map { $0.x }.max() ?? 0) - (ink.map { $0.x }.min() ?? 0)
        }
        let narrow = try inkWidth("iiii"), wide = try inkWidth("WWWW")
        XCTAssertGreaterThan(wide, narrow * 3, "iiii is \(narrow) px wide and WWWW \(wide) px: text is drawn as boxes — install fonts-dejavu-core")
    }

    func testBoldIsDarkerThanRegular() throws {
        func inkSum(_ weight: String) throws -> Int {
            let px = try SVGRender.pixels(svg: Self.doc(200, 40, "<text x=\"10\" y=\"28\" font-size=\"16\" fill=\"#000\"\(weight)>Confusion matrix</text>"))
            return stride(from: 0, to: px.rgba.count, by: 4).reduce(0) { $0 + 255 - Int(px.rgba[$1]) }
        }
        XCTAssertGreaterThan(try inkSum(" font-weight=\"bold\""), try inkSum("") * 11 / 10)
    }

    func testPNGIsRGBWithTheRightSize() throws {
        let data = try SVGRender.pngData(svg: Self.doc(33, 21, ""), scale: 1.5)
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        func be32(_ o: Int) -> Int { data[o..<o + 4].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual(be32(16), 50); XCTAssertEqual(be32(20), 32)   // ⌈33×1.5⌉ × ⌈21×1.5⌉
        XCTAssertEqual(data[24], 8); XCTAssertEqual(data[25], 2)     // bit depth 8, colour type 2 = RGB
        // Transparent pixels → RGBA (cairo writes RGB whenever every pixel is opaque, even from an ARGB32 surface).
        let clear = ##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="4" height="4" fill="red"/></svg>"##
        let rgba = try SVGRender.pngData(svg: clear, opaque: false)
        XCTAssertEqual(rgba[25], 6)                                   // RGBA
        let px = try SVGRender.pixels(svg: clear, opaque: false)
        XCTAssertTrue(px[1, 1] == (255, 0, 0, 255) && px[8, 8].a == 0, "\(px[1, 1]) \(px[8, 8])")
    }

    func testIntrinsicSize() throws {
        let s = try XCTUnwrap(try SVGRender.intrinsicSize(svg: Self.doc(123, 45, "")))
        XCTAssertEqual(s.width, 123); XCTAssertEqual(s.height, 45)
    }

    func testMalformedSVGIsAClearError() {
        XCTAssertThrowsError(try SVGRender.pixels(svg: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect</svg>")) { e in
            XCTAssertTrue("\(e)".contains("parsing SVG"), "\(e)")
        }
        XCTAssertThrowsError(try SVGRender.pixels(svg: Self.doc(10, 10, ""), scale: 0))
        XCTAssertThrowsError(try SVGRender.pixels(svg: Self.doc(10, 10, ""), scale: 10_000))
    }

    func testConcurrentRendersAgree() async throws {
        let svg = Self.doc(200, 60, ##"<text x="10" y="40" font-size="18" fill="#222">Concurrent ±5 %</text><line x1="0" y1="50" x2="200" y2="55" stroke="red"/>"##)
        let reference = try SVGRender.pixels(svg: svg)
        try await withThrowingTaskGroup(of: SVGRender.Pixels.self) { group in
            for _ in 0..<64 { group.addTask { try SVGRender.pixels(svg: svg) } }
            for try await p in group { XCTAssertEqual(p, reference) }
        }
    }
}
