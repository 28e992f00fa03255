import Imaging
import XCTest

/// The eight symmetries of the square: exact permutations that form the group D4.
final class DihedralTests: XCTestCase {
    func transformed(_ t: Dihedral, _ plane: [Float], side: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: plane.count)
        plane.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { t.apply(src.baseAddress!, to: $0.baseAddress!, side: side) } }
        return out
    }

    func testTheEightTransformsAreDistinctPermutationsFormingTheGroup() {
        for side in [1, 2, 5, 8] {
            let plane = (0..<(side * side)).map(Float.init)
            let images = Dihedral.allCases.map { transformed($0, plane, side: side) }
            for img in images { XCTAssertEqual(img.sorted(), plane, "a permutation of the pixels (side \(side))") }
            if side >= 2 { XCTAssertEqual(Set(images.map { $0.map(Int.init) }).count, 8, "eight distinct images (side \(side))") }
            // Quarter turns compose: rotate90 twice is rotate180, four times the identity; a mirror twice is the identity.
            let r90 = transformed(.rotate90, plane, side: side)
            XCTAssertEqual(transformed(.rotate90, r90, side: side), images[Dihedral.rotate180.rawValue])
            XCTAssertEqual(transformed(.rotate180, transformed(.rotate180, plane, side: side), side: side), plane)
            XCTAssertEqual(transformed(.mirror, transformed(.mirror, plane, side: side), side: side), plane)
            XCTAssertEqual(transformed(.rotate90, transformed(.rotate270, plane, side: side), side: side), plane)
            // mirrorRotate90 is the mirror followed by the quarter turn.
            XCTAssertEqual(transformed(.rotate90, transformed(.mirror, plane, side: side), side: side), images[Dihedral.mirrorRotate90.rawValue])
        }
        // A counter-clockwise quarter turn of [[0, 1], [2, 3]] is [[1, 3], [0, 2]].
        XCTAssertEqual(transformed(.rotate90, [0, 1, 2, 3], side: 2), [1, 3, 0, 2])
        XCTAssertEqual(transformed(.mirror, [0, 1, 2, 3], side: 2), [1, 0, 3, 2])
    }
}
