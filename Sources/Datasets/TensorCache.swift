import Foundation
import Support

/// An on-disk cache of prepared tensors, one file per (files' content, preprocessing settings)
/// key, so a dataset is decoded once and later runs stream batches without decoding again.
/// Files are written atomically (temporary file + rename); unreadable cache files are ignored.
public struct TensorCache: Sendable {
    public let directory: URL
    static let magic: UInt32 = 0x4354_5043  // "CPTC"

    public init(directory: URL) { self.directory = directory }

    /// SHA-256 over the settings and the SHA-256 of every sample's files, in order.
    public static func key(for dataset: Dataset, settings: PreprocessSettings) throws -> String {
        let hashes: [String?] = Parallel.map(dataset.count) { i in
            var parts: [String] = []
            for f in dataset.samples[i].files {
                guard let d = try? Data(contentsOf: f) else { return nil }
                parts.append(ContentHash.sha256(d))
            }
            return parts.joined(separator: "+")
        }
        return ContentHash.sha256(lines: [settings.key] + hashes.enumerated().map { i, x in
            x ?? "missing:\(dataset.samples[i].files[0].path)"
        })
    }

    func url(_ key: String) -> URL { directory.appendingPathComponent("\(key).cptensor") }

    /// The cached tensors for `key`, or nil.
    func load(key: String, count: Int) -> (kept: [Int], channels: Int, data: [Float], problems: [DatasetProblem])? {
        guard let d = try? Data(contentsOf: url(key)), d.count >= 24 else { return nil }
        return d.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> (kept: [Int], channels: Int, data: [Float], problems: [DatasetProblem])? in
            var o = 0
            func u32() -> Int { defer { o += 4 }; return Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self))) }
            guard u32() == Int(TensorCache.magic) else { return nil }
            let n = u32(), c = u32(), side = u32(), pl = u32(), floats = n * c * side * side
            guard n <= count, d.count == 20 + 4 * n + pl + 4 * floats else { return nil }
            let kept = (0..<n).map { _ in u32() }
            guard let problems = try? JSONDecoder().decode([DatasetProblem].self, from: d.subdata(in: o ..< o + pl)) else { return nil }
            o += pl
            var data = [Float](repeating: 0, count: floats)
            data.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: b[o ..< o + 4 * floats])) }
            return (kept, c, data, problems)
        }
    }

    func store(key: String, kept: [Int], channels: Int, side: Int, data: [Float], problems: [DatasetProblem]) throws {
        let target = url(key)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var d = Data()
            func put(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { d.append(contentsOf: $0) } }
            let pj = try JSONEncoder().encode(problems)
            put(Int(TensorCache.magic)); put(kept.count); put(channels); put(side); put(pj.count)
            kept.forEach(put)
            d.append(pj)
            data.withUnsafeBytes { d.append(contentsOf: $0) }
            try AtomicFile.write(d, to: target)
        } catch let e as FileWriteError {
            throw DatasetError.cache(file: target.path, reason: e.reason)
        } catch {
            throw DatasetError.cache(file: target.path, reason: "\(error)")
        }
    }
}
