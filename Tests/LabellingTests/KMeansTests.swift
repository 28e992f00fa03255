@testable import Labelling
import Support
import XCTest

/// k-means on cases whose answer is known: separable blobs, k = n, duplicates, seeded determinism, bad input.
final class KMeansTests: XCTestCase {
    /// Three Gaussian blobs 20 standard deviations apart, 30 points each.
    static func blobs(seed: UInt64 = 3) -> (points: [[Double]], truth: [Int]) {
        var g = SeededGenerator(seed: seed)
        let centres = [[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]]
        var points: [[Double]] = [], truth: [Int] = []
        for i in 0..<90 {
            let c = i % 3
            points.append([centres[c][0] + g.gaussian(), centres[c][1] + g.gaussian()]); truth.append(c)
        }
        return (points, truth)
    }

    func testSeparableBlobsAreFoundUpToRelabelling() throws {
        let (points, truth) = Self.blobs()
        let km = try KMeans.fit(points, k: 3, seed: 7)
        // Every true blob maps to exactly one cluster, and the three clusters differ.
        var mapping: [Int: Int] = [:]
        for (t, a) in zip(truth, km.assignments) {
            if let m = mapping[t] { XCTAssertEqual(m, a) } else { mapping[t] = a }
        }
        XCTAssertEqual(Set(mapping.values).count, 3)
        for (t, c) in mapping {
            let centre = [[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]][t]
            XCTAssertLessThan(squaredDistance(km.centroids[c], centre), 0.5, "centroid of blob \(t)")
        }
        XCTAssertEqual(try KMeans.fit(points, k: 3, seed: 7), km, "same seed, same clustering")
    }

    func testInertiaIsTheSumOfSquaredDistancesAndZeroWithOneClusterPerPoint() throws {
        let points: [[Double]] = [[0], [1], [10], [12]]
        let two = try KMeans.fit(points, k: 2, seed: 1)
        XCTAssertEqual(two.inertia, 0.25 + 0.25 + 1 + 1, accuracy: 1e-12)  // {0,1} around 0.5, {10,12} around 11
        XCTAssertEqual(try KMeans.fit(points, k: 4, seed: 1).inertia, 0)
        // Duplicates only: k-means++ runs out of distinct seeds and still returns k clusters without trapping.
        let same = try KMeans.fit([[1, 1], [1, 1], [1, 1]], k: 2, seed: 5)
        XCTAssertEqual(same.centroids.count, 2)
        XCTAssertEqual(same.inertia, 0)
    }

    func testBadInputIsRefused() {
        XCTAssertThrowsError(try KMeans.fit([], k: 1, seed: 0))
        XCTAssertThrowsError(try KMeans.fit([[0], [1]], k: 3, seed: 0)) { XCTAssertTrue("\($0)".contains("between 1 and"), "\($0)") }
        XCTAssertThrowsError(try KMeans.fit([[0], [.nan]], k: 1, seed: 0))
        XCTAssertThrowsError(try KMeans.fit([[0, 1], [1]], k: 1, seed: 0))
    }
}
