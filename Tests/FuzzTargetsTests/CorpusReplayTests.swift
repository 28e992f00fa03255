import Foundation
import FuzzTargets
import XCTest

/// Every file of the fuzzers' corpus (`Fuzz/corpus/<target>/`: the seeds of scripts/fuzz-seeds, what the fuzzers
/// kept, and every crash they found) fed to its entry in the normal test suite: each must return — a trap here
/// fails the whole run — and the seeds must be accepted or refused as their names say.
final class CorpusReplayTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/corpus").standardizedFileURL

    func files(_ target: FuzzTarget) throws -> [URL] {
        let dir = Self.corpus.appendingPathComponent(target.rawValue)
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map { dir.appendingPathComponent($0) }
    }

    func testEveryCorpusFileReturns() throws {
        var total = 0
        for target in FuzzTarget.allCases {
            let urls = try files(target)
            XCTAssertGreaterThanOrEqual(urls.count, 4, "\(target.rawValue): corpus missing (run scripts/fuzz-seeds)")
            for url in urls {
                let t0 = Date()
                target.run(try Data(contentsOf: url))
                XCTAssertLessThan(Date().timeIntervalSince(t0), 10, "\(target.rawValue)/\(url.lastPathComponent) is slow")
                total += 1
            }
        }
        print("replayed \(total) corpus files")
    }

    /// Seeds named after what they hold: valid inputs accepted, hostile ones refused (with the reason the issue names).
    func testSeedsAreAcceptedOrRefusedAsNamed() throws {
        let accepted: [FuzzTarget: [String]] = [
            .image: ["u8-4x4.tif", "u16-6x5.tif", "f32-3x3.tif", "rgb-2x2.tif", "three-pages.tif", "deflate-16x16.tif",
                     "tiled-16x16.tif", "gray8-4x3.png", "gray16-2x2.png", "rgb-2x2.png"],
            .raw: ["u8-4x4", "u16-2x2-cells"], .multipart: ["two-crops"], .safetensors: ["valid"], .bundle: ["valid.json"],
            .rules: ["one.json", "array.json"],
        ]
        let refused: [FuzzTarget: [(String, String)]] = [
            .image: [("f32-nan.tif", "not a finite number"), ("f32-inf.tif", "not a finite number"), ("huge-tiles.tif", "tile"),
                     ("spp64-8192.tif", "samples"), ("huge-dims.tif", "TIFF"),
                     ("bomb-16384.tif", "more than cellphase reads"), ("huge-dims.png", "more than cellphase reads")],
            .raw: [("overflow-width", "too large"), ("overflow-square", "too large"), ("million-1x1-cells", "at most 4096"),
                   ("negative", "positive"), ("float32", "dtype")],
            .safetensors: [("overflow-shape", "larger than the file"), ("nan-weight", "NaN"), ("truncated", "truncated"),
                           ("header-too-long", "header")],
            .bundle: [("bbox-scale-1e9.json", "bbox_scale"), ("bbox-scale-negative.json", "bbox_scale"),
                      ("input-side-huge.json", "input side"), ("model-input-side-huge.json", "model input"), ("channels-huge.json", "channels"),
                      ("classes-huge.json", "class"), ("min-side-zero.json", "min_side"), ("percentiles-reversed.json", "percentiles")],
            .rules: [("unknown-class.json", "'mitosis'"), ("negative-max-events.json", "max_events"), ("huge-numbers.json", "not valid JSON")],
        ]
        let dir = Self.corpus
        for (target, names) in accepted {
            for name in names {
                let data = try Data(contentsOf: dir.appendingPathComponent("\(target.rawValue)/seed-\(name)"))
                XCTAssertNoThrow(try target.feed(data), "\(target.rawValue)/\(name)")
            }
        }
        for (target, cases) in refused {
            for (name, fragment) in cases {
                let data = try Data(contentsOf: dir.appendingPathComponent("\(target.rawValue)/seed-\(name)"))
                XCTAssertThrowsError(try target.feed(data), "\(target.rawValue)/\(name)") { error in
                    let text = "\(error) \(error.localizedDescription)"
                    XCTAssertTrue(fragment.isEmpty || text.contains(fragment), "\(target.rawValue)/\(name): '\(text)' should mention '\(fragment)'")
                }
            }
        }
    }
}
