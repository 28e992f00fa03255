import Foundation
import XCTest
@testable import Microscope

final class EventRuleTests: XCTestCase {
    func object(_ id: Int, _ cls: String, _ conf: Float, x: Double = 100, y: Double = 100) -> ObjectResult {
        ObjectResult(id: id, centroidX: x, centroidY: y, bbox: [Int(x) - 5, Int(y) - 5, Int(x) + 5, Int(y) + 5], area: 80,
                     perimeter: 30, meanIntensity: 1000, touchesBorder: false, className: cls, confidence: conf,
                     probabilities: [conf, 1 - conf])
    }

    func testRulesFireExactlyWhenTheyShould() {
        let objs = [object(1, "M", 0.95), object(2, "M", 0.85), object(3, "I", 0.99), object(4, "A", 0.91, x: 900, y: 900)]
        // Class and confidence.
        XCTAssertEqual(EventRule(classes: ["M"], minConfidence: 0.9).matches(objs).map(\.id), [1])
        XCTAssertEqual(EventRule(classes: ["M"], minConfidence: 0.8).matches(objs).map(\.id), [1, 2])
        XCTAssertEqual(EventRule(classes: ["M"], minConfidence: 0.96).matches(objs).map(\.id), [])
        XCTAssertEqual(EventRule(classes: ["T"]).matches(objs).map(\.id), [])
        // Boundary: confidence equal to the threshold counts.
        XCTAssertEqual(EventRule(classes: ["M"], minConfidence: Double(Float(0.85))).matches(objs).map(\.id), [1, 2])
        // Class sets, most confident first.
        XCTAssertEqual(EventRule(classes: ["M", "A"], minConfidence: 0.9).matches(objs).map(\.id), [1, 4])
        // Minimum count: two confident metaphases needed, only one present → nothing.
        XCTAssertEqual(EventRule(classes: ["M"], minConfidence: 0.9, minCount: 2).matches(objs).map(\.id), [])
        XCTAssertEqual(EventRule(classes: ["M"], minConfidence: 0.8, minCount: 2).matches(objs).map(\.id), [1, 2])
        XCTAssertEqual(EventRule(classes: ["M"], minConfidence: 0.8, minCount: 3).matches(objs).map(\.id), [])
        // Region.
        let corner = PixelRegion(x: 800, y: 800, width: 200, height: 200)
        XCTAssertEqual(EventRule(classes: ["M", "A"], region: corner).matches(objs).map(\.id), [4])
        XCTAssertEqual(EventRule(classes: ["M"], region: corner).matches(objs).map(\.id), [])
        // Max events.
        XCTAssertEqual(EventRule(classes: ["M", "I", "A"], maxEvents: 2).matches(objs).map(\.id), [3, 1])
        // No objects, no events.
        XCTAssertTrue(EventEvaluator.events(rules: [EventRule(classes: ["M"])], objects: [], width: 10, height: 10, stage: nil).isEmpty)
    }

