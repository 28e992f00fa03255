import Engine
import Foundation
@testable import Models
import NN
import Support
import XCTest

/// An ensemble averages its members' probabilities exactly, on the training path and on the inference path, and is
/// rebuilt from its configuration alone; configurations it cannot honour are refused before any member is built.
final class EnsembleTests: XCTestCase {
    let member = ModelConfig(architecture: "lowdepth", inputSide: 32, channels: 1, classes: 3)

    func input(_ n: Int, seed: UInt64) -> Tensor {
        var g = SeededGenerator(seed: seed)
        return Tensor(shape: [n, 1, 32, 32], values: (0..<(n * 32 * 32)).map { _ in Float(g.uniform(0...1)) })
    }

    func rows(_ t: Tensor) -> [[Float]] {
        let k = t.shape[1], v = t.scalars
        return (0..<t.shape[0]).map { Array(v[$0 * k ..< ($0 + 1) * k]) }
    }

    func testOutputIsTheLogOfTheMembersMeanProbabilities() throws {
        let ensemble = try XCTUnwrap(try ModelRegistry.make(Ensemble.config(member: member, count: 3), seed: 5) as? Ensemble)
        XCTAssertEqual(ensemble.members.count, 3)
        let x = input(5, seed: 1)
        let each = ensemble.members.map { rows(Variable($0.infer(x)).softmax().value) }
        XCTAssertGreaterThan(abs(each[0][0][0] - each[1][0][0]), 1e-4, "members differ (else the mean proves nothing)")
        let got = rows(Variable(ensemble.infer(x)).softmax().value)
        let logs = rows(ensemble.infer(x))
        for i in 0..<5 {
            for j in 0..<3 {
                let mean = (each[0][i][j] + each[1][i][j] + each[2][i][j]) / 3
                XCTAssertEqual(got[i][j], mean, accuracy: 1e-6)
                XCTAssertEqual(logs[i][j], log(mean), accuracy: 1e-5)
            }
        }
        // The training-time path gives the same answer (up to the inference kernels' rounding).
        for (a, b) in zip(ensemble(Variable(x)).value.scalars, ensemble.infer(x).scalars) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        // One confident member and one unsure one: the average, not the confident vote.
        let logits = [Tensor(shape: [1, 2], values: [10, 0]), Tensor(shape: [1, 2], values: [0, 0])]
        let p = Variable(Ensemble.logMeanSoftmax(logits)).softmax().value.scalars
        XCTAssertEqual(p[0], (1 / (1 + exp(-10)) + 0.5) / 2, accuracy: 1e-6)
    }

    func testParametersAreNamedPerMemberAndTheConfigRoundTrips() throws {
        let config = Ensemble.config(member: member, count: 2)
        XCTAssertEqual(config.architecture, "ensemble")
        XCTAssertEqual(config.options["member"], "lowdepth")
        let (back, count) = try Ensemble.members(of: config)
        XCTAssertEqual(back, member)
        XCTAssertEqual(count, 2)
        let ensemble = try ModelRegistry.make(config, seed: 0)
        let single = try ModelRegistry.make(member, seed: 0)
        let names = ensemble.namedParameters().map(\.name)
        XCTAssertEqual(names.count, 2 * single.namedParameters().count)
        XCTAssertTrue(names.contains("member0.features.block1.conv.weight"), "\(names.prefix(3))")
        XCTAssertTrue(names.contains("member1.classifier.logits.weight"))
        XCTAssertEqual(ensemble.parameterCount, 2 * single.parameterCount)
        XCTAssertTrue(ModelRegistry.knows(config))
    }

    func testConfigurationsItCannotHonourAreRefused() {
        var cases: [(ModelConfig, String)] = []
        for members in ["1", "9", "1000000000", "-2", "x"] {
            var c = Ensemble.config(member: member, count: 2); c.options["members"] = members
            cases.append((c, "members"))
        }
        var nested = Ensemble.config(member: member, count: 2); nested.options["member"] = "ensemble"
        cases.append((nested, "member architecture"))
        var missing = Ensemble.config(member: member, count: 2); missing.options["member"] = nil
        cases.append((missing, "member architecture"))
        var unknown = Ensemble.config(member: member, count: 2); unknown.options["member"] = "vgg99"
        cases.append((unknown, "vgg99"))
        for (c, fragment) in cases {
            XCTAssertFalse(ModelRegistry.knows(c), "\(c.options)")
            XCTAssertThrowsError(try ModelRegistry.make(c, seed: 0)) { XCTAssertTrue("\($0)".contains(fragment), "\($0)") }
        }
    }
}
