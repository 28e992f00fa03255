import Datasets
import Engine
import Foundation
import NN
import Support

/// Why a bundle could not be written or read. Every message names the bundle and says what to do.
public enum BundleError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case missingFile(bundle: String, file: String)
    case damagedInfo(bundle: String, reason: String)
    case unsupportedFormat(bundle: String, format: Int, supported: Int)
    case unknownArchitecture(bundle: String, name: String, known: [String])
    case damagedWeights(bundle: String, reason: String)
    case weightsChanged(bundle: String)
    case incompatible(bundle: String, reason: String)
    case write(bundle: String, reason: String)

    public var description: String {
        switch self {
        case let .notFound(p):
            return "model bundle \(p) not found (expected a NAME.cellphase folder written by `cellphase train`)"
        case let .missingFile(b, f):
            return "model bundle \(b) is incomplete: \(f) is missing"
        case let .damagedInfo(b, r):
            return "model bundle \(b): bundle.json is damaged or not a cellphase bundle (\(r))"
        case let .unsupportedFormat(b, f, s):
            return "model bundle \(b) has format \(f), this cellphase (\(CellphaseVersion.current)) reads format ≤ \(s); update cellphase"
        case let .unknownArchitecture(b, n, k):
            return "model bundle \(b) names architecture '\(n)', which this cellphase does not know (known: \(k.joined(separator: ", ")))"
        case let .damagedWeights(b, r):
            return "model bundle \(b): model.safetensors is damaged (\(r))"
        case let .weightsChanged(b):
            return "model bundle \(b): model.safetensors does not match the checksum in bundle.json (modified or truncated)"
        case let .incompatible(b, r):
            return "model bundle \(b) does not fit its architecture: \(r)"
        case let .write(b, r):
            return "cannot write model bundle \(b): \(r)"
        }
    }
}

/// A trained model on disk: a folder `NAME.cellphase/` with `model.safetensors` (every weight and batch-norm
/// statistic, by dotted name) and `bundle.json` (`BundleInfo`: architecture and options, class names, input size,
/// channels, preprocessing, augmentation, data provenance, seed, training summary, test metrics, version, and the
/// weights' SHA-256).
///
/// Writing is atomic at every instant: the bundle is built and flushed in a temporary folder beside the destination,
/// which is then exchanged with any existing bundle in one step (`AtomicFile.replaceFolder`), so a reader — or a
/// process killed at any moment — finds the old bundle or the new one at the path, never neither and never a mix. Loading validates everything and refuses with
/// a `BundleError` naming the problem. Used by `cellphase train/evaluate/predict`, and by the SGAN and microscope
/// commands to load classifiers.
public enum ModelBundle {
    public static let weightsFile = "model.safetensors"
    public static let infoFile = "bundle.json"
    public static let fileExtension = "cellphase"

    /// Writes `model` with `info` (its parameter count and weights checksum are filled in) to `url`.
    @discardableResult
    public static func save(model: Module, info: BundleInfo, to url: URL) throws -> BundleInfo {
        let fm = FileManager.default
        let dest = url.standardizedFileURL
        let parent = dest.deletingLastPathComponent()
        let tmp = parent.appendingPathComponent(".\(dest.lastPathComponent).\(UUID().uuidString).tmp")
        var info = info
        do {
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            let weights = SafeTensors.encode(model.stateTensors(), metadata: ["format": "cellphase-bundle",
                                                                            "architecture": info.model.architecture])
            try weights.write(to: tmp.appendingPathComponent(weightsFile))
            info.parameterCount = model.parameterCount
            info.weightsSHA256 = ContentHash.sha256(weights)
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try e.encode(info).write(to: tmp.appendingPathComponent(infoFile))
        } catch {
            try? fm.removeItem(at: tmp)
            throw BundleError.write(bundle: dest.path, reason: "\(error)")
        }
        do { try AtomicFile.replaceFolder(at: dest, with: tmp) } catch let e as FileWriteError {
            try? fm.removeItem(at: tmp)
            throw BundleError.write(bundle: dest.path, reason: e.reason)
        }
        return info
    }

