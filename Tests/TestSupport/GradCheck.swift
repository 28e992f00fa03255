import Engine
import Support
import XCTest

/// Finite-difference gradient check shared by every op test (EngineTests, NNTests).
///
/// The scalar checked is `Σ f(x) ⊙ R` for a fixed random `R`, so every output element contributes.
/// Analytic gradients come from the tape; numeric ones from central differences with step `eps`.
public func checkGradients(_ inputs: [Tensor], eps: Float = 1e-2, tolerance: Float = 2e-2, seed: UInt64 = 7,
                    file: StaticString = #filePath, line: UInt = #line,
                    _ f: ([Variable]) -> Variable) {
    var rng = RandomSource(seed: seed)
    // Fixed projection of the output.
    let probe = f(inputs.map { Variable($0) }).value
    let r = Tensor.uniform(probe.shape, low: -1, high: 1, rng: &rng)
    func loss(_ xs: [Tensor]) -> Double {
        let y = f(xs.map { Variable($0) }).value
        var s = 0.0
        for i in 0..<y.count { s += Double(y.data[i]) * Double(r.data[i]) }
        return s
    }
    let tape = Tape(training: false)
    let vars = inputs.map { tape.watch($0) }
    let out = f(vars)
    XCTAssertEqual(out.shape, probe.shape, "output shape", file: file, line: line)
    let grads = tape.backward((out * tape.constant(r)).sum())
    for (k, x) in inputs.enumerated() {
        guard let analytic = grads[vars[k]] else {
            XCTFail("input \(k): no gradient", file: file, line: line); continue
        }
        XCTAssertEqual(analytic.shape.elementCount, x.count, "input \(k) gradient size", file: file, line: line)
        var worst: Float = 0
        var worstAt = 0
        for i in 0..<x.count {
            var plus = inputs, minus = inputs
            plus[k][flat: i] += eps
            minus[k][flat: i] -= eps
            let numeric = Float((loss(plus) - loss(minus)) / Double(2 * eps))
            let a = analytic.data[i]
            let err = abs(a - numeric) / max(1, abs(a), abs(numeric))
            if err > worst { worst = err; worstAt = i }
        }
        XCTAssertLessThan(worst, tolerance,
                          "input \(k) \(x.shape): gradient mismatch at element \(worstAt), analytic \(analytic.data[worstAt])",
                          file: file, line: line)
    }
}

/// Random tensor helper for tests.
public func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var rng = RandomSource(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, rng: &rng)
}

/// Asserts two tensors agree elementwise within a relative tolerance.
public func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-4, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shape \(message)", file: file, line: line)
    guard a.count == b.count else { return }
    var worst: Float = 0, at = 0
    for i in 0..<a.count {
        let e = abs(a.data[i] - b.data[i]) / max(1, abs(b.data[i]))
        if e > worst { worst = e; at = i }
    }
    XCTAssertLessThanOrEqual(worst, tolerance, "\(message): element \(at): \(a.data[at]) vs \(b.data[at])",
                             file: file, line: line)
}
