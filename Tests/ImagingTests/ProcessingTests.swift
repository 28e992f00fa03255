@testable import Imaging
import Support
import TestSupport
import XCTest

/// Resize, normalisation, augmentation and the contact sheet.
final class ProcessingTests: XCTestCase {
    func testResizeModes() {
        let img = pattern(width: 40, height: 80, format: .uint16)
        let s = img.squared(side: 64, mode: .stretch)
        XCTAssertEqual([s.width, s.height], [64, 64])
        let k = img.squared(side: 64, mode: .keepAspect, padding: .constant(7))
        XCTAssertEqual([k.width, k.height, k.channels], [64, 64, 1])
        XCTAssertEqual(k[0, 10, 0], 7); XCTAssertEqual(k[0, 10, 63], 7)   // padded columns
        XCTAssertNotEqual(k[0, 0, 32], 7)                                   // full height used
        XCTAssertEqual(k.format, .uint16)
        // Constant image stays constant under resampling; identity size is a no-op.
        let flat = Image(width: 33, height: 50, format: .uint8, fill: 99)
        XCTAssertTrue(flat.squared(side: 64).pixels.allSatisfy { abs($0 - 99) < 1e-3 })
        XCTAssertEqual(img.resized(width: 40, height: 80), img)
        // Upscaling a 2x1 ramp is monotone and within range.
        let ramp = Image(width: 2, height: 1, format: .uint8, pixels: [0, 100]).resized(width: 8, height: 1)
        XCTAssertEqual(ramp.pixels, ramp.pixels.sorted()); XCTAssertEqual(ramp.pixels.first, 0); XCTAssertEqual(ramp.pixels.last, 100)
    }

    func testPadModeKeepsPixelScale() {
        let img = pattern(width: 40, height: 80, format: .uint16)
        let p = img.squared(side: 64, mode: .pad, padding: .constant(7))
        XCTAssertEqual([p.width, p.height, p.channels], [64, 64, 1])
        // Columns: 40 wide centred at offset 12, so 0…11 and 52…63 are padding; rows: 80 centre-cropped from offset 8.
        for y in [0, 31, 63] {
            XCTAssertEqual(p[0, y, 11], 7); XCTAssertEqual(p[0, y, 52], 7)
            for x in [12, 30, 51] { XCTAssertEqual(p[0, y, x], img[0, y + 8, x - 12], "y \(y) x \(x)") }
        }
        // Same size: unchanged; odd difference: the extra pixel of padding goes after.
        XCTAssertEqual(pattern(width: 64, height: 64, format: .uint8).squared(side: 64, mode: .pad),
                       pattern(width: 64, height: 64, format: .uint8))
        let odd = Image(width: 3, height: 3, format: .uint8, fill: 5).squared(side: 6, mode: .pad, padding: .constant(0))
        XCTAssertEqual((0..<6).map { odd[0, 2, $0] }, [0, 5, 5, 5, 0, 0])
    }

    func testFixedRangeKeepsBrightnessDifferences() {
        let dim = Image(width: 2, height: 1, format: .uint16, pixels: [100, 300])
        let bright = Image(width: 2, height: 1, format: .uint16, pixels: [100, 900])
        let n = Normalization.fixed(low: 100, high: 1100, symmetric: false)
        XCTAssertEqual(dim.normalized(n).pixels, [0, 0.2]); XCTAssertEqual(bright.normalized(n).pixels, [0, 0.8])
        // Per-image percentiles make both the same; clipping outside the range; symmetric range.
        XCTAssertEqual(dim.normalized(.robustUnit).pixels, bright.normalized(.robustUnit).pixels)
        XCTAssertEqual(Image(width: 2, height: 1, format: .uint16, pixels: [0, 5000]).normalized(n).pixels, [0, 1])
        XCTAssertEqual(bright.normalized(.fixed(low: 100, high: 1100, symmetric: true)).pixels[1], 0.6, accuracy: 1e-6)
        XCTAssertEqual(n.description, "fixed(100.0,1100.0,unit)")
    }

    func testNormalisation() {
        let img = Image(width: 4, height: 1, format: .uint16, pixels: [0, 65535, 32767.5, 1000])
        XCTAssertEqual(img.normalized(.unit).pixels[1], 1)
        XCTAssertEqual(img.normalized(.symmetric).pixels[0], -1)
        XCTAssertEqual(img.normalized(.symmetric).pixels[2], 0, accuracy: 1e-6)
        let summed = img.normalized(.unit, summed: 2)
        XCTAssertEqual(summed.pixels[1], 0.5)
        var values = (0..<1000).map(Float.init); values[999] = 1e6  // a hot pixel
        let p = Image(width: 1000, height: 1, format: .uint16, pixels: values).normalized(.percentile(low: 1, high: 99, symmetric: true))
        XCTAssertEqual(p.pixels.min(), -1); XCTAssertEqual(p.pixels.max(), 1)
        XCTAssertEqual(p.pixels[500], 0.0, accuracy: 0.01)
        XCTAssertEqual(p.format, .float32)
    }