    /// Reads and validates only `bundle.json`.
    public static func info(at url: URL) throws -> BundleInfo {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else { throw BundleError.notFound(url.path) }
        let infoURL = url.appendingPathComponent(infoFile)
        guard fm.fileExists(atPath: infoURL.path) else { throw BundleError.missingFile(bundle: url.path, file: infoFile) }
        let data: Data
        do { data = try Data(contentsOf: infoURL) } catch {
            throw BundleError.damagedInfo(bundle: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try info(json: data, bundle: url.path)
    }

    /// Decodes and validates the bytes of a `bundle.json`; `bundle` names the bundle in errors.
    public static func info(json data: Data, bundle: String) throws -> BundleInfo {
        let info: BundleInfo
        do {
            // Check the format first, so a newer bundle says "update" rather than "damaged".
            if let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let f = obj["format"] as? Int, f > BundleInfo.formatVersion {
                throw BundleError.unsupportedFormat(bundle: bundle, format: f, supported: BundleInfo.formatVersion)
            }
            info = try JSONDecoder().decode(BundleInfo.self, from: data)
        } catch let e as BundleError {
            throw e
        } catch let DecodingError.keyNotFound(key, _) {
            throw BundleError.damagedInfo(bundle: bundle, reason: "key '\(key.stringValue)' missing")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            throw BundleError.damagedInfo(bundle: bundle, reason: "wrong value at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw BundleError.damagedInfo(bundle: bundle, reason: "not valid JSON")
        }
        guard info.format >= 1 else {
            throw BundleError.unsupportedFormat(bundle: bundle, format: info.format, supported: BundleInfo.formatVersion)
        }
        guard ModelRegistry.knows(info.model) else {
            let name = info.model.architecture == Ensemble.architecture
                ? "ensemble of \(info.model.options["members"] ?? "?") × \(info.model.options["member"] ?? "?")" : info.model.architecture
            throw BundleError.unknownArchitecture(bundle: bundle, name: name,
                                                  known: ModelRegistry.names + ["ensemble (of 2–8 of these)"])
        }
        guard info.classes.count == info.model.classes else {
            throw BundleError.incompatible(bundle: bundle, reason: "\(info.classes.count) class names for a \(info.model.classes)-class model")
        }
        guard info.preprocessing.side == info.model.inputSide else {
            throw BundleError.incompatible(bundle: bundle, reason: "preprocessing side \(info.preprocessing.side) ≠ model input \(info.model.inputSide)")
        }
        if let problem = rangeProblem(info) { throw BundleError.damagedInfo(bundle: bundle, reason: problem) }
        return info
    }

    /// The limits every value of `bundle.json` that sizes work or changes calls must keep (checked at load, before any
    /// allocation): input side, channels, class count and names, crop framing.
    public static let inputSides = 8...1024, channelCounts = 1...4, classCounts = 2...1000
    public static let bboxScales = 0.5...10.0, cropMinSides = 1...1024

    /// What in `info` is out of range, or nil.
    static func rangeProblem(_ info: BundleInfo) -> String? {
        let m = info.model
        guard inputSides.contains(m.inputSide) else { return "input side \(m.inputSide) is outside \(inputSides)" }
        guard channelCounts.contains(m.channels) else { return "\(m.channels) channels is outside \(channelCounts)" }
        guard classCounts.contains(m.classes) else { return "\(m.classes) classes is outside \(classCounts)" }
        guard !info.classes.contains(where: \.isEmpty), Set(info.classes).count == info.classes.count else {
            return "class names must be non-empty and distinct, got \(info.classes)"
        }
        for n in [info.preprocessing.normalization] + [info.preprocessing.absoluteIntensity].compactMap({ $0 }) {
            switch n {
            case let .percentile(l, h, _):
                guard l.isFinite, h.isFinite, 0 <= l, l < h, h <= 100 else { return "normalization percentiles \(l), \(h) are not 0 ≤ low < high ≤ 100" }
            case let .fixed(l, h, _):
                guard l.isFinite, h.isFinite, l < h else { return "normalization range \(l)…\(h) is not finite and increasing" }
            case .unit, .symmetric: break
            }
        }
        if case let .constant(v) = info.preprocessing.padding, !v.isFinite { return "padding value \(v) is not finite" }
        if let sigma = info.preprocessing.smoothing, !(sigma.isFinite && PreprocessSettings.smoothingRange.contains(sigma)) {
            return "preprocessing smoothing σ \(sigma) is outside \(PreprocessSettings.smoothingRange.lowerBound)–\(PreprocessSettings.smoothingRange.upperBound)"
        }
        if let c = info.calibration, !(c.temperature.isFinite && Calibration.temperatures.contains(c.temperature)) {
            return "calibration.temperature \(c.temperature) is outside \(Calibration.temperatures.lowerBound)–\(Calibration.temperatures.upperBound)"
        }
        guard info.parameterCount >= 0 else { return "parameter count \(info.parameterCount) is negative" }
        if let f = info.cropFraming {
            guard f.bboxScale.isFinite, bboxScales.contains(f.bboxScale) else {
                return "crop_framing.bbox_scale \(f.bboxScale) is outside \(bboxScales.lowerBound)–\(bboxScales.upperBound)"
            }
            guard cropMinSides.contains(f.minSide) else { return "crop_framing.min_side \(f.minSide) is outside \(cropMinSides)" }
        }
        return nil
    }

    /// Loads a bundle: validates `bundle.json`, rebuilds the architecture, checks the weights' checksum and loads
    /// every tensor (names and shapes must match exactly).
    public static func load(from url: URL) throws -> (model: Module, info: BundleInfo) {
        let info = try info(at: url)
        let weightsURL = url.appendingPathComponent(weightsFile)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw BundleError.missingFile(bundle: url.path, file: weightsFile)
        }
        let bytes: Data
        do { bytes = try Data(contentsOf: weightsURL) } catch {
            throw BundleError.damagedWeights(bundle: url.path, reason: "\(error)")
        }
        let contents: SafeTensors.Contents
        do { contents = try SafeTensors.decode(bytes, file: weightsURL.path) } catch {
            throw BundleError.damagedWeights(bundle: url.path, reason: "\(error)")
        }
        guard ContentHash.sha256(bytes) == info.weightsSHA256 else { throw BundleError.weightsChanged(bundle: url.path) }
        let model: Module
        do { model = try ModelRegistry.make(info.model, seed: 0) } catch {
            throw BundleError.incompatible(bundle: url.path, reason: "\(error)")
        }
        do { try model.loadState(contents, file: weightsURL.path) } catch {
            throw BundleError.incompatible(bundle: url.path, reason: "\(error)")
        }
        return (model, info)
    }
}
