/// Differentiable transposed 2-D convolution (the generator's upsampling, SGAN paper section 4.1.2):
/// `x [n, in, h, w]`, `weight [in, out, kh, kw]` (PyTorch's layout), optional `bias [out]`.
///
/// Output side `(h − 1)·stride + kh − padTop − padBottom + outputPadding`; `.same` gives `h·stride` like Keras'
/// `Conv2DTranspose(padding="same")`. It is the adjoint of a convolution, so it reuses the same three kernels.
public func convTranspose2d(_ x: Variable, weight: Variable, bias: Variable? = nil, stride: Int = 1,
                            padding: Padding = .valid, outputPadding: Int = 0) -> Variable {
    let xs = x.shape, ws = weight.shape
    precondition(xs.count == 4 && ws.count == 4 && ws[0] == xs[1],
                 "convTranspose2d: input \(xs) needs weight [\(xs.count == 4 ? xs[1] : -1), out, kh, kw], got \(ws)")
    let (h, w, kh, kw) = (xs[2], xs[3], ws[2], ws[3])
    let pads: (top: Int, bottom: Int, left: Int, right: Int)
    var extraH = outputPadding, extraW = outputPadding
    switch padding {
    case .same:
        let th = max(kh - stride, 0), tw = max(kw - stride, 0)
        pads = (th / 2, th - th / 2, tw / 2, tw - tw / 2)
        extraH = max(stride - kh, 0)
        extraW = max(stride - kw, 0)
    default:
        pads = padding.resolve(height: h, width: w, kernelH: kh, kernelW: kw, stride: stride)
    }
    precondition(outputPadding >= 0 && (outputPadding < stride || outputPadding == 0),
                 "convTranspose2d: output padding \(outputPadding) must be < stride \(stride)")
    let outH = (h - 1) * stride + kh - pads.top - pads.bottom + extraH
    let outW = (w - 1) * stride + kw - pads.left - pads.right + extraW
    // The convolution whose input gradient this is: from [n, out, outH, outW] to [n, in, h, w].
    let g = ConvGeometry(batch: xs[0], inC: ws[1], inH: outH, inW: outW, outC: ws[0], kh: kh, kw: kw,
                         stride: stride, padding: .explicit(top: pads.top, bottom: pads.bottom,
                                                            left: pads.left, right: pads.right), groups: 1)
    precondition(g.outH == h && g.outW == w, "convTranspose2d: inconsistent geometry for input \(xs)")
    let xv = x.value, wv = weight.value
    var y = Tensor(uninitializedShape: g.inputShape)
    ConvKernels.backwardData(xv.data, wv.data, y.mutableData(), g)
    let inputs = ConvBias.add(bias, to: &y, batch: g.batch, channels: g.inC, plane: g.inPlane, op: "convTranspose2d",
                              x: x, weight: weight)
    return Variable.record(y, inputs: inputs) { gy, needs in
        var grads: [Tensor?] = [nil, nil]
        if needs[0] && needs[1] {
            var dx = Tensor(uninitializedShape: xs), dw = Tensor(uninitializedShape: ws)
            ConvKernels.forwardAndFilterGradient(gy.data, wv.data, dx.mutableData(), xv.data, dw.mutableData(), g)
            grads[0] = dx
            grads[1] = dw
        } else if needs[0] {
            var dx = Tensor(uninitializedShape: xs)
            ConvKernels.forward(gy.data, wv.data, dx.mutableData(), g)
            grads[0] = dx
        } else if needs[1] {
            var dw = Tensor(uninitializedShape: ws)
            ConvKernels.backwardFilter(gy.data, xv.data, dw.mutableData(), g)
            grads[1] = dw
        }
        return grads + ConvBias.gradient(gy, needs: needs, batch: g.batch, channels: g.inC, plane: g.inPlane)
    }
}
