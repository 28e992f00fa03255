import Foundation
import Imaging
@testable import Labelling
import Plot
import TestSupport
import XCTest

/// The whole pool analysis on blobs, its figures (SVG and PNG with the medoid thumbnails), and reading a pool with a
/// bad crop and a manifest row for a missing file.
final class PoolAnalysisTests: XCTestCase {
    func testBlobsGiveThreeClustersWithMembersAsMedoids() throws {
        let (points, truth) = KMeansTests.blobs()
        let a = try PoolAnalysis.run(features: points.map { [$0[0], $0[1], 7] }, names: ["x", "y", "constant"], k: 3, seed: 2)
        XCTAssertEqual(a.clusterSizes.sorted(), [30, 30, 30])
        XCTAssertGreaterThan(try XCTUnwrap(a.silhouette), 0.85)
        for (c, m) in a.medoids.enumerated() { XCTAssertEqual(a.clusters[m], c, "the medoid belongs to its cluster") }
        XCTAssertTrue(a.standardised.allSatisfy { $0[2] == 0 }, "a constant feature standardises to 0")
        XCTAssertEqual(a.explainedRatio.reduce(0, +), 1, accuracy: 1e-9, "two informative coordinates: all variance in 2 PCs")
        // Clusters follow the truth.
        for c in 0..<3 { XCTAssertEqual(Set(truth.indices.filter { a.clusters[$0] == c }.map { truth[$0] }).count, 1) }
        XCTAssertThrowsError(try PoolAnalysis.run(features: [[1]], names: ["x"], k: 1, seed: 0))
        XCTAssertThrowsError(try PoolAnalysis.run(features: [[1], [2]], names: ["x"], k: 3, seed: 0))
    }

    func testFiguresCarryBarsPointsAndMedoidThumbnails() throws {
        let (points, _) = KMeansTests.blobs()
        let a = try PoolAnalysis.run(features: points, names: ["x", "y"], k: 3, seed: 2)
        // A crop per point: a bright square whose side grows with the point's index.
        let crops = points.indices.map { i -> Image in
            var img = Image(width: 20, height: 20, format: .uint16, fill: 50)
            for y in 2..<(4 + i % 14) { for x in 2..<(4 + i % 14) { img[0, y, x] = 4000 } }
            return img
        }
        let bars = PoolFigures.clusterSizes(a).render()
        XCTAssertEqual(bars.components(separatedBy: "class=\"bar\"").count - 1, 3)
        XCTAssertTrue(bars.contains(">30 (33%)<"), bars)
        let projection = try PoolFigures.projection(a, crops: crops)
        let svg = projection.render()
        XCTAssertEqual(svg.components(separatedBy: "<image").count - 1, 3, "one thumbnail per cluster")
        XCTAssertEqual(svg.components(separatedBy: "class=\"crop\"").count - 1, 90)
        XCTAssertTrue(svg.contains("href=\"data:image/png;base64,"))
        // The PNG twin paints the thumbnails: the first one's box holds both the bright square and the dark background.
        let px = try projection.pixels()
        let x0 = 70 + 380 + 30, y0 = 40
        var values = Set<UInt8>()
        for y in y0..<(y0 + 56) { for x in x0..<(x0 + 56) { values.insert(px[x, y].r) } }
        XCTAssertTrue(values.contains { $0 > 200 } && values.contains { $0 < 40 }, "thumbnail painted: \(values.sorted().prefix(5))…")
        let folder = try temporaryFolder(self)
        try projection.writeSVGAndPNG(to: folder.appendingPathComponent("projection.svg"))
        XCTAssertEqual(try PNGCodec.read(folder.appendingPathComponent("projection.png")).width, Int(projection.width))
    }

    func testPNGEncodingInMemoryRoundTrips() throws {
        var img = Image(width: 7, height: 5, format: .uint16, fill: 0)
        for i in 0..<35 { img.pixels[i] = Float(i * 1800) }
        let back = try PNGCodec.read(data: try PNGCodec.encode(img))
        XCTAssertEqual(back, img)
        XCTAssertThrowsError(try PNGCodec.encode(Image(width: 2, height: 2, format: .float32, fill: 0)))
    }

    func testPoolSkipsAnUnreadableCropAndAMissingFileNamingBoth() throws {
        let folder = try temporaryFolder(self)
        let crops = folder.appendingPathComponent("pool")
        try FileManager.default.createDirectory(at: crops.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for (i, name) in ["a.png", "sub/b.png"].enumerated() {
            try PNGCodec.write(Image(width: 8, height: 8, format: .uint8, fill: Float(10 * i)), to: crops.appendingPathComponent(name))
        }
        try Data("not a png".utf8).write(to: crops.appendingPathComponent("broken.png"))
        let pool = try CropPool.load(crops)
        XCTAssertEqual(pool.files.map(\.lastPathComponent), ["a.png", "b.png"])
        XCTAssertEqual(pool.problems.count, 1)
        XCTAssertTrue(pool.problems[0].contains("broken.png"), pool.problems[0])
        let manifest = folder.appendingPathComponent("pool.csv")
        try "path\npool/a.png\npool/gone.png\npool/sub/b.png\n".write(to: manifest, atomically: true, encoding: .utf8)
        let listed = try CropPool.load(manifest)
        XCTAssertEqual(listed.files.count, 2)
        XCTAssertTrue(listed.problems.contains { $0.contains("gone.png") }, "\(listed.problems)")
        XCTAssertThrowsError(try CropPool.load(folder.appendingPathComponent("nowhere")))
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: empty.appendingPathComponent("only.png"))
        XCTAssertThrowsError(try CropPool.load(empty)) { XCTAssertTrue("\($0)".contains("only.png"), "\($0)") }
    }
}
