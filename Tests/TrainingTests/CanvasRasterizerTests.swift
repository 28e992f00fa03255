import Foundation
import Imaging
import Models
@testable import Plot
import TestSupport
import Training
import XCTest

/// Canvases painted to pixels by librsvg and written as PNG: a real confusion matrix read back through the project's
/// PNG reader, text inside a box derived from its font size, embedded panels at their offsets, clear errors for
/// unknown colours.
final class CanvasRasterizerTests: XCTestCase {
    static func ink(_ px: SVGRender.Pixels) -> [(x: Int, y: Int)] {
        var out: [(x: Int, y: Int)] = []
        for y in 0..<px.height {
            for x in 0..<px.width {
                let p = px[x, y]
                if p.r != 255 || p.g != 255 || p.b != 255 { out.append((x, y)) }
            }
        }
        return out
    }

    func testConfusionMatrixPNGHasThePlotSizeAndTheCellColours() throws {
        let r = try EvaluationReport(truth: MetricFixtures.truth, predicted: MetricFixtures.predicted, classes: MetricFixtures.classes)
        let plot = ConfusionMatrixPlot(report: r)
        let canvas = plot.canvas()
        let dir = try temporaryFolder(self)
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
                // Near the cell's corner, away from its count and percentage.
                let x = Int(left + Double(j) * cell) + 6, y = Int(top + Double(i) * cell) + 6
                let got = CSSColor(r: UInt8(png[0, y, x]), g: UInt8(png[1, y, x]), b: UInt8(png[2, y, x]))
                XCTAssertEqual(got, want, "cell \(i),\(j) (\(v) of \(total))")
                seen.insert(got)
            }
        }
        XCTAssertGreaterThan(seen.count, 3, "the heat map uses several colours")
        XCTAssertEqual(n, r.classes.count)
        // Text is drawn: the title's ink lies in a box of its font size above the matrix (baseline y 24, 15 px bold).
        var dark = 0
        for y in (24 - 15)..<(24 + 5) {
            for x in Int(left)..<Int(left + cell * Double(n)) where png[0, y, x] < 128 { dark += 1 }
        }
        XCTAssertGreaterThan(dark, 40)
    }

    func testTextInkStaysInsideItsBoxAndRotatesAboutItsAnchor() throws {
        var c = SVGCanvas(width: 200, height: 200, title: "t")
        c.text("Hg ±5 %", x: 100, y: 60, size: 14, anchor: "middle", fill: "#000")
        let ink = Self.ink(try c.pixels())
        XCTAssertGreaterThan(ink.count, 30)
        // A generous box: ascent ≤ 1 em above the baseline, descent ≤ 0.4 em below, ≤ 0.7 em per character (7 of them).
        for p in ink {
            XCTAssertTrue(p.x >= 100 - 35 && p.x < 100 + 35 && p.y >= 60 - 14 && p.y < 60 + 6, "ink at (\(p.x), \(p.y))")
        }
        XCTAssertGreaterThan(Set(ink.map(\.x)).count, 30, "the text runs along x")
        // Rotated by −90° about (100, 150): the text runs upwards, between x = 100 − ascent and 100 + descent.
        var v = SVGCanvas(width: 200, height: 200, title: "v")
        v.text("Label", x: 100, y: 150, size: 12, anchor: "start", fill: "#000", rotate: -90)
        let vink = Self.ink(try v.pixels())
        XCTAssertGreaterThan(vink.count, 20)
        for p in vink {
            XCTAssertTrue(p.x >= 100 - 12 && p.x <= 100 + 5 && p.y >= 150 - 45 && p.y <= 151, "(\(p.x), \(p.y))")
        }
        XCTAssertGreaterThan(Set(vink.map(\.y)).count, 20, "the rotated text runs along y")
    }

    func testEmbeddedPanelsAreOffsetAndScaled() throws {
        var panel = SVGCanvas(width: 50, height: 50, title: "panel")
        panel.rect(x: 5, y: 5, width: 10, height: 10, fill: "rgb(0, 0, 255)")
        var c = SVGCanvas(width: 100, height: 80, title: "outer")
        c.embed(panel, dx: 20, dy: 30)
        let r = try c.pixels()
        XCTAssertEqual(r.width, 100); XCTAssertEqual(r.height, 80)
        XCTAssertEqual(Set(Self.ink(r).map { "\($0.x),\($0.y)" }),
                       Set((35..<45).flatMap { y in (25..<35).map { "\($0),\(y)" } }))
        let big = try c.pixels(scale: 2)
        XCTAssertEqual(big.width, 200)
        XCTAssertTrue(big[50, 70] == (0, 0, 255, 255), "\(big[50, 70])")
        XCTAssertTrue(big[49, 70] == (255, 255, 255, 255), "\(big[49, 70])")
    }

    func testEveryReportPlotPaints() throws {
        for (name, canvas) in try SVGCanvasTests.canvases() {
            let px = try canvas.pixels()
            XCTAssertEqual(px.width, Int(canvas.width.rounded(.up)), name)
            XCTAssertTrue(stride(from: 0, to: px.rgba.count, by: 4).contains { px.rgba[$0] < 100 }, "\(name) has dark ink")
        }
    }

    func testUnknownColourIsAClearError() {
        var c = SVGCanvas(width: 10, height: 10, title: "bad")
        c.rect(x: 0, y: 0, width: 5, height: 5, fill: "url(#gradient)")
        XCTAssertThrowsError(try c.pixels()) { error in
            XCTAssertTrue("\(error)".contains("url(#gradient)"), "\(error)")
            XCTAssertTrue("\(error)".contains("'bad'"), "\(error)")
        }
        XCTAssertThrowsError(try c.writePNG(to: URL(fileURLWithPath: "/tmp/never-written.png")))
    }
}
