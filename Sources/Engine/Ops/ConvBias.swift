/// The optional per-channel bias of the convolution ops (`conv2d`, `convTranspose2d`): added to the output in the
/// forward pass, summed over N, H, W for its gradient in the backward pass.
enum ConvBias {
    /// Adds `bias` (if any) to `y` and returns the op's inputs for the tape (`[x, weight]` or `[x, weight, bias]`).
    static func add(_ bias: Variable?, to y: inout Tensor, batch: Int, channels: Int, plane: Int, op: String,
                    x: Variable, weight: Variable) -> [Variable] {
        guard let b = bias else { return [x, weight] }
        precondition(b.value.count == channels, "\(op): bias \(b.shape) for \(channels) channels")
        ChannelBias.add(y.mutableData(), b.value.data, batch: batch, channels: channels, plane: plane)
        return [x, weight, b]
    }

    /// The bias slot of the backward's gradients: none without a bias, nil when it needs no gradient.
    static func gradient(_ gy: Tensor, needs: [Bool], batch: Int, channels: Int, plane: Int) -> [Tensor?] {
        guard needs.count > 2 else { return [] }
        return [needs[2] ? ChannelBias.sum(gy.data, batch: batch, channels: channels, plane: plane) : nil]
    }
}
