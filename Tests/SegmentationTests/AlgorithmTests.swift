import Imaging
@testable import Segmentation
import Support
import XCTest

final class AlgorithmTests: XCTestCase {
    func randomMask(_ w: Int, _ h: Int, density: Double, seed: UInt64) -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        return (0..<(w * h)).map { _ in g.bernoulli(density) ? 1 : 0 }
    }

    /// Otsu on histograms whose answer can be checked by hand.
    func testOtsuHandChecked() throws {
        // Two spikes: any split between them is optimal; the middle of the tie is returned.
        let t1 = try XCTUnwrap(Otsu.threshold([Float](repeating: 10, count: 30) + [Float](repeating: 50, count: 70), bins: 40))
        XCTAssertEqual(t1, 30, accuracy: 1.01)
        // Values 0×3, 2×1, 10×4 (bins of width 1 over [0, 10]): splitting after 0 gives
        // ω₀ω₁Δμ² = (3/8)(5/8)(8.4)² = 16.5; after 2 gives (1/2)(1/2)(9.5)² = 22.6 → threshold in (2, 10].
        let h = Histogram(counts: [3, 0, 1, 0, 0, 0, 0, 0, 0, 4], lower: 0, upper: 10)
        let t2 = try XCTUnwrap(Otsu.threshold(h))
        XCTAssertGreaterThan(t2, 2); XCTAssertLessThanOrEqual(t2, 10)
        XCTAssertEqual(t2, 6, accuracy: 0.01, "middle of the tied splits 3…9")
        // Bimodal Gaussian-ish histogram over 16-bit values: threshold between the modes.
        var g = SeededGenerator(seed: 5)
        let vals = (0..<20000).map { i in Float(i % 4 == 0 ? 30000 + 800 * g.gaussian() : 2000 + 300 * g.gaussian()) }
        let t3 = try XCTUnwrap(Otsu.threshold(vals))
        XCTAssertGreaterThan(t3, 4000); XCTAssertLessThan(t3, 27000)
        let t4 = try XCTUnwrap(Otsu.thresholdLog(Histogram(vals, bins: 65536)))
        XCTAssertGreaterThan(t4, 3000); XCTAssertLessThan(t4, 27000)
        // No contrast → no threshold.
        XCTAssertNil(Otsu.threshold([Float](repeating: 7, count: 100)))
    }

    /// Brute-force labelling by flood fill, numbering in raster order of first pixel.
    func referenceLabels(_ m: [UInt8], _ w: Int, _ h: Int, eight: Bool) -> [Int32] {
        var l = [Int32](repeating: 0, count: w * h), next: Int32 = 0
        for s in 0..<(w * h) where m[s] != 0 && l[s] == 0 {
            next += 1; l[s] = next
            var stack = [s]
            while let p = stack.popLast() {
                for dy in -1...1 { for dx in -1...1 where (dx != 0 || dy != 0) && (eight || dx == 0 || dy == 0) {
                    let x = p % w + dx, y = p / w + dy
                    if x >= 0 && x < w && y >= 0 && y < h && m[y * w + x] != 0 && l[y * w + x] == 0 { l[y * w + x] = next; stack.append(y * w + x) }
                } }
            }
        }
        return l
    }

    func testConnectedComponentsMatchBruteForce() {
        for (i, (w, h)) in [(1, 1), (7, 5), (13, 17), (31, 9), (33, 33), (1, 19), (23, 1)].enumerated() {
            for density in [0.3, 0.5, 0.62] {
                let m = randomMask(w, h, density: density, seed: UInt64(i * 10) + UInt64(density * 100))
                for c in [Connectivity.four, .eight] {
                    let got = ConnectedComponents.label(m, width: w, height: h, connectivity: c)
                    let ref = referenceLabels(m, w, h, eight: c == .eight)
                    XCTAssertEqual(got.labels, ref, "\(w)×\(h) density \(density) \(c)")
                    XCTAssertEqual(got.count, Int(ref.max() ?? 0))
                }
            }
        }
    }

    /// Run-length components: the same objects, in the same order, as the pixel labelling.
    func testRunComponentsMatchPixelLabelling() {
        for (i, (w, h)) in [(1, 1), (7, 5), (13, 17), (31, 9), (33, 33), (1, 19), (23, 1), (200, 150)].enumerated() {
            for density in [0.3, 0.5, 0.62] {
                let m = randomMask(w, h, density: density, seed: 500 + UInt64(i * 10) + UInt64(density * 100))
                for c in [Connectivity.four, .eight] {
                    let ref = ConnectedComponents.label(m, width: w, height: h, connectivity: c)
                    let comps = RunComponents.components(mask: m, width: w, height: h, connectivity: c)
                    XCTAssertEqual(comps.count, ref.count, "\(w)×\(h) density \(density) \(c)")
                    var got = [Int32](repeating: 0, count: w * h)
                    for (k, comp) in comps.enumerated() {
                        for r in comp.runs { for x in Int(r.x0)..<Int(r.x1) { got[Int(r.y) * w + x] = Int32(k + 1) } }
                        XCTAssertEqual(comp.area, comp.runs.reduce(0) { $0 + Int($1.x1 - $1.x0) })
                    }
                    XCTAssertEqual(got, ref.labels, "\(w)×\(h) density \(density) \(c)")
                    // The plane form gives the same runs as the mask form.
                    let plane = m.map { Float($0) * 10 }
                    XCTAssertEqual(RunComponents.components(plane: plane, width: w, height: h, threshold: 5, connectivity: c).map(\.area),
                                   comps.map(\.area))
                }
            }
        }
    }

    /// The single-basin shortcut agrees with the full marker search: whenever it says one basin,
    /// the search finds exactly one marker (random blobs, one or several maxima).
    func testSingleBasinShortcutAgreesWithMarkerSearch() {
        var singles = 0, several = 0
        for seed in 0..<60 {
            var g = SeededGenerator(seed: 900 + UInt64(seed))
            let w = 40, h = 32
            var m = [UInt8](repeating: 0, count: w * h)
            for _ in 0..<(1 + seed % 3) {  // one to three overlapping discs
                let cx = 8 + g.int(below: 24), cy = 8 + g.int(below: 16), r = 4 + g.int(below: 5)
                for y in 1..<(h - 1) { for x in 1..<(w - 1) where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r { m[y * w + x] = 1 } }
            }
            let d2 = DistanceTransform.squared(m, width: w, height: h).map { Int32($0) }
            let order = d2.withUnsafeBufferPointer { db in m.withUnsafeBufferPointer { Markers.countingOrder(db.baseAddress!, mask: $0.baseAddress!, count: w * h) } }
            for c in [Connectivity.four, .eight] {
                let (_, k) = Markers.significantMaxima(d2.map { Float($0).squareRoot() }, mask: m, width: w, height: h,
                                                       minHeight: 1.5, minDistance: 6, connectivity: c, order: order)
                if Markers.hasSingleBasin(order, count: w * h, width: w, connectivity: c) {
                    XCTAssertEqual(k, 1, "seed \(seed) \(c)"); singles += 1
                } else if k > 1 { several += 1 }
            }
        }
        XCTAssertGreaterThan(singles, 10); XCTAssertGreaterThan(several, 5)
    }

    func testDistanceTransformMatchesBruteForce() {
        for (i, (w, h)) in [(1, 1), (9, 7), (15, 21), (37, 11), (1, 13), (29, 29)].enumerated() {
            for density in [0.5, 0.9, 0.98] {
                let m = randomMask(w, h, density: density, seed: 100 + UInt64(i) * 7 + UInt64(density * 100))
                let got = DistanceTransform.squared(m, width: w, height: h)
                let bg = (0..<(w * h)).filter { m[$0] == 0 }
                for p in 0..<(w * h) {
                    var best = Int.max
                    if m[p] == 0 { best = 0 } else {
                        for q in bg { let dx = p % w - q % w, dy = p / w - q / w; best = min(best, dx * dx + dy * dy) }
                    }
                    if best == Int.max { XCTAssertEqual(got[p], .infinity) } else {
                        XCTAssertEqual(got[p], Float(best), "\(w)×\(h) pixel \(p)")
                    }
                }
            }
        }
    }

    func testAdaptiveThresholdMatchesBruteForceMean() throws {
        let w = 19, h = 13
        var g = SeededGenerator(seed: 9)
        let plane = (0..<(w * h)).map { _ in Float(g.int(below: 1000)) }
        let win = 5, off: Float = -50
        let got = try AdaptiveThreshold.mask(plane, width: w, height: h, window: win, offset: off)
        for y in 0..<h { for x in 0..<w {
            var s = 0.0, n = 0.0
            for yy in max(0, y - 2)...min(h - 1, y + 2) { for xx in max(0, x - 2)...min(w - 1, x + 2) { s += Double(plane[yy * w + xx]); n += 1 } }
            XCTAssertEqual(got[y * w + x], Double(plane[y * w + x]) > s / n - Double(off) ? 1 : 0)
        } }
        XCTAssertThrowsError(try AdaptiveThreshold.mask(plane, width: w, height: h, window: 0, offset: 0))
    }

    func testSmoothingKeepsConstantsAndMass() {
        let w = 37, h = 23
        let c = Smoothing.gaussian([Float](repeating: 1234, count: w * h), width: w, height: h, sigma: 2)
        XCTAssertTrue(c.allSatisfy { abs($0 - 1234) < 0.05 })
        var spike = [Float](repeating: 0, count: w * h); spike[11 * w + 18] = 1000
        let s = Smoothing.gaussian(spike, width: w, height: h, sigma: 1.5)
        XCTAssertEqual(s.reduce(0, +), 1000, accuracy: 0.5)
        XCTAssertEqual(s.firstIndex(of: s.max()!), 11 * w + 18)
    }

    func testBackgroundCorrectionRemovesRamp() throws {
        let w = 300, h = 200
        var plane = [Float](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { plane[y * w + x] = 1000 + 3 * Float(x) + 2 * Float(y) } }
        for y in 90..<110 { for x in 140..<160 { plane[y * w + x] += 5000 } }
        let c = try BackgroundCorrection.blockMinimum(block: 64).apply(plane, width: w, height: h)
        // Raw corners differ by 1480; corrected, both are within the block-minimum bias (≤ ramp over a block).
        XCTAssertLessThan(c[10 * w + 10], 400); XCTAssertLessThan(c[190 * w + 290], 400)
        XCTAssertGreaterThan(c[100 * w + 150], 4700)
        XCTAssertThrowsError(try BackgroundCorrection.blockMinimum(block: 1).apply(plane, width: w, height: h))
    }

    func testPerimeterOfDiscIsClose() {
        let w = 61
        let m: [UInt8] = (0..<(w * w)).map { i in let dx = i % w - 30, dy = i / w - 30; return dx * dx + dy * dy <= 400 ? 1 : 0 }
        let o = ObjectFeatures.measure(ConnectedComponents.label(m, width: w, height: w), intensity: m.map(Float.init))
        XCTAssertEqual(o.count, 1)
        XCTAssertEqual(o[0].perimeter, 2 * Double.pi * 20, accuracy: 0.05 * 2 * Double.pi * 20)
        XCTAssertEqual(o[0].centroidX, 30, accuracy: 1e-9); XCTAssertEqual(o[0].boundingBox, BoundingBox(minX: 10, minY: 10, maxX: 50, maxY: 50))
    }
}

