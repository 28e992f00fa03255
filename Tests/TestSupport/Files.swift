import Foundation
import XCTest

/// Locates `shared/data/NAME` (the real datasets beside the repository) by walking up from the calling test file;
/// skips the test when it is absent.
public func sharedData(_ name: String, file: String = #filePath) throws -> URL {
    var dir = URL(fileURLWithPath: file).deletingLastPathComponent()
    while dir.path != "/" {
        for candidate in [dir.appendingPathComponent("shared/data"), dir.appendingPathComponent("../shared/data").standardized] {
            let url = candidate.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        dir = dir.deletingLastPathComponent()
    }
    throw XCTSkip("shared/data/\(name) not found")
}

/// A new, empty temporary folder named after the calling test, removed when the test ends.
public func temporaryFolder(_ test: XCTestCase, _ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("cellphase-\(name.filter(\.isLetter))-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
