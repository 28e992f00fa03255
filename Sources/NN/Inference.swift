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
    /// The layers with nested `Sequential`s expanded in place (the low-depth CNN's blocks), so a convolution
    /// stack can run across block boundaries.
    var leaves: [Module] {
        layers.flatMap { ($0 as? Sequential)?.leaves ?? [$0] }
    }

    /// The leading run of `leaves` that a `ConvStack` can execute: ungrouped `Conv2D`s, each optionally followed
    /// by a `BatchNorm` (folded into the filters and bias), `ReLU`/`LeakyReLU`, a `BatchNorm` after the activation
    /// (a per-channel affine post-op) and `Dropout`s (identity in inference); and `MaxPool2D`/`AvgPool2D`.
    /// Returns the stack layers and how many leaves they cover.
    func convStackPrefix() -> (layers: [ConvStackLayer], covered: Int) {
        let leaves = self.leaves
        var out: [ConvStackLayer] = []
        var i = 0, covered = 0
        func skipDropout() { while i < leaves.count, leaves[i] is Dropout { i += 1 } }
        while i < leaves.count {
            if let pool = leaves[i] as? MaxPool2D {
                out.append(.pooling(max: true, kernel: pool.kernel, stride: pool.stride, padding: pool.padding))
                i += 1
            } else if let pool = leaves[i] as? AvgPool2D {
                out.append(.pooling(max: false, kernel: pool.kernel, stride: pool.stride, padding: pool.padding))
                i += 1
            } else if let conv = leaves[i] as? Conv2D, conv.groups == 1 {
                var weight = conv.weight.value, bias = conv.bias?.value
                i += 1
                if i < leaves.count, let bn = leaves[i] as? BatchNorm {
                    (weight, bias) = bn.folded(into: weight, bias: bias); i += 1
                }
                var activation = ConvStackLayer.Activation.none
                if i < leaves.count, let act = leaves[i] as? LeakyReLU {
                    activation = .leakyRelu(act.slope); i += 1
                } else if i < leaves.count, leaves[i] is ReLU {
                    activation = .leakyRelu(0); i += 1
                }
                var affine: ConvStackLayer.ChannelAffine?
                if activation != .none, i < leaves.count, let bn = leaves[i] as? BatchNorm {
                    affine = bn.affine; i += 1
                }
                out.append(ConvStackLayer(weight: weight, bias: bias, stride: conv.stride, padding: conv.padding,
                                          activation: activation, affine: affine))
            } else {
                break
            }
            skipDropout()
            covered = i
        }
        return (out, covered)
    }
}

extension BatchNorm {
    /// Inference-mode batch norm as `scale · x + shift` per channel.
    var affine: ConvStackLayer.ChannelAffine {
        let invStd = BatchNormKernels.inverseStd(runningVar.value, eps: eps)
        let scale = weight.value.zip(invStd, *)
        return ConvStackLayer.ChannelAffine(scale: scale, shift: bias.value.zip(runningMean.value.zip(scale, *), -))
    }

    /// The filters and bias of a convolution followed by this batch norm, as one convolution.
    func folded(into weight: Tensor, bias: Tensor?) -> (Tensor, Tensor) {
        let a = affine, out = weight.shape[0], per = weight.count / Swift.max(out, 1)
        var w = weight
        let scale = a.scale.scalars, shift = a.shift.scalars, b = bias?.scalars ?? [Float](repeating: 0, count: out)
        w.withUnsafeMutableBufferPointer { v in for o in 0..<out { for j in 0..<per { v[o * per + j] *= scale[o] } } }
        return (w, Tensor(shape: [out], values: (0..<out).map { b[$0] * scale[$0] + shift[$0] }))
    }
}
