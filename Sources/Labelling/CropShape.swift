import Foundation
import Imaging
import Segmentation

/// The blob features of one crop that the SGAN paper's pool analysis clusters (*Semi supervised GAN for smart
/// microscopy, fast and data efficient cell cycle classification*, section 3.1.2): Otsu threshold, connected
/// components, then the number of objects and the area, perimeter and fill ratio of the largest, plus its
/// intensity. Intensities are the crop's raw sample values (first channel), so bit depth and gain stay visible.
public struct CropShape: Sendable, Hashable, Codable {
    /// Objects of at least `minimumArea` pixels above the crop's Otsu threshold (8-connected).
    public var objects: Int
    /// Pixels of the largest object.
    public var area: Int
    /// Boundary length of the largest object (pixel edges).
    public var perimeter: Double
    /// The largest object's area over its bounding box's area, 0…1.
    public var fillRatio: Double
    /// Mean raw intensity of the largest object.
    public var meanIntensity: Double
    /// Sum of raw intensity over the largest object.
    public var integratedIntensity: Double

    /// Objects smaller than this (pixels) are noise and not counted.
    public static let minimumArea = 4

    /// Names of `vector`'s coordinates, in order.
    public static let featureNames = ["objects", "area", "perimeter", "fill_ratio", "mean_intensity", "log_integrated_intensity"]

    /// The features as numbers for clustering (integrated intensity on a log scale: it spans orders of magnitude).
    public var vector: [Double] {
        [Double(objects), Double(area), perimeter, fillRatio, meanIntensity, log1p(max(0, integratedIntensity))]
    }

    /// Measures a crop (its first channel). A flat crop has no threshold and gives zero objects.
    public static func measure(_ image: Image) -> CropShape {
        let plane = Array(image.pixels.prefix(image.planeSize))
        guard let t = Otsu.threshold(plane, bins: 256) else {
            return CropShape(objects: 0, area: 0, perimeter: 0, fillRatio: 0, meanIntensity: 0, integratedIntensity: 0)
        }
        let mask = plane.map { $0 > t ? UInt8(1) : 0 }
        let labels = ConnectedComponents.label(mask, width: image.width, height: image.height)
        let objects = ObjectFeatures.measure(labels, intensity: plane).filter { $0.area >= minimumArea }
        guard let big = objects.max(by: { $0.area < $1.area }) else {
            return CropShape(objects: 0, area: 0, perimeter: 0, fillRatio: 0, meanIntensity: 0, integratedIntensity: 0)
        }
        let box = Double(big.boundingBox.width * big.boundingBox.height)
        return CropShape(objects: objects.count, area: big.area, perimeter: big.perimeter,
                         fillRatio: box > 0 ? Double(big.area) / box : 0, meanIntensity: big.meanIntensity,
                         integratedIntensity: big.meanIntensity * Double(big.area))
    }
}
