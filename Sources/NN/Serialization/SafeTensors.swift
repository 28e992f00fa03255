import Foundation
import Engine
import Support

/// Why a parameter file could not be read or applied; every message names the file and, where there is one,
/// the tensor.
public enum StateError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case truncated(file: String, reason: String)
    case corruptHeader(file: String, reason: String)
    case unsupportedDType(file: String, tensor: String, dtype: String)
    case missingTensor(file: String, tensor: String)
    case unexpectedTensor(file: String, tensor: String)
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    case nonFinite(file: String, tensor: String, index: Int)

    public var description: String {
        switch self {
        case let .unreadable(f, r): return "\(f): cannot read: \(r)"
        case let .truncated(f, r): return "\(f): truncated safetensors file: \(r)"
        case let .corruptHeader(f, r): return "\(f): corrupt safetensors header: \(r)"
        case let .unsupportedDType(f, t, d): return "\(f): tensor '\(t)' has unsupported dtype \(d)"
        case let .missingTensor(f, t): return "\(f): missing tensor '\(t)'"
        case let .unexpectedTensor(f, t): return "\(f): unexpected tensor '\(t)' (not in the model)"
        case let .shapeMismatch(f, t, e, found):
            return "\(f): tensor '\(t)' has shape \(found), the model expects \(e)"
        case let .nonFinite(f, t, i): return "\(f): tensor '\(t)' holds a NaN or infinite value (element \(i)); refusing the weights"
        }
    }
}

/// Reads and writes the safetensors format (huggingface/safetensors): an 8-byte little-endian header length N,
/// N bytes of UTF-8 JSON `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {…}}`
/// padded with spaces to a multiple of 8, then the raw little-endian tensor bytes (offsets relative to the data
/// section). We write F32; we read F32, F16, BF16 and F64 (converted to F32: ImageNet weights converted from timm
/// are often F16).
public enum SafeTensors {
    /// The tensors of a file, in file order, with its metadata.
    public struct Contents {
        public var tensors: [(name: String, tensor: Tensor)]
        public var metadata: [String: String]
        public subscript(_ name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }
        public var names: [String] { tensors.map(\.name) }
    }

    // MARK: Writing

