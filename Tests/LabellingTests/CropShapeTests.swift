import Imaging
@testable import Labelling
import XCTest

/// The blob features of hand-made crops.
final class CropShapeTests: XCTestCase {
    func testRectangleAndSpeckByHand() {
        var img = Image(width: 32, height: 24, format: .uint16, fill: 100)
        for y in 5..<11 { for x in 4..<14 { img[0, y, x] = 1000 } }  // 10 × 6 rectangle
        for y in 18..<20 { for x in 25..<27 { img[0, y, x] = 1000 } }  // 2 × 2 speck: 4 px, counted
        img[0, 1, 30] = 1000  // one pixel: below the minimum area
        let s = CropShape.measure(img)
        XCTAssertEqual(s.objects, 2)
        XCTAssertEqual(s.area, 60)
        XCTAssertEqual(s.perimeter, 32 * Double.pi / 4, accuracy: 1e-9)  // 32 pixel edges, corrected by π/4 (ObjectFeatures)
        XCTAssertEqual(s.fillRatio, 1)
        XCTAssertEqual(s.meanIntensity, 1000)
        XCTAssertEqual(s.integratedIntensity, 60_000)
        XCTAssertEqual(s.vector.count, CropShape.featureNames.count)
    }

    func testDiskFillsItsAreaOverItsPixelBox() {
        var img = Image(width: 41, height: 41, format: .uint8, fill: 10)
        for y in 0..<41 { for x in 0..<41 where (x - 20) * (x - 20) + (y - 20) * (y - 20) <= 225 { img[0, y, x] = 200 } }
        let s = CropShape.measure(img)
        XCTAssertEqual(s.objects, 1)
        // π·15² pixels in a 31 × 31 box (the box counts the centre row and column).
        XCTAssertEqual(s.fillRatio, Double.pi * 225 / 961, accuracy: 0.01)
        XCTAssertEqual(s.meanIntensity, 200)
    }

    func testFlatCropHasNoObjects() {
        let s = CropShape.measure(Image(width: 16, height: 16, format: .uint16, fill: 300))
        XCTAssertEqual(s.objects, 0); XCTAssertEqual(s.area, 0)
    }
}
