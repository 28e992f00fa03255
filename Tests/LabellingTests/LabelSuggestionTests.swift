@testable import Labelling
import XCTest

/// Suggestion strategies on synthetic probabilities and embeddings.
final class LabelSuggestionTests: XCTestCase {
    func testMarginAndEntropyRankTheUncertainFirst() throws {
        let p: [[Float]] = [[0.9, 0.1, 0], [0.5, 0.5, 0], [0.4, 0.35, 0.25], [1, 0, 0]]
        XCTAssertEqual(LabelSuggestion.margin(p[0]), 0.2, accuracy: 1e-6)
        XCTAssertEqual(LabelSuggestion.margin(p[1]), 1, accuracy: 1e-6)
        XCTAssertEqual(LabelSuggestion.entropy([1.0 / 3, 1.0 / 3, 1.0 / 3]), 1, accuracy: 1e-6)
        XCTAssertEqual(LabelSuggestion.entropy(p[3]), 0)
        let byMargin = try LabelSuggestion.pick(3, strategy: .margin, probabilities: p, embedding: nil)
        XCTAssertEqual(byMargin.map(\.index), [1, 2, 0])
        // Entropy prefers the three-way split over the two-way tie.
        let byEntropy = try LabelSuggestion.pick(4, strategy: .entropy, probabilities: p, embedding: nil)
        XCTAssertEqual(byEntropy.map(\.index), [2, 1, 0, 3])
        XCTAssertEqual(try LabelSuggestion.pick(10, strategy: .margin, probabilities: p, embedding: nil).count, 4, "no more than the pool")
    }

    func testDiverseSpreadsOverTheEmbedding() throws {
        // Ten equally uncertain crops in one tight group, one slightly less uncertain crop far away, one certain crop
        // farther still: margin takes three from the group, diverse one from the group and then the far uncertain one.
        var p = [[Float]](repeating: [0.5, 0.5], count: 10), e = (0..<10).map { [Double($0) * 0.01, 0] }
        p.append([0.6, 0.4]); e.append([5, 0])
        p.append([1, 0]); e.append([50, 0])
        XCTAssertEqual(try LabelSuggestion.pick(3, strategy: .margin, probabilities: p, embedding: e).map(\.index), [0, 1, 2])
        let diverse = try LabelSuggestion.pick(3, strategy: .diverse, probabilities: p, embedding: e).map(\.index)
        XCTAssertEqual(diverse.prefix(2), [0, 10])
        XCTAssertFalse(diverse.contains(11), "a certain crop is not worth labelling however far away")
        XCTAssertEqual(Set(diverse).count, 3)
    }

    func testRepresentativesAreOneMedoidPerClusterLargestFirst() throws {
        let (points, truth) = KMeansTests.blobs()
        // Drop 20 points of blob 2 so the clusters have sizes 30, 30, 10.
        let keep = points.indices.filter { truth[$0] != 2 || $0 < 30 }
        let picks = try LabelSuggestion.pick(3, strategy: .representative, probabilities: nil, embedding: keep.map { points[$0] })
        XCTAssertEqual(Set(picks.map { truth[keep[$0.index]] }), [0, 1, 2], "one crop from every blob")
        XCTAssertEqual(truth[keep[picks[2].index]], 2, "the smallest cluster last")
    }

    func testMissingInputsAreNamed() {
        XCTAssertThrowsError(try LabelSuggestion.pick(2, strategy: .margin, probabilities: nil, embedding: [[0], [1]])) {
            XCTAssertTrue("\($0)".contains("needs a model"), "\($0)")
        }
        XCTAssertThrowsError(try LabelSuggestion.pick(0, strategy: .margin, probabilities: [[1, 0]], embedding: nil))
        XCTAssertThrowsError(try LabelSuggestion.pick(1, strategy: .diverse, probabilities: [[1, 0]], embedding: [[0], [1]]))
    }
}
