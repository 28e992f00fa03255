import Engine

/// Mean over all elements of `(x − target)²`; gradient `2 (x − target) / count`.
public func meanSquaredError(_ x: Variable, _ target: Tensor) -> Variable {
    precondition(x.value.count == target.count, "meanSquaredError: \(x.shape) vs \(target.shape)")
    let xv = x.value, n = xv.count
    var s = 0.0
    for i in 0..<n { let d = Double(xv.data[i]) - Double(target.data[i]); s += d * d }
    let value = Tensor(scalar: Float(s / Double(Swift.max(n, 1))))
    return Variable.record(value, inputs: [x]) { g, _ in
        let scale = 2 * g.scalar / Float(Swift.max(n, 1))
        return [xv.zip(target) { scale * ($0 - $1) }]
    }
}
