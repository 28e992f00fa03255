import Support

extension Tensor {
    /// Uniform in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RandomSource) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        let p = t.mutableData()
        for i in 0..<t.count { p[i] = rng.uniform(low, high) }
        return t
    }

    /// Normal with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomSource) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        let p = t.mutableData()
        for i in 0..<t.count { p[i] = mean + std * rng.normal() }
        return t
    }

    /// Glorot/Xavier uniform: U(±sqrt(6 / (fanIn + fanOut))) — Keras' default for Dense and Conv2D.
    public static func glorotUniform(_ shape: [Int], fanIn: Int, fanOut: Int, rng: inout RandomSource) -> Tensor {
        let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
        return uniform(shape, low: -limit, high: limit, rng: &rng)
    }

    /// He/Kaiming normal: N(0, 2 / fanIn) — for ReLU networks (ResNet, EfficientNet from scratch).
    public static func heNormal(_ shape: [Int], fanIn: Int, rng: inout RandomSource) -> Tensor {
        normal(shape, std: Float((2.0 / Double(fanIn)).squareRoot()), rng: &rng)
    }
}
