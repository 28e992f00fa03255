import Datasets
import Foundation
import Imaging
@testable import Microscope
@testable import Models
import NN
@testable import Segmentation
import TestSupport
import XCTest

/// The crop framing recorded in bundles and used by the field analyzer.
final class CropFramingTests: XCTestCase {
    /// Crops cut from a field at a known framing measure back as that framing.
    func testMeasuredFramingMatchesHowCropsWereCut() throws {
        let field = try smallField(count: 16, side: 768, seed: 7)
        let seg = try NucleiSegmenter().segment(field.image)
        XCTAssertGreaterThanOrEqual(seg.objects.count, 14)
        for margin in [1.0, 1.5, 2.0] {
            let cropper = CropExtractor(size: .boundingBox(margin: margin, minSide: 16))
            let ratios = seg.objects.compactMap { CropFraming.ratio(of: cropper.crop(field.image, object: $0)) }.sorted()
            XCTAssertGreaterThanOrEqual(ratios.count, seg.objects.count - 1)
            let median = ratios[ratios.count / 2]
            print(String(format: "FRAMING cut at %.1f× → measured median %.2f", margin, median))
            XCTAssertEqual(median, margin, accuracy: 0.15 * margin, "cut at \(margin)×")
        }
        XCTAssertNil(CropFraming.ratio(of: Image(width: 32, height: 32, format: .uint16, fill: 700)), "no contrast, no framing")
    }

    /// The real roboscope-zeiss crops show their nucleus at about 1.2× its segmented bounding box (placed in a
    /// field, the analyzer's segmented box × 1.21 gives the source crops' side: FieldAnalyzerTests).
    func testRoboscopeTrainingCropsMeasureTheirFraming() throws {
        let root = try sharedData("roboscope-zeiss").appendingPathComponent("crossvalidation1_eq")
        let data = try PreparedDataset.prepare(try FolderLayout.load(root), settings: .gan)
        let framing = try XCTUnwrap(CropFraming.measure(data))
        print("FRAMING roboscope-zeiss fold 1: \(framing.bboxScale)× over \(framing.measuredCrops) crops")
        XCTAssertGreaterThan(framing.measuredCrops, 100)
        XCTAssertEqual(framing.bboxScale, 1.2, accuracy: 0.1)
    }

    /// A bundle's framing survives save and load and decides the analyzer's crops; a bundle
    /// without one (written before it was recorded) keeps the default.
    func testBundleFramingDrivesTheAnalyzersCrops() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings = PreprocessSettings(side: 32, normalization: .robustUnit)
        let config = ModelConfig(architecture: "lowdepth", inputSide: 32, classes: 2)
        for framing in [CropFraming(bboxScale: 1.3, minSide: 20, measuredCrops: 50), nil] {
            let info = BundleInfo(model: config, classes: ["interphase", "metaphase"], preprocessing: settings,
                                  augmentation: nil, data: nil, seed: 4, cropFraming: framing)
            let url = dir.appendingPathComponent("framing-\(framing == nil ? "none" : "set").cellphase")
            try ModelBundle.save(model: try ModelRegistry.make(config, seed: 4), info: info, to: url)
            let loaded = try Classifier.load(url.path)
            XCTAssertEqual(loaded.info.cropFraming, framing)
            let analyzer = FieldAnalyzer(classifier: loaded)
            if let framing {
                XCTAssertEqual(analyzer.cropper.size, .boundingBox(margin: framing.bboxScale, minSide: framing.minSide))
            } else {
                XCTAssertEqual(analyzer.cropper.size, FieldAnalyzer.defaultCropper.size)
            }
            // An explicit cropper still wins.
            XCTAssertEqual(FieldAnalyzer(classifier: loaded, cropper: CropExtractor(size: .fixed(40))).cropper.size, .fixed(40))
        }
    }
}