    /// The bytes of a safetensors file holding `tensors` (F32) in the given order.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) -> Data {
        var entries: [String] = []
        if !metadata.isEmpty {
            let m = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            entries.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        var offset = 0
        var seen = Set<String>()
        for (name, t) in tensors {
            precondition(seen.insert(name).inserted && name != "__metadata__", "tensor name '\(name)' repeated")
            let bytes = t.count * 4
            entries.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for (_, t) in tensors {
            #if _endian(big)
            for i in 0..<t.count { withUnsafeBytes(of: t.data[i].bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            #else
            t.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
            #endif
        }
        return data
    }

    /// Writes a safetensors file atomically: to a temporary file in the same folder, then renamed over `url`.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
                             to url: URL) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata), to: url)
    }

    // MARK: Reading

    /// Parses the bytes of a safetensors file; `file` names it in errors.
    public static func decode(_ data: Data, file: String = "<memory>") throws -> Contents {
        guard data.count >= 8 else { throw StateError.truncated(file: file, reason: "\(data.count) bytes, no header length") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(data.count - 8) else {
            throw StateError.truncated(file: file, reason: "header of \(n) bytes but only \(data.count - 8) follow")
        }
        let headerStart = data.startIndex + 8, dataStart = headerStart + Int(n)
        let headerBytes = data[headerStart..<dataStart]
        guard let json = try? JSONSerialization.jsonObject(with: headerBytes),
              let dict = json as? [String: Any] else {
            throw StateError.corruptHeader(file: file, reason: "not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let m = dict["__metadata__"] {
            guard let m = m as? [String: Any] else {
                throw StateError.corruptHeader(file: file, reason: "__metadata__ is not an object")
            }
            for (k, v) in m {
                guard let s = v as? String else {
                    throw StateError.corruptHeader(file: file, reason: "__metadata__.\(k) is not a string")
                }
                metadata[k] = s
            }
        }
        let dataCount = data.count - 8 - Int(n)
        var entries: [(name: String, begin: Int, end: Int, dtype: String, shape: [Int])] = []
        for (name, value) in dict where name != "__metadata__" {
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String,
                  let shapeAny = e["shape"] as? [Any], let offsAny = e["data_offsets"] as? [Any], offsAny.count == 2
            else { throw StateError.corruptHeader(file: file, reason: "entry '\(name)' lacks dtype/shape/data_offsets") }
            guard let shape = ints(shapeAny), shape.allSatisfy({ $0 >= 0 }), let offs = ints(offsAny) else {
                throw StateError.corruptHeader(file: file, reason: "entry '\(name)' has a non-integer shape or offset")
            }
            guard let size = elementSize(dtype) else {
                throw StateError.unsupportedDType(file: file, tensor: name, dtype: dtype)
            }
            // The element count comes from the file: multiplied with overflow checks, and never beyond the data present.
            var bytes = size, overflow = false
            for d in shape where !overflow { (bytes, overflow) = bytes.multipliedReportingOverflow(by: d) }
            guard !overflow, bytes <= data.count else {
                throw StateError.corruptHeader(file: file, reason: "entry '\(name)': shape \(shape) is larger than the file")
            }
            let (begin, end) = (offs[0], offs[1])
            guard begin >= 0, end >= begin, end - begin == bytes else {
                throw StateError.corruptHeader(file: file, reason: "entry '\(name)': offsets [\(begin), \(end)] do "
                                               + "not hold \(shape) \(dtype)")
            }
            guard end <= dataCount else {
                throw StateError.truncated(file: file, reason: "tensor '\(name)' ends at byte \(end) of a "
                                           + "\(dataCount)-byte data section")
            }
            entries.append((name, begin, end, dtype, shape))
        }
        entries.sort { ($0.begin, $0.name) < ($1.begin, $1.name) }
        var tensors: [(name: String, tensor: Tensor)] = []
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + 8 + Int(n)
            for e in entries {
                tensors.append((e.name, convert(base + e.begin, dtype: e.dtype, shape: e.shape)))
            }
        }
        // A NaN or infinite weight makes every answer NaN: refused here, for bundles and imported weights alike.
        for (name, t) in tensors {
            if let i = t.withUnsafeBufferPointer({ $0.firstIndex { !$0.isFinite } }) {
                throw StateError.nonFinite(file: file, tensor: name, index: i)
            }
        }
        return Contents(tensors: tensors, metadata: metadata)
    }

    /// Reads a safetensors file.
    public static func read(from url: URL) throws -> Contents {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw StateError.unreadable(file: url.path, reason: "\(error.localizedDescription)")
        }
        return try decode(data, file: url.path)
    }

    // MARK: Helpers

    static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F32": return 4
        case "F16", "BF16": return 2
        case "F64": return 8
        default: return nil
        }
    }

    private static func ints(_ a: [Any]) -> [Int]? {
        var out: [Int] = []
        for v in a {
            guard let num = v as? NSNumber, let d = Double(exactly: num.doubleValue), d == d.rounded(),
                  abs(d) < 1e15 else { return nil }
            out.append(Int(d))
        }
        return out
    }

    private static func convert(_ p: UnsafeRawPointer, dtype: String, shape: [Int]) -> Tensor {
        let count = shape.elementCount
        var t = Tensor(uninitializedShape: shape)
        let o = t.mutableData()
        for i in 0..<count {
            switch dtype {
            case "F32":
                o[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            case "F64":
                o[i] = Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            case "BF16":
                let h = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                o[i] = Float(bitPattern: UInt32(h) << 16)
            default:  // F16
                o[i] = halfToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        }
        return t
    }

    /// IEEE 754 binary16 to Float (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let exp = Int((h >> 10) & 0x1F), frac = Float(h & 0x3FF)
        switch exp {
        case 0: return sign * frac * 0x1p-24
        case 31: return frac == 0 ? sign * .infinity : .nan
        default: return sign * (1 + frac / 1024) * Float(sign: .plus, exponent: exp - 15, significand: 1)
        }
    }
}

/// JSON string literal for `s`.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
