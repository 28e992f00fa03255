/// Differentiable 2-D convolution: `x [n, c, h, w]`, `weight [out, c/groups, kh, kw]`, optional `bias [out]`.
///
/// Stride, Keras-style "same"/"valid" or explicit zero padding, and groups (groups == channels is a depthwise
/// convolution). The workhorse of every model in both papers.
public func conv2d(_ x: Variable, weight: Variable, bias: Variable? = nil, stride: Int = 1,
                   padding: Padding = .valid, groups: Int = 1) -> Variable {
    let xs = x.shape, ws = weight.shape
    precondition(xs.count == 4 && ws.count == 4, "conv2d: input \(xs) and weight \(ws) must be 4-D (NCHW, OIHW)")
    precondition(ws[1] * groups == xs[1],
                 "conv2d: weight \(ws) with \(groups) group(s) expects \(ws[1] * groups) input channels, got \(xs[1])")
    let g = ConvGeometry(batch: xs[0], inC: xs[1], inH: xs[2], inW: xs[3], outC: ws[0], kh: ws[2], kw: ws[3],
                         stride: stride, padding: padding, groups: groups)
    let xv = x.value, wv = weight.value
    var y = Tensor(uninitializedShape: g.outputShape)
    ConvKernels.forward(xv.data, wv.data, y.mutableData(), g)
    let inputs = ConvBias.add(bias, to: &y, batch: g.batch, channels: g.outC, plane: g.outPlane, op: "conv2d", x: x, weight: weight)
    return Variable.record(y, inputs: inputs) { gy, needs in
        var grads: [Tensor?] = [nil, nil]
        if needs[0] {
            var dx = Tensor(uninitializedShape: g.inputShape)
            ConvKernels.backwardData(gy.data, wv.data, dx.mutableData(), g)
            grads[0] = dx
        }
        if needs[1] {
            var dw = Tensor(uninitializedShape: g.weightShape)
            ConvKernels.backwardFilter(xv.data, gy.data, dw.mutableData(), g)
            grads[1] = dw
        }
        return grads + ConvBias.gradient(gy, needs: needs, batch: g.batch, channels: g.outC, plane: g.outPlane)
    }
}
