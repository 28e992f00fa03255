import Foundation
import XCTest
@testable import CellphaseKit

/// The rasteriser, pixel by pixel: rectangles cover exactly their pixels, strokes stay on their line, discs in
/// their radius, dashes leave gaps, alpha blends, edges are anti-aliased.
final class RasterTests: XCTestCase {
    static let red = CSSColor(r: 255, g: 0, b: 0)

    /// Pixels that are not the white background.
    static func ink(_ r: Raster) -> [(x: Int, y: Int)] {
        var out: [(x: Int, y: Int)] = []
        for y in 0..<r.height { for x in 0..<r.width where r.pixel(x: x, y: y) != .white { out.append((x, y)) } }
        return out
    }

    func testFilledRectCoversExactlyItsPixels() {
        var r = Raster(width: 40, height: 30)
        r.fillRect(x: 10, y: 5, width: 20, height: 8, color: Self.red)
        for y in 0..<30 {
            for x in 0..<40 {
                let inside = (10..<30).contains(x) && (5..<13).contains(y)
                XCTAssertEqual(r.pixel(x: x, y: y), inside ? Self.red : .white, "(\(x), \(y))")
            }
        }
    }

    func testHalfPixelEdgesAreAntiAliased() {
        var r = Raster(width: 10, height: 10)
        r.fillRect(x: 2.5, y: 2, width: 5, height: 6, color: .black)
        XCTAssertEqual(r.pixel(x: 2, y: 4), CSSColor(r: 0, g: 0, b: 0, a: 255).blendedForTest(over: .white, coverage: 0.5))
        XCTAssertEqual(r.pixel(x: 4, y: 4), .black)
        XCTAssertEqual(r.pixel(x: 1, y: 4), .white)
    }

    func testLinePixelsLieOnTheLine() {
        var r = Raster(width: 60, height: 60)
        let (x1, y1, x2, y2, w) = (5.0, 8.0, 52.0, 47.0, 2.0)
        r.strokeLine(x1: x1, y1: y1, x2: x2, y2: y2, lineWidth: w, color: .black)
        let ink = Self.ink(r)
        XCTAssertGreaterThan(ink.count, 50)
        let dx = x2 - x1, dy = y2 - y1, len = (dx * dx + dy * dy).squareRoot()
        for p in ink {
            // Distance from the pixel centre to the segment: at most half the width plus half a pixel diagonal.
            let cx = Double(p.x) + 0.5, cy = Double(p.y) + 0.5
            let t = max(0, min(1, ((cx - x1) * dx + (cy - y1) * dy) / (len * len)))
            let d = ((cx - x1 - t * dx) * (cx - x1 - t * dx) + (cy - y1 - t * dy) * (cy - y1 - t * dy)).squareRoot()
            XCTAssertLessThanOrEqual(d, w / 2 + 0.71, "pixel (\(p.x), \(p.y)) off the line")
        }
        // And the line is continuous: every column between the ends has ink.
        for x in 6..<52 { XCTAssertTrue(ink.contains { $0.x == x }, "gap at column \(x)") }
    }

    func testHorizontalLineOfWidthOneOnPixelCentres() {
        var r = Raster(width: 20, height: 10)
        r.strokeLine(x1: 2, y1: 4.5, x2: 18, y2: 4.5, lineWidth: 1, color: .black)
        for x in 0..<20 {
            for y in 0..<10 { XCTAssertEqual(r.pixel(x: x, y: y), (2..<18).contains(x) && y == 4 ? .black : .white, "(\(x), \(y))") }
        }
    }

    func testDashedPolylineLeavesGaps() {
        var r = Raster(width: 40, height: 5)
        r.strokePolyline([(0, 2.5), (20, 2.5), (40, 2.5)], lineWidth: 1, color: .black, dash: [6, 4])
        let row = (0..<40).map { r.pixel(x: $0, y: 2) == .black }
        XCTAssertEqual(row, (0..<40).map { $0 % 10 < 6 }, "6 on, 4 off, continued across the vertex")
    }

    func testCircleStaysInsideItsRadius() {
        var r = Raster(width: 30, height: 30)
        r.fillCircle(cx: 15, cy: 15, r: 6, color: Self.red)
        XCTAssertEqual(r.pixel(x: 15, y: 15), Self.red)
        for p in Self.ink(r) {
            let dx = Double(p.x) + 0.5 - 15, dy = Double(p.y) + 0.5 - 15
            XCTAssertLessThanOrEqual((dx * dx + dy * dy).squareRoot(), 6 + 0.71)
        }
        // Coverage (how far each pixel went from white to red) adds up to the disc's area, π·6².
        let covered = Self.ink(r).reduce(0.0) { $0 + 1 - Double(r.pixel(x: $1.x, y: $1.y).g) / 255 }
        XCTAssertEqual(covered, .pi * 36, accuracy: 1)
    }

    func testAlphaBlendsOverWhatIsBelow() {
        var r = Raster(width: 4, height: 4)
        r.fillRect(x: 0, y: 0, width: 4, height: 4, color: CSSColor(r: 0, g: 0, b: 255))
        r.fillRect(x: 0, y: 0, width: 2, height: 4, color: CSSColor(r: 255, g: 0, b: 0, a: 128))
        let p = r.pixel(x: 0, y: 0)
        XCTAssertEqual(p.r, 128); XCTAssertEqual(p.g, 0); XCTAssertEqual(p.b, 127)
        XCTAssertEqual(p.a, 255)
        XCTAssertEqual(r.pixel(x: 3, y: 0), CSSColor(r: 0, g: 0, b: 255))
        var t = Raster(width: 2, height: 2, background: .transparent)
        t.fillRect(x: 0, y: 0, width: 1, height: 1, color: CSSColor(r: 0, g: 0, b: 0, a: 128))
        XCTAssertEqual(t.pixel(x: 0, y: 0), CSSColor(r: 0, g: 0, b: 0, a: 128))
        XCTAssertEqual(t.image()[0, 0, 0], 127, "composited over white")
    }

    func testImageIsPlanarRGB() {
        var r = Raster(width: 3, height: 2)
        r.fillRect(x: 1, y: 1, width: 1, height: 1, color: CSSColor(r: 10, g: 20, b: 30))
        let img = r.image()
        XCTAssertEqual(img.channels, 3); XCTAssertEqual(img.width, 3); XCTAssertEqual(img.height, 2)
        XCTAssertEqual([img[0, 1, 1], img[1, 1, 1], img[2, 1, 1]], [10, 20, 30])
        XCTAssertEqual([img[0, 0, 0], img[1, 0, 0], img[2, 0, 0]], [255, 255, 255])
    }
}

extension CSSColor {
    /// This colour covering `coverage` of a pixel over `background` (what an anti-aliased edge should show).
    func blendedForTest(over background: CSSColor, coverage: Double) -> CSSColor {
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * coverage + Double(b) * (1 - coverage)).rounded()) }
        return CSSColor(r: mix(r, background.r), g: mix(g, background.g), b: mix(b, background.b))
    }
}
