/// Differentiable add, subtract and multiply with broadcasting, and scalar forms.

public func + (a: Variable, b: Variable) -> Variable {
    let y = Broadcast.apply(a.value, b.value, +)
    let sa = a.shape, sb = b.shape
    return Variable.record(y, inputs: [a, b]) { g, needs in
        [needs[0] ? Broadcast.reduce(g, to: sa) : nil, needs[1] ? Broadcast.reduce(g, to: sb) : nil]
    }
}

public func - (a: Variable, b: Variable) -> Variable {
    let y = Broadcast.apply(a.value, b.value, -)
    let sa = a.shape, sb = b.shape
    return Variable.record(y, inputs: [a, b]) { g, needs in
        [needs[0] ? Broadcast.reduce(g, to: sa) : nil,
         needs[1] ? Broadcast.reduce(g.map { -$0 }, to: sb) : nil]
    }
}

public func * (a: Variable, b: Variable) -> Variable {
    let av = a.value, bv = b.value
    let y = Broadcast.apply(av, bv, *)
    return Variable.record(y, inputs: [a, b]) { g, needs in
        [needs[0] ? Broadcast.reduce(Broadcast.apply(g, bv, *), to: av.shape) : nil,
         needs[1] ? Broadcast.reduce(Broadcast.apply(g, av, *), to: bv.shape) : nil]
    }
}

public func * (a: Variable, s: Float) -> Variable {
    Variable.record(a.value.map { $0 * s }, inputs: [a]) { g, _ in [g.map { $0 * s }] }
}

public func * (s: Float, a: Variable) -> Variable { a * s }

public func + (a: Variable, s: Float) -> Variable {
    Variable.record(a.value.map { $0 + s }, inputs: [a]) { g, _ in [g] }
}

public prefix func - (a: Variable) -> Variable { a * -1 }

extension Variable {
    /// Scales each channel of an NCHW tensor by `scale` of shape [N, C] (squeeze-and-excitation).
    public func scaledChannels(_ scale: Variable) -> Variable {
        precondition(shape.count == 4 && scale.shape == [shape[0], shape[1]],
                     "scaledChannels: \(shape) by \(scale.shape)")
        return self * scale.reshaped([shape[0], shape[1], 1, 1])
    }
}
