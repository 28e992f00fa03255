import Foundation
import XCTest
import Imaging
import TestSupport
@testable import CellphaseKit

/// Canvases painted to pixels and written as PNG: a real confusion matrix read back through the project's PNG
/// reader, text inside its box, embedded panels at their offsets, clear errors for unknown colours.
final class CanvasRasterizerTests: XCTestCase {
    func testConfusionMatrixPNGHasThePlotSizeAndTheCellColours() throws {
        let r = try EvaluationReport(truth: MetricsTests.truth, predicted: MetricsTests.predicted, classes: MetricsTests.classes)
        let plot = ConfusionMatrixPlot(report: r)
        let canvas = plot.canvas()
        let dir = try temporaryDirectory()
        let svgURL = dir.appendingPathComponent("confusion.svg")
        try canvas.writeSVGAndPNG(to: svgURL)
        XCTAssertEqual(try String(contentsOf: svgURL, encoding: .utf8), plot.svg())
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), ["confusion.svg", "confusion.png"],
                       "no temporary file left behind")
        let png = try PNGCodec.read(dir.appendingPathComponent("confusion.png"))
        XCTAssertEqual(png.width, Int(canvas.width.rounded(.up))); XCTAssertEqual(png.height, Int(canvas.height.rounded(.up)))
        XCTAssertEqual(png.channels, 3); XCTAssertEqual(png.format, .uint8)
        // The layout ConfusionMatrixPlot uses for 4 classes with one-letter names.
        let n = 4, cell = 72.0, left = 40 + 14.0 + 7, top = 50.0
        var seen = Set<CSSColor>()
        for (i, row) in r.confusion.enumerated() {
            let total = row.reduce(0, +)
            for (j, v) in row.enumerated() {
                let t = total == 0 ? 0 : Double(v) / Double(total)
                let want = try XCTUnwrap(CSSColor.parse(Palette.sequential(t)))
                // Just below the centre: between the count (baseline at the centre) and the percentage below it.
                let x = Int(left + (Double(j) + 0.5) * cell), y = Int(top + (Double(i) + 0.5) * cell) + 3
                let got = CSSColor(r: UInt8(png[0, y, x]), g: UInt8(png[1, y, x]), b: UInt8(png[2, y, x]))
                XCTAssertEqual(got, want, "cell \(i),\(j) (\(v) of \(total))")
                seen.insert(got)
            }
        }
        XCTAssertGreaterThan(seen.count, 3, "the heat map uses several colours")
        XCTAssertEqual(n, r.classes.count)
        // Text is drawn: the title's ink lies in its box above the matrix.
        let titleBox = BitmapFont.bounds("Confusion matrix", x: left + cell * Double(n) / 2, y: 24, size: 15, anchor: "middle", bold: true)
        var dark = 0
        for y in Int(titleBox.y)..<Int(titleBox.y + titleBox.height) {
            for x in Int(titleBox.x)..<Int(titleBox.x + titleBox.width) where png[0, y, x] < 128 { dark += 1 }
        }
        XCTAssertGreaterThan(dark, 40)
    }

    func testTextInkStaysInsideItsBoxAndRotatesAboutItsAnchor() throws {
        var c = SVGCanvas(width: 200, height: 200, title: "t")
        c.text("Hg ±5 %", x: 100, y: 60, size: 14, anchor: "middle", fill: "#000")
        let r = try c.raster()
        let box = BitmapFont.bounds("Hg ±5 %", x: 100, y: 60, size: 14, anchor: "middle")
        let ink = RasterTests.ink(r)
        XCTAssertGreaterThan(ink.count, 30)
        for p in ink {
            XCTAssertTrue(Double(p.x) + 1 > box.x && Double(p.x) < box.x + box.width
                          && Double(p.y) + 1 > box.y && Double(p.y) < box.y + box.height, "ink at (\(p.x), \(p.y)) outside \(box)")
        }
        // Rotated by −90° about (100, 150): the text runs upwards, right of x = 100 − descent and left of 100 + cap height.
        var v = SVGCanvas(width: 200, height: 200, title: "v")
        v.text("Label", x: 100, y: 150, size: 12, anchor: "start", fill: "#000", rotate: -90)
        let vink = RasterTests.ink(try v.raster())
        XCTAssertGreaterThan(vink.count, 20)
        let w = BitmapFont.width("Label", size: 12)
        for p in vink {
            XCTAssertTrue(p.x >= 100 - 10 && p.x <= 100 + 2 && p.y >= Int(150 - w) - 1 && p.y <= 150, "(\(p.x), \(p.y))")
        }
    }

    func testEmbeddedPanelsAreOffsetAndScaled() throws {
        var panel = SVGCanvas(width: 50, height: 50, title: "panel")
        panel.rect(x: 5, y: 5, width: 10, height: 10, fill: "rgb(0, 0, 255)")
        var c = SVGCanvas(width: 100, height: 80, title: "outer")
        c.embed(panel, dx: 20, dy: 30)
        let r = try c.raster()
        XCTAssertEqual(r.width, 100); XCTAssertEqual(r.height, 80)
        XCTAssertEqual(Set(RasterTests.ink(r).map { "\($0.x),\($0.y)" }),
                       Set((35..<45).flatMap { y in (25..<35).map { "\($0),\(y)" } }))
        let big = try c.raster(scale: 2)
        XCTAssertEqual(big.width, 200); XCTAssertEqual(big.pixel(x: 50, y: 70), CSSColor(r: 0, g: 0, b: 255))
        XCTAssertEqual(big.pixel(x: 49, y: 70), .white)
    }

    func testEveryReportPlotPaints() throws {
        for (name, canvas) in try SVGCanvasTests.canvases() {
            let img = try canvas.pngImage()
            XCTAssertEqual(img.width, Int(canvas.width.rounded(.up)), name)
            XCTAssertTrue(img.pixels.contains { $0 < 100 }, "\(name) has dark ink")
        }
    }

    func testUnknownColourIsAClearError() {
        var c = SVGCanvas(width: 10, height: 10, title: "bad")
        c.rect(x: 0, y: 0, width: 5, height: 5, fill: "url(#gradient)")
        XCTAssertThrowsError(try c.raster()) { error in
            XCTAssertTrue("\(error)".contains("url(#gradient)"), "\(error)")
            XCTAssertTrue("\(error)".contains("'bad'"), "\(error)")
        }
    }
}