    func testEventsAreUseqMDAEventsWithStageCoordinates() throws {
        let objs = [object(7, "M", 0.97, x: 1023.5, y: 1023.5), object(8, "M", 0.93, x: 1123.5, y: 923.5)]
        let stage = StagePosition(x: 5000, y: -200, pixelSize: 0.65, z: 12)
        let events = EventEvaluator.events(rules: [EventRule(name: "meta", classes: ["M"], minConfidence: 0.9)], objects: objs,
                                           width: 2048, height: 2048, stage: stage, frame: 4, field: "f.tif")
        XCTAssertEqual(events.count, 2)
        XCTAssertEqual(events[0].xPos!, 5000, accuracy: 1e-9)   // the centre pixel is the stage position
        XCTAssertEqual(events[0].yPos!, -200, accuracy: 1e-9)
        XCTAssertEqual(events[1].xPos!, 5000 + 100 * 0.65, accuracy: 1e-9)
        XCTAssertEqual(events[1].yPos!, -200 - 100 * 0.65, accuracy: 1e-9)
        XCTAssertEqual(events[0].index, ["p": 0, "t": 4])
        XCTAssertEqual(events[1].index["p"], 1)
        let json = try JSONSerialization.jsonObject(with: FieldOutputs.jsonData(events[0])) as! [String: Any]
        XCTAssertEqual(Set(json.keys), ["index", "pos_name", "x_pos", "y_pos", "z_pos", "metadata"])
        let meta = (json["metadata"] as! [String: Any])["cellphase"] as! [String: Any]
        XCTAssertEqual(meta["class"] as? String, "M")
        XCTAssertEqual(meta["object_id"] as? Int, 7)
        XCTAssertEqual(meta["rule"] as? String, "meta")
        XCTAssertEqual(meta["pixel"] as? [Double], [1023.5, 1023.5])
        XCTAssertEqual((meta["confidence"] as! Double), 0.97, accuracy: 1e-6)
        // Without a stage position there are no stage coordinates.
        let bare = EventEvaluator.events(rules: [EventRule(classes: ["M"])], objects: objs, width: 2048, height: 2048, stage: nil)
        let bareJSON = try JSONSerialization.jsonObject(with: FieldOutputs.jsonData(bare[0])) as! [String: Any]
        XCTAssertNil(bareJSON["x_pos"])
        // Flipped camera axes.
        var flipped = stage; flipped.flipX = true; flipped.flipY = true
        let s = flipped.stage(px: 1123.5, py: 923.5, width: 2048, height: 2048)
        XCTAssertEqual(s.x, 5000 - 65, accuracy: 1e-9); XCTAssertEqual(s.y, -200 + 65, accuracy: 1e-9)
    }

    func testRulesLoadFromJSON() throws {
        let one = try EventRule.decode(Data(#"{"classes": ["M"], "min_confidence": 0.9}"#.utf8))
        XCTAssertEqual(one, [EventRule(name: "M", classes: ["M"], minConfidence: 0.9)])
        let many = try EventRule.decode(Data("""
        [{"name": "meta", "classes": ["M", "A"], "min_confidence": 0.8, "min_count": 2,
          "region": {"x": 0, "y": 0, "width": 1024, "height": 512}, "max_events": 3},
         {"classes": ["PM"]}]
        """.utf8))
        XCTAssertEqual(many.count, 2)
        XCTAssertEqual(many[0].minCount, 2)
        XCTAssertEqual(many[0].region, PixelRegion(x: 0, y: 0, width: 1024, height: 512))
        XCTAssertEqual(many[0].maxEvents, 3)
        XCTAssertEqual(many[1].minConfidence, 0)
        XCTAssertThrowsError(try EventRule.decode(Data(#"{"classes": ["M"], "min_confidence": 1.5}"#.utf8)))
        XCTAssertThrowsError(try EventRule.decode(Data(#"{"classes": []}"#.utf8)))
        XCTAssertThrowsError(try EventRule.decode(Data(#"{"classes": ["M"], "min_count": 0}"#.utf8)))
        XCTAssertThrowsError(try EventRule.decode(Data("not json".utf8)))
    }

    /// A rules file that names a class the model lacks, or holds values out of range, is refused naming the file.
    func testRulesFilesAreCheckedAgainstTheModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("rules.json")
        try Data(#"[{"classes": ["M"]}, {"name": "late", "classes": ["T", "mitosis"]}]"#.utf8).write(to: url)
        XCTAssertThrowsError(try EventRule.load(url, classes: ["I", "M", "T"])) { e in
            XCTAssertTrue(e.localizedDescription.contains(url.path), e.localizedDescription)
            XCTAssertTrue(e.localizedDescription.contains("'late'") && e.localizedDescription.contains("'mitosis'"), e.localizedDescription)
        }
        XCTAssertEqual(try EventRule.load(url, classes: ["I", "M", "T", "mitosis"]).count, 2)
        for bad in [#"{"classes": ["M"], "max_events": -1}"#, #"{"classes": ["M"], "region": {"x": 0, "y": 0, "width": -4, "height": 2}}"#,
                    #"{"classes": ["M"], "min_count": 1e300}"#, #"{"classes": "M"}"#] {
            try Data(bad.utf8).write(to: url)
            XCTAssertThrowsError(try EventRule.load(url, classes: ["M"]), bad) { e in
                XCTAssertTrue(e.localizedDescription.contains("rules file \(url.path) is not valid"), e.localizedDescription)
            }
        }
    }
}
