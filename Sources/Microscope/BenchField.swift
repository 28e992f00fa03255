import Datasets
import Foundation
import Imaging
import Segmentation

/// The benchmark field of the SGAN paper's estimate (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*: ~28 s to classify a 2048×2048
/// field of ~250 cells at 109.7 ms per cell): real roboscope-zeiss crops placed by `SyntheticField`
/// on a noisy, unevenly lit 16-bit background.
public enum BenchField {
    /// Loads the crops of `fold` under `root` (`roboscope-zeiss/`), every class.
    public static func crops(root: URL, fold: String = "crossvalidation1_eq") throws -> [SourceCrop] {
        let folder = root.appendingPathComponent(fold)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw FieldError.badField("\(folder.path) not found: give --data the roboscope-zeiss folder (holding crossvalidation1_eq/<CLASS>/*.tif)")
        }
        let ds = try FolderLayout.load(folder)
        return try ds.samples.indices.map { i in
            let url = ds.samples[i].files[0]
            return SourceCrop(image: try ImageFile.read(url), className: ds.classes[ds.labels[i]], file: url)
        }
    }

    /// A `side × side` field with about `cells` nuclei.
    public static func make(root: URL, side: Int = 2048, cells: Int = 250, seed: UInt64 = 1) throws -> SyntheticField {
        var o = SyntheticFieldOptions()
        o.width = side; o.height = side; o.count = cells; o.seed = seed
        return try SyntheticField.generate(sources: try crops(root: root), options: o)
    }

    /// Raw little-endian uint16 bytes of a 16-bit field (what a hook sends from a numpy frame).
    public static func rawUInt16(_ image: Image) -> Data {
        var d = Data(count: image.planeSize * 2)
        d.withUnsafeMutableBytes { b in
            for i in 0..<image.planeSize {
                b.storeBytes(of: UInt16(max(0, min(65535, image.pixels[i].rounded()))).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        }
        return d
    }
}

/// Resident memory of this process (VmRSS of /proc/self/status), in MiB; nil off Linux.
public func residentMegabytes() -> Double? {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first
        return kb.map { $0 / 1024 }
    }
    return nil
}
