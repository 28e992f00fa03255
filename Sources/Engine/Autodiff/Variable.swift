/// A tensor flowing through a forward pass, with its place on the tape (if any).
///
/// Without a tape it is a plain value and every op on it runs in inference mode.
public struct Variable {
    public let value: Tensor
    /// Index of the node on the tape; -1 when no gradient flows to it.
    let id: Int
    public let tape: Tape?

    init(_ value: Tensor, id: Int, tape: Tape?) {
        self.value = value
        self.id = id
        self.tape = tape
    }

    /// A constant, inference-mode value.
    public init(_ value: Tensor) { self.init(value, id: -1, tape: nil) }

    public var shape: [Int] { value.shape }
    /// True in a training pass (dropout active, batch norm on batch statistics).
    public var isTraining: Bool { tape?.isTraining ?? false }
    /// True when a gradient will flow back to this value.
    public var requiresGrad: Bool { id >= 0 }

    /// Registers an op's result: `backward(gradOutput, needsGrad)` returns a gradient per input
    /// (nil where `needsGrad` is false). Records nothing when no input requires a gradient.
    @inline(__always)
    public static func record(_ output: Tensor, inputs: [Variable],
                              backward: @escaping (_ gradOutput: Tensor, _ needsGrad: [Bool]) -> [Tensor?]) -> Variable {
        var tape: Tape?
        var tracked = false
        for v in inputs {
            if tape == nil { tape = v.tape }
            if v.id >= 0 { tracked = true; tape = v.tape; break }
        }
        guard tracked, let t = tape else { return Variable(output, id: -1, tape: tape) }
        let id = t.append(inputs: inputs.map(\.id), backward: backward)
        return Variable(output, id: id, tape: t)
    }

    /// A parameter in this variable's pass: tracked on the tape when there is one, a constant otherwise.
    public func use(_ p: Parameter) -> Variable {
        tape?.variable(p) ?? Variable(p.value)
    }
}
