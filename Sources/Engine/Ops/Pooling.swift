import Support

/// Differentiable 2-D pooling on NCHW tensors: max, average and global average.

/// Max pooling with a `kernel × kernel` window (stride defaults to the kernel, as in Keras' `MaxPooling2D`).
/// Padding positions never win (as if −∞), like Keras and PyTorch. The gradient goes to the first maximum of
/// each window (ties: the earliest in row-major order).
public func maxPool2d(_ x: Variable, kernel: Int, stride: Int? = nil, padding: Padding = .valid) -> Variable {
    let g = PoolGeometry(shape: x.shape, kernel: kernel, stride: stride ?? kernel, padding: padding)
    let (n, c) = (x.shape[0], x.shape[1])
    var y = Tensor(uninitializedShape: [n, c, g.outH, g.outW])
    let argmax = UnsafeMutableBufferPointer<Int32>.allocate(capacity: Swift.max(y.count, 1))
    let box = ArgmaxBox(argmax)
    PoolingKernels.maxForward(x.value.data, g, out: y.mutableData(), argmax: argmax.baseAddress!)
    let inShape = x.shape
    return Variable.record(y, inputs: [x]) { grad, _ in
        var dx = Tensor(uninitializedShape: inShape)
        PoolingKernels.maxBackward(grad.data, g, argmax: box.buffer.baseAddress!, dx: dx.mutableData())
        return [dx]
    }
}

/// Owns the argmax indices of a max pooling until its backward closure is released.
private final class ArgmaxBox {
    let buffer: UnsafeMutableBufferPointer<Int32>
    init(_ b: UnsafeMutableBufferPointer<Int32>) { buffer = b }
    deinit { buffer.deallocate() }
}

/// Average pooling with a `kernel × kernel` window (stride defaults to the kernel). Each output is the mean of
/// its window's **in-bounds** elements only — TensorFlow/Keras semantics for `padding="same"` (PyTorch's
/// `count_include_pad=False`); with `.valid` padding every window is full and the conventions agree.
public func avgPool2d(_ x: Variable, kernel: Int, stride: Int? = nil, padding: Padding = .valid) -> Variable {
    let g = PoolGeometry(shape: x.shape, kernel: kernel, stride: stride ?? kernel, padding: padding)
    let (n, c) = (x.shape[0], x.shape[1])
    var y = Tensor(uninitializedShape: [n, c, g.outH, g.outW])
    PoolingKernels.averageForward(x.value.data, g, out: y.mutableData())
    let inShape = x.shape
    return Variable.record(y, inputs: [x]) { grad, _ in
        var dx = Tensor(uninitializedShape: inShape)
        PoolingKernels.averageBackward(grad.data, g, dx: dx.mutableData())
        return [dx]
    }
}

/// Mean over H and W of each channel: `[N, C, H, W] → [N, C]` (the head of ResNet/EfficientNet).
public func globalAvgPool2d(_ x: Variable) -> Variable {
    precondition(x.shape.count == 4, "globalAvgPool2d needs NCHW input, got \(x.shape)")
    let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
    let xv = x.value
    var y = Tensor(uninitializedShape: [n, c])
    let yp = UncheckedSendable(y.mutableData()), xp = UncheckedSendable(xv.data)
    let inv = 1 / Float(plane)
    Parallel.forEach(n * c, costPerItem: plane) { i in
        let src = xp.value + i * plane
        var s: Float = 0
        for j in 0..<plane { s += src[j] }
        yp.value[i] = s * inv
    }
    let inShape = x.shape
    return Variable.record(y, inputs: [x]) { grad, _ in
        var dx = Tensor(uninitializedShape: inShape)
        let dp = UncheckedSendable(dx.mutableData()), gp = UncheckedSendable(grad.data)
        Parallel.forEach(n * c, costPerItem: plane) { i in
            let v = gp.value[i] * inv
            (dp.value + i * plane).update(repeating: v, count: plane)
        }
        return [dx]
    }
}
