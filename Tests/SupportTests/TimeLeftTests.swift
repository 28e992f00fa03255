import Foundation
import Support
import XCTest

/// The time-left estimate of long runs: linear in the pace so far, clear before the first unit and at the end.
final class TimeLeftTests: XCTestCase {
    func testEstimateFollowsThePaceSoFar() {
        let start = Date(timeIntervalSince1970: 1_000)
        let t = TimeLeft(total: 600, start: start)
        XCTAssertEqual(t.text(done: 0, now: start.addingTimeInterval(5)), "time left: estimating")
        XCTAssertEqual(t.text(done: 150, now: start.addingTimeInterval(300)), "≈ 15 min left")   // 2 s a unit, 450 to go
        XCTAssertEqual(t.text(done: 590, now: start.addingTimeInterval(590)), "≈ 10 s left")
        XCTAssertEqual(t.text(done: 600, now: start.addingTimeInterval(600)), "≈ 0 s left")
        XCTAssertEqual(t.text(done: 900, now: start.addingTimeInterval(600)), "≈ 0 s left", "done is capped at total")
        XCTAssertEqual(TimeLeft(total: 10, start: start).text(done: 1, now: start.addingTimeInterval(400)), "≈ 1 h 00 min left")
    }

    func testFormat() {
        XCTAssertEqual(TimeLeft.format(44.6), "45 s")
        XCTAssertEqual(TimeLeft.format(89), "89 s")
        XCTAssertEqual(TimeLeft.format(91), "2 min")
        XCTAssertEqual(TimeLeft.format(3_900), "1 h 05 min")
        XCTAssertEqual(TimeLeft.format(.nan), "?")
        XCTAssertEqual(TimeLeft.format(-1), "?")
    }
}
