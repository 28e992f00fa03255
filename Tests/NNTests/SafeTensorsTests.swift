import Engine
import Foundation
@testable import NN
import Support
import TestSupport
import XCTest

final class SafeTensorsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryFolder(self)
    }

    func testRoundTripBitIdentical() throws {
        let net = Net(seed: 1)
        _ = net(Tape(training: true).constant(randomTensor([4, 3], seed: 1)))  // non-trivial running stats
        // Special values survive bit for bit (NaN and ±Inf are refused at load: testNonFiniteWeightsAreRefused).
        net.head.bias!.value = Tensor(shape: [2], values: [-0.0, .leastNonzeroMagnitude])
        let url = dir.appendingPathComponent("model.safetensors")
        struct Config: Codable, Equatable { var classes: Int; var name: String }
        try net.saveState(to: url, config: Config(classes: 2, name: "net"), metadata: ["format": "pt"])
        let raw = try Data(contentsOf: url)
        let n = raw.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(n % 8, 0, "header padded to a multiple of 8")
        XCTAssertEqual(try Module.loadConfig(Config.self, for: url), Config(classes: 2, name: "net"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.json").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["model.json", "model.safetensors"], "no temporary files left")

        let other = Net(seed: 99)
        XCTAssertFalse(other.head.weight.value.bitwiseEqual(net.head.weight.value))
        try other.loadState(from: url)
        for (a, b) in zip(net.namedParameters(), other.namedParameters()) {
            XCTAssertEqual(a.name, b.name)
            XCTAssertTrue(a.parameter.value.bitwiseEqual(b.parameter.value), a.name)
        }
        let contents = try SafeTensors.read(from: url)
        XCTAssertEqual(contents.metadata, ["format": "pt"])
        XCTAssertEqual(contents.names, net.namedParameters().map(\.name), "file order is model order")
    }

    func testAModelCopiesAnotherOfTheSameShapeAndTheCopyIsIndependent() throws {
        let net = Net(seed: 1)
        _ = net(Tape(training: true).constant(randomTensor([4, 3], seed: 1)))  // non-trivial running stats
        let copy = Net(seed: 5)
        try copy.loadState(of: net)
        for (a, b) in zip(net.namedParameters(), copy.namedParameters()) {
            XCTAssertTrue(a.parameter.value.bitwiseEqual(b.parameter.value), a.name)
        }
        // Training the copy leaves the original alone.
        let before = net.head.weight.value
        copy.head.weight.value.mutableData()[0] += 1
        XCTAssertTrue(net.head.weight.value.bitwiseEqual(before))
        XCTAssertFalse(copy.head.weight.value.bitwiseEqual(before))
    }

    func testMismatchesAreRefusedNamingTheTensor() throws {
        let net = Net(seed: 1)
        let url = dir.appendingPathComponent("m.safetensors")
        var tensors = net.stateTensors()
        // Wrong shape.
        tensors[6].tensor = Tensor(zeros: [3, 4])
        try SafeTensors.write(tensors, to: url)
        let target = Net(seed: 2)
        let before = target.head.bias!.value
        XCTAssertThrowsError(try target.loadState(from: url)) { e in
            XCTAssertEqual(e as? StateError, .shapeMismatch(file: url.path, tensor: "head.weight", expected: [2, 4],
                                                            found: [3, 4]))
            XCTAssertTrue("\(e)".contains("head.weight") && "\(e)".contains("m.safetensors"), "\(e)")
        }
        // Missing tensor.
        try SafeTensors.write(net.stateTensors().filter { $0.name != "backbone.block1.bn.running_var" }, to: url)
        XCTAssertThrowsError(try target.loadState(from: url)) { e in
            XCTAssertEqual(e as? StateError, .missingTensor(file: url.path, tensor: "backbone.block1.bn.running_var"))
            XCTAssertTrue("\(e)".contains("backbone.block1.bn.running_var"))
        }
        // Unexpected tensor.
        try SafeTensors.write(net.stateTensors() + [("head.extra", Tensor(zeros: [1]))], to: url)
        XCTAssertThrowsError(try target.loadState(from: url)) { e in
            XCTAssertEqual(e as? StateError, .unexpectedTensor(file: url.path, tensor: "head.extra"))
        }
        XCTAssertTrue(target.head.bias!.value.bitwiseEqual(before), "a refused file changes nothing")
    }

    func testTruncatedAndCorruptFilesAreRefused() throws {
        let good = SafeTensors.encode([("a", randomTensor([3, 5], seed: 1)), ("b", randomTensor([2], seed: 2))])
        XCTAssertNoThrow(try SafeTensors.decode(good))
        func expectError(_ data: Data, _ check: (StateError) -> Bool, line: UInt = #line) {
            XCTAssertThrowsError(try SafeTensors.decode(data, file: "f.safetensors"), line: line) { e in
                guard let se = e as? StateError else { return XCTFail("\(e)", line: line) }
                XCTAssertTrue(check(se), "\(se)", line: line)
                XCTAssertTrue("\(se)".contains("f.safetensors"), line: line)
            }
        }
        func isTruncated(_ e: StateError) -> Bool { if case .truncated = e { return true }; return false }
        func isCorrupt(_ e: StateError) -> Bool { if case .corruptHeader = e { return true }; return false }
        expectError(good.prefix(5), isTruncated)                    // no header length
        expectError(good.prefix(40), isTruncated)                   // header cut
        expectError(good.prefix(good.count - 4), isTruncated)       // data cut
        var corrupt = good
        corrupt[8] = UInt8(ascii: "[")                              // JSON is not an object
        expectError(corrupt, isCorrupt)
        var garbage = good
        for i in 9..<20 { garbage[i] = 0xFF }                       // invalid UTF-8 / JSON
        expectError(garbage, isCorrupt)
        var huge = good
        huge[7] = 0x7F                                              // absurd header length
        expectError(huge, isTruncated)
        // Offsets that do not match the shape.
        let header = #"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#
        expectError(rawFile(header: header, data: Data(count: 16)), isCorrupt)
        // Unsupported dtype names the tensor.
        let i8 = #"{"q":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}}"#
        expectError(rawFile(header: i8, data: Data(count: 4))) { $0 == .unsupportedDType(file: "f.safetensors", tensor: "q", dtype: "I8") }
    }

    /// A NaN or infinite weight makes every output NaN: the file is refused, naming the tensor and the element.
    func testNonFiniteWeightsAreRefused() throws {
        for bad: Float in [.nan, .infinity, -.infinity] {
            let data = SafeTensors.encode([("a", Tensor(shape: [3], values: [1, 2, 3])), ("b.weight", Tensor(shape: [2, 2], values: [0, 1, bad, 3]))])
            XCTAssertThrowsError(try SafeTensors.decode(data, file: "w.safetensors")) { e in
                XCTAssertEqual(e as? StateError, .nonFinite(file: "w.safetensors", tensor: "b.weight", index: 2))
            }
        }
        // A shape whose element count overflows is refused before any arithmetic on it.
        var header = Array(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}}"#.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        XCTAssertThrowsError(try SafeTensors.decode(data, file: "big.safetensors")) { e in
            XCTAssertTrue("\(e)".contains("larger than the file"), "\(e)")
        }
    }

    func testReadsF16BF16F64() throws {
        // F16: 1.0 = 0x3C00, −2.5 = 0xC100, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001.
        // BF16: 1.0 = 0x3F80, −3.0 = 0xC040. F64: 0.1 → Float(0.1).
        var d = Data()
        for h: UInt16 in [0x3C00, 0xC100, 0x7BFF, 0x0001] { withUnsafeBytes(of: h.littleEndian) { d.append(contentsOf: $0) } }
        for h: UInt16 in [0x3F80, 0xC040] { withUnsafeBytes(of: h.littleEndian) { d.append(contentsOf: $0) } }
        withUnsafeBytes(of: (0.1 as Double).bitPattern.littleEndian) { d.append(contentsOf: $0) }
        let header = #"{"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"#
            + #""b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"d":{"dtype":"F64","shape":[1],"data_offsets":[12,20]},"#
            + #""__metadata__":{"source":"timm"}}"#
        let c = try SafeTensors.decode(rawFile(header: header, data: d))
        XCTAssertEqual(c["h"]!.scalars, [1, -2.5, 65504, Float(0x1p-24)])
        XCTAssertEqual(c["h"]!.shape, [2, 2])
        XCTAssertEqual(c["b"]!.scalars, [1, -3])
        XCTAssertEqual(c["d"]!.scalars, [Float(0.1)])
        XCTAssertEqual(c.metadata, ["source": "timm"])
        XCTAssertEqual(c.names, ["h", "b", "d"], "file order")
    }

    func testSubsetLoadWithRenameAndAdapt() throws {
        // A "pretrained" file with an RGB first layer [4, 3] under another prefix; the target has 1 input channel.
        var rng = RandomSource(seed: 3)
        let rgb = Dense(3, 4, rng: &rng)
        let url = dir.appendingPathComponent("pretrained.safetensors")
        try SafeTensors.write(rgb.namedParameters().map { ("stem." + $0.name, $0.parameter.value) }
                              + [("classifier.weight", Tensor(zeros: [1000, 4]))], to: url)
        let gray = Dense(1, 4, rng: &rng)
        let loaded = try gray.loadState(from: url) { name, t in
            guard name.hasPrefix("stem.") else { return nil }
            let local = String(name.dropFirst(5))
            guard local == "weight" else { return (local, t) }
            var summed = Tensor(zeros: [4, 1])  // sum the RGB filters into one channel
            for o in 0..<4 { summed[flat: o] = t.data[o * 3] + t.data[o * 3 + 1] + t.data[o * 3 + 2] }
            return (local, summed)
        }
        XCTAssertEqual(loaded, ["weight", "bias"])
        for o in 0..<4 {
            let w = rgb.weight.value
            XCTAssertEqual(gray.weight.value.data[o], w.data[o * 3] + w.data[o * 3 + 1] + w.data[o * 3 + 2])
        }
        // A rename to a name the model lacks is refused, naming it.
        XCTAssertThrowsError(try gray.loadState(from: url) { n, t in ("nope." + n, t) }) { e in
            XCTAssertTrue("\(e)".contains("nope."), "\(e)")
        }
        XCTAssertThrowsError(try gray.loadState(from: url, requireAll: true) { _, _ in nil }) { e in
            XCTAssertEqual(e as? StateError, .missingTensor(file: url.path, tensor: "weight"))
        }
    }

    private func rawFile(header: String, data: Data) -> Data {
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: h)
        out.append(data)
        return out
    }
}
