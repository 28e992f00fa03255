import Foundation
@testable import Imaging
import Support
import XCTest

/// Cutout clears one square to the fill value, of the drawn size, in every plane alike, and repeats with the seed;
/// settings decode without it (every bundle written before it existed).
final class CutoutTests: XCTestCase {
    func cleared(_ cutout: Cutout, side: Int = 20, seed: UInt64) -> [Float] {
        var x = [Float](repeating: 1, count: 2 * side * side)
        var g = SeededGenerator(seed: seed)
        x.withUnsafeMutableBufferPointer { cutout.apply(to: $0, channels: 2, width: side, height: side, fill: -1, using: &g) }
        return x
    }

    func testOneSquareOfTheDrawnSizeInEveryPlane() {
        var sawWhole = false
        for seed in UInt64(1)...40 {
            let x = cleared(Cutout(side: 0.5...0.5), seed: seed)
            let plane0 = Array(x[0..<400]), plane1 = Array(x[400..<800])
            XCTAssertEqual(plane0, plane1, "every plane loses the same square")
            let ys = (0..<400).filter { plane0[$0] == -1 }
            XCTAssertFalse(ys.isEmpty)
            XCTAssertTrue(plane0.allSatisfy { $0 == -1 || $0 == 1 })
            // The cleared pixels form one rectangle of at most 10 × 10 (less where it runs off an edge).
            let rows = Set(ys.map { $0 / 20 }), cols = Set(ys.map { $0 % 20 })
            XCTAssertEqual(ys.count, rows.count * cols.count, "a rectangle")
            XCTAssertEqual(rows.max()! - rows.min()! + 1, rows.count)
            XCTAssertEqual(cols.max()! - cols.min()! + 1, cols.count)
            XCTAssertLessThanOrEqual(rows.count, 10); XCTAssertLessThanOrEqual(cols.count, 10)
            sawWhole = sawWhole || ys.count == 100
        }
        XCTAssertTrue(sawWhole, "a square away from the edges is the full 10 × 10")
        XCTAssertEqual(cleared(Cutout(side: 0...0), seed: 3), [Float](repeating: 1, count: 800), "side 0 clears nothing")
        XCTAssertEqual(cleared(.fixMatch, seed: 7), cleared(.fixMatch, seed: 7), "same seed, same square")
    }

    func testSettingsWithoutCutoutStillDecode() throws {
        var paper = try JSONDecoder().decode(AugmentationSettings.self, from: JSONEncoder().encode(AugmentationSettings.paper))
        XCTAssertNil(paper.cutout)
        XCTAssertEqual(paper, .paper)
        paper = try JSONDecoder().decode(AugmentationSettings.self, from: JSONEncoder().encode(AugmentationSettings.strong))
        XCTAssertEqual(paper.cutout, .fixMatch)
        XCTAssertEqual(paper.acquisition, .microscopes)
    }
}
