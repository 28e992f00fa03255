import Foundation
import XCTest

/// Locates `shared/data` by walking up from this file (the package lives next to `shared/`).
func sharedData(_ name: String, file: String = #filePath) throws -> URL {
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

func temporaryDirectory(_ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("cellphase-datasets-\(name.filter(\.isLetter))-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
