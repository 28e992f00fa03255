import Engine
import Support

extension Module {
    /// Inference on a batch `[N, ...]` cut into chunks of `chunkSize` images, each core running whole chunks
    /// through the entire model on its own, so every layer's activations stay in that core's cache instead of
    /// streaming the whole batch through memory layer by layer. Results equal `self(Variable(x))` up to float
    /// rounding of the GEMM blocking.
    public func chunkedInference(_ x: Tensor, chunkSize: Int = 4) -> Tensor {
        let n = x.shape[0]
        let workers = Parallel.workers
        guard workers > 1, n > chunkSize else { return self(Variable(x)).value }
        let chunks = (n + chunkSize - 1) / chunkSize
        var outputs = [Tensor?](repeating: nil, count: chunks)
        let lock = Lock()
        let input = UncheckedSendable(x)
        withoutActuallyEscaping({ (c: Int) -> Tensor in
            let lo = c * chunkSize, hi = min(n, lo + chunkSize)
            return Parallel.serially { self(Variable(input.value.batchSlice(lo..<hi))).value }
        }) { run in
            let body = UncheckedSendable(run)
            Parallel.forEach(chunks, costPerItem: 1 << 20) { c in
                let y = body.value(c)
                lock.withLock { outputs[c] = y }
            }
        }
        return Tensor.concatenateBatches(outputs.map { $0! })
    }
}

extension Sequential {
    /// The leading run of layers that a `ConvStack` can execute: ungrouped `Conv2D`s, each optionally followed
    /// by `ReLU`/`LeakyReLU` and `Dropout` (identity in inference). Returns the stack layers and how many
    /// modules of `layers` they cover.
    func convStackPrefix() -> (layers: [ConvStackLayer], covered: Int) {
        var out: [ConvStackLayer] = []
        var i = 0, covered = 0
        while i < layers.count, let conv = layers[i] as? Conv2D, conv.groups == 1 {
            var layer = ConvStackLayer(weight: conv.weight.value, bias: conv.bias?.value, stride: conv.stride,
                                       padding: conv.padding, activation: .none)
            i += 1
            if i < layers.count, let act = layers[i] as? LeakyReLU {
                layer.activation = .leakyRelu(act.slope); i += 1
            } else if i < layers.count, layers[i] is ReLU {
                layer.activation = .leakyRelu(0); i += 1
            }
            while i < layers.count, layers[i] is Dropout { i += 1 }
            out.append(layer)
            covered = i
        }
        return (out, covered)
    }
}