/// Non-finite samples (a float field with a NaN or ±∞ pixel) never reach an integer conversion: the histogram
/// counts them with its extreme bins over the finite range, and segmentation of such a field runs.
final class NonFiniteHistogramTests: XCTestCase {
    func testHistogramKeepsEverySampleAndTheFiniteRange() {
        var values = (0..<200_000).map { Float($0 % 1000) }
        values[5] = .nan; values[77] = .infinity; values[1234] = -.infinity
        let h = Histogram(values, bins: 100)
        XCTAssertEqual(h.lower, 0); XCTAssertEqual(h.upper, 999)
        XCTAssertEqual(h.counts.reduce(0, +), values.count)
        XCTAssertEqual(h.bin(of: .infinity), 99); XCTAssertEqual(h.bin(of: -.infinity), 0); XCTAssertEqual(h.bin(of: .nan), 0)
        let allBad = Histogram([Float.nan, .infinity], bins: 8)
        XCTAssertEqual(allBad.counts.reduce(0, +), 2)
    }

    func testSegmentingAFieldWithNonFinitePixelsRuns() throws {
        var field = Image(width: 256, height: 256, channels: 1, format: .float32)
        for y in 0..<256 { for x in 0..<256 {
            let d = Float((x - 128) * (x - 128) + (y - 128) * (y - 128))
            field.pixels[y * 256 + x] = 100 + 900 * expf(-d / 800)
        } }
        field.pixels[3] = .nan; field.pixels[300] = .infinity
        let r = try NucleiSegmenter().segment(field)
        XCTAssertGreaterThanOrEqual(r.objects.count, 1)
    }
}