    func testAugmentationKeepsShapeRangeAndIsReproducible() {
        let img = pattern(width: 64, height: 64, channels: 2, format: .uint16).normalized(.symmetric)
        for seed in 0..<20 as Range<UInt64> {
            let a = img.augmented(.paper, seed: seed, range: -1...1)
            XCTAssertEqual([a.width, a.height, a.channels], [64, 64, 2])
            XCTAssertTrue(a.pixels.allSatisfy { $0 >= -1 && $0 <= 1 })
            XCTAssertEqual(a, img.augmented(.paper, seed: seed, range: -1...1))
        }
        XCTAssertNotEqual(img.augmented(.paper, seed: 1, range: -1...1), img.augmented(.paper, seed: 2, range: -1...1))
        XCTAssertEqual(img.augmented(.none, seed: 5, range: -1...1).pixels.map { ($0 * 1e4).rounded() },
                       img.pixels.map { ($0 * 1e4).rounded() })
    }

    func testAugmentationGeometry() {
        // A single bright pixel right of centre moves as the transform says.
        var img = Image(width: 9, height: 9, format: .float32, fill: 0)
        img[0, 4, 6] = 1
        var p = AugmentationParameters.identity
        p.flipHorizontal = true
        XCTAssertEqual(img.augmented(p, range: 0...1)[0, 4, 2], 1, accuracy: 1e-6)
        p = .identity; p.angleDegrees = 90
        let r = img.augmented(p, range: 0...1)
        XCTAssertEqual(r[0, 6, 4] + r[0, 2, 4], 1, accuracy: 1e-5)   // rotated onto the vertical axis
        p = .identity; p.brightness = 1.3
        XCTAssertEqual(img.augmented(p, range: 0...1)[0, 4, 6], 1)    // clamped at the top
        p = .identity; p.shiftX = 1.0 / 9
        XCTAssertEqual(img.augmented(p, border: .constant(0), range: 0...1)[0, 4, 7], 1, accuracy: 1e-5)
    }

    func testSeededGeneratorIsDeterministic() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in b.next() })
        var c = SeededGenerator(seed: 42, stream: 1), d = SeededGenerator(seed: 42, stream: 2)
        XCTAssertNotEqual(c.next(), d.next())
        var g = SeededGenerator(seed: 3)
        let s = g.shuffled(Array(0..<100))
        XCTAssertEqual(s.sorted(), Array(0..<100)); XCTAssertNotEqual(s, Array(0..<100))
    }

    func testContactSheet() throws {
        let tiles = (0..<3).map { pattern(width: 30 + $0, height: 20, format: .uint16, seed: UInt64($0)) }
        let sheet = ContactSheet.render(rows: [tiles, Array(tiles.prefix(2))], tile: 16, gap: 2)
        XCTAssertEqual(sheet.width, 3 * 18 + 2); XCTAssertEqual(sheet.height, 2 * 18 + 2)
        XCTAssertEqual(sheet.format, .uint8)
        XCTAssertEqual(sheet.extrema.max, 255)
        let url = try temporaryFolder(self).appendingPathComponent("sheet.png")
        try PNGCodec.write(sheet, to: url)
        XCTAssertEqual(try PNGCodec.read(url), sheet)
    }

    /// Percentiles by selection equal percentiles of the fully sorted values (ties, sizes around
    /// the insertion-sort cut-off, constant planes, the extremes).
    func testPercentilesBySelectionMatchSort() {
        var g = SystemRandomNumberGenerator()
        for n in [1, 2, 3, 15, 16, 17, 100, 4096, 9999] {
            for distinct in [2, 50, 65536] {
                let v = (0..<n).map { _ in Float(Int.random(in: 0..<distinct, using: &g)) }
                let sorted = v.sorted()
                for (a, b) in [(Float(1), Float(99.8)), (0, 100), (50, 50), (2, 98), (99.9, 100)] {
                    let (lo, hi) = Image.percentiles(v[...], a, b)
                    XCTAssertEqual(lo, Image.percentile(sorted, a), "n \(n) p \(a)")
                    XCTAssertEqual(hi, Image.percentile(sorted, b), "n \(n) p \(b)")
                }
            }
        }
    }
}
