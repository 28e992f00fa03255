@testable import Labelling
import XCTest

/// The silhouette coefficient against hand computations.
final class SilhouetteTests: XCTestCase {
    func testTwoPairsByHand() throws {
        // 0 and 11: a = 1, b = 10.5 → 9.5 / 10.5; 1 and 10: a = 1, b = 9.5 → 8.5 / 9.5.
        let s = try XCTUnwrap(Silhouette.score([[0], [1], [10], [11]], assignments: [0, 0, 1, 1]))
        XCTAssertEqual(s, (2 * 9.5 / 10.5 + 2 * 8.5 / 9.5) / 4, accuracy: 1e-12)
    }

    func testASingletonScoresZero() throws {
        // {0} alone: 0; 5: a = 1, b = 5 → 0.8; 6: a = 1, b = 6 → 5/6.
        let s = try XCTUnwrap(Silhouette.score([[0], [5], [6]], assignments: [0, 1, 1]))
        XCTAssertEqual(s, (0 + 0.8 + 5.0 / 6) / 3, accuracy: 1e-12)
    }

    func testUndefinedCasesGiveNil() {
        XCTAssertNil(Silhouette.score([[0], [1]], assignments: [0, 0]), "one cluster")
        XCTAssertNil(Silhouette.score([[0], [1]], assignments: [0, 1]), "one point per cluster")
        XCTAssertNil(Silhouette.score([[0], [1], [2]], assignments: [0, 1]), "lengths differ")
    }

    func testWellSeparatedBlobsScoreNearOneAndMixedLabelsNearZero() throws {
        let (points, truth) = KMeansTests.blobs()
        XCTAssertGreaterThan(try XCTUnwrap(Silhouette.score(points, assignments: truth)), 0.85)
        let shuffled = truth.indices.map { ($0 / 3) % 3 }  // each label holds every blob equally
        XCTAssertLessThan(abs(try XCTUnwrap(Silhouette.score(points, assignments: shuffled))), 0.1)
        // The sampled mean (every other point) stays close to the full one.
        let full = try XCTUnwrap(Silhouette.score(points, assignments: truth))
        XCTAssertEqual(try XCTUnwrap(Silhouette.score(points, assignments: truth, maxPoints: 45)), full, accuracy: 0.02)
    }
}
