import Datasets
import Foundation
@testable import Labelling
import TestSupport
import XCTest

/// Label manifests: one row per crop, round trips, merging two labellers, bad rows named.
final class LabelManifestTests: XCTestCase {
    func testSetReplacesRemoveTakesBackAndTheFileRoundTrips() throws {
        var m = LabelManifest()
        XCTAssertNil(m.set(LabelRecord(path: "/a.tif", label: "M", labeller: "ann", time: "t1", predicted: "P", confidence: 0.61)))
        m.set(LabelRecord(path: "/b, with comma.tif", label: "I", labeller: "ann", time: "t2"))
        XCTAssertEqual(m.set(LabelRecord(path: "/a.tif", label: "A", labeller: "ann", time: "t3"))?.label, "M")
        XCTAssertEqual(m.count, 2)
        XCTAssertEqual(m.records.map(\.label), ["A", "I"], "a crop keeps its place when relabelled")
        let url = try temporaryFolder(self).appendingPathComponent("labels.csv")
        try m.write(to: url)
        XCTAssertEqual(try LabelManifest.read(url), m)
        XCTAssertEqual(m.remove(path: "/a.tif")?.label, "A")
        XCTAssertNil(m.remove(path: "/a.tif"))
        XCTAssertEqual(m.classCounts.map(\.label), ["I"])
        XCTAssertEqual(try LabelManifest.read(url.deletingLastPathComponent().appendingPathComponent("none.csv")).count, 0,
                       "a session not yet started")
    }

    func testMergeReportsDisagreementsAndResolvesThemByPolicy() {
        let a = LabelManifest(records: [LabelRecord(path: "1", label: "M", labeller: "ann", time: "2026-01-01T10:00:00Z"),
                                        LabelRecord(path: "2", label: "I", labeller: "ann", time: "2026-01-01T10:00:00Z"),
                                        LabelRecord(path: "3", label: "P", labeller: "ann", time: "2026-01-01T12:00:00Z")])
        let b = LabelManifest(records: [LabelRecord(path: "2", label: "I", labeller: "bo", time: "2026-01-01T11:00:00Z"),
                                        LabelRecord(path: "3", label: "PM", labeller: "bo", time: "2026-01-01T11:00:00Z"),
                                        LabelRecord(path: "1", label: "A", labeller: "bo", time: "2026-01-01T11:00:00Z"),
                                        LabelRecord(path: "4", label: "T", labeller: "bo", time: "2026-01-01T11:00:00Z")])
        let dropped = a.merged(with: b)
        XCTAssertEqual(dropped.disagreements.map(\.path), ["3", "1"])
        XCTAssertEqual(dropped.disagreements.first?.second.labeller, "bo")
        XCTAssertEqual(dropped.manifest.records.map(\.path), ["2", "4"])
        XCTAssertEqual(dropped.manifest.record(for: "2")?.labeller, "ann", "an agreement keeps the first record")
        let first = a.merged(with: b, policy: .first).manifest
        XCTAssertEqual(first.records.map(\.label), ["M", "I", "P", "T"])
        let latest = a.merged(with: b, policy: .latest).manifest
        XCTAssertEqual(latest.records.map(\.label), ["A", "I", "P", "T"], "1 was relabelled later by bo, 3 later by ann")
    }

    func testBadRowsAreNamedNotDropped() throws {
        let url = try temporaryFolder(self).appendingPathComponent("labels.csv")
        try "path,label,labeller,time,predicted,confidence\n/a.tif,M,ann,t,,\n/b.tif,,ann,t,,\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LabelManifest.read(url)) { e in
            XCTAssertEqual(e.localizedDescription, "\(url.path): row 2 has no path or no label")
        }
        try "path,label,confidence\n/a.tif,M,1.5\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LabelManifest.read(url)) { e in XCTAssertTrue(e.localizedDescription.contains("'1.5'")) }
        try "file,class\n/a.tif,M\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LabelManifest.read(url))
    }

    func testAManifestTrainsAsADatasetItsNotesAreNotChannels() throws {
        let folder = try temporaryFolder(self)
        let img = folder.appendingPathComponent("a.png")
        try Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==")!.write(to: img)
        let m = LabelManifest(records: [LabelRecord(path: img.path, label: "M", labeller: "ann", predicted: "P", confidence: 0.5)])
        let url = folder.appendingPathComponent("labels.csv")
        try m.write(to: url)
        let data = try Manifest.load(url)
        XCTAssertEqual(data.count, 1)
        XCTAssertEqual(data.samples[0].files, [img])
        XCTAssertEqual(data.classes, ["M"])
    }
}
