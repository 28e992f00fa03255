import XCTest
@testable import Datasets

/// Stratification and group separation on synthetic label lists.
final class SplitTests: XCTestCase {
    let labels = (0..<300).map { $0 % 3 == 0 ? 0 : ($0 % 3 == 1 ? 1 : 2) } + Array(repeating: 2, count: 100)

    func testStratifiedFractions() {
        let s = Splitter.stratified(labels: labels, train: 0.7, validation: 0.15, test: 0.15, seed: 1)
        XCTAssertEqual((s.train + s.validation + s.test).sorted(), Array(labels.indices))
        XCTAssertEqual(s.test.filter { labels[$0] == 0 }.count, 15)
        XCTAssertEqual(s.test.filter { labels[$0] == 2 }.count, 30)
        XCTAssertEqual(s.train.filter { labels[$0] == 1 }.count, 70)
    }

    func testKFoldIsStratifiedAndBalanced() {
        let folds = Splitter.kFold(labels: labels, k: 4, seed: 2)
        XCTAssertEqual(folds.flatMap { $0 }.sorted(), Array(labels.indices))
        for f in folds {
            XCTAssertEqual(f.filter { labels[$0] == 0 }.count, 25)
            XCTAssertEqual(f.filter { labels[$0] == 2 }.count, 50)
        }
        XCTAssertNotEqual(folds, Splitter.kFold(labels: labels, k: 4, seed: 3))
        let cv = Splitter.crossValidation(folds)
        XCTAssertEqual(cv[1].train.count + cv[1].test.count, labels.count)
    }

    func testGroupsNeverStraddle() {
        let groups: [String?] = labels.indices.map { $0 % 7 == 0 ? nil : "g\($0 / 5)" }
        for seed in 0..<5 as Range<UInt64> {
            let folds = Splitter.kFold(labels: labels, groups: groups, k: 5, seed: seed)
            let owner = folds.enumerated().reduce(into: [String: Set<Int>]()) { d, f in
                for i in f.element { if let g = groups[i] { d[g, default: []].insert(f.offset) } }
            }
            XCTAssertTrue(owner.values.allSatisfy { $0.count == 1 })
            XCTAssertTrue(folds.allSatisfy { abs($0.count - 80) <= 5 })
        }
    }

    func testClassMappingSpecs() throws {
        let m = try ClassMapping(classes: nil, groupSpecs: ["mitosis=P,PM,M,A,T"], drop: "J")
        let (classes, index) = try m.resolve(["A", "I", "J", "M", "P", "PM", "T"])
        XCTAssertEqual(classes, ["I", "mitosis"])
        XCTAssertEqual(index["PM"]!, 1); XCTAssertNil(index["J"]!)
        let ordered = try ClassMapping(classes: "T,A,M", groupSpecs: [], drop: nil)
        XCTAssertEqual(try ordered.resolve(["A", "M", "T"]).classes, ["T", "A", "M"])
        XCTAssertThrowsError(try ordered.resolve(["A", "X"])) { XCTAssertEqual($0 as? DatasetError, .unknownClass(name: "X", known: ["T", "A", "M"])) }
        XCTAssertThrowsError(try ClassMapping(classes: nil, groupSpecs: ["nonsense"], drop: nil))
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(ContentHash.sha256(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(ContentHash.sha256([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(ContentHash.sha256(Array(String(repeating: "a", count: 1000).utf8)), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        XCTAssertEqual(ContentHash.sha256(lines: ["ab", "c"]), ContentHash.sha256(Array("ab\nc\n".utf8)))
        XCTAssertNotEqual(ContentHash.sha256(lines: ["ab", "c"]), ContentHash.sha256(lines: ["a", "bc"]))
    }
}
