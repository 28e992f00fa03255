/// Zero padding of a convolution or pooling window.
///
/// `.same` follows Keras/TensorFlow: the output has `ceil(input / stride)` positions and the padding is split
/// with the extra pixel at the bottom/right (so stride-2 "same" layers of the papers' Keras models match).
public enum Padding: Sendable, Equatable {
    case valid
    case same
    case explicit(top: Int, bottom: Int, left: Int, right: Int)

    /// Symmetric explicit padding.
    public static func symmetric(_ p: Int) -> Padding { .explicit(top: p, bottom: p, left: p, right: p) }

    /// Resolved (top, bottom, left, right) for an input of `h×w`, a `kh×kw` window and `stride`.
    public func resolve(height h: Int, width w: Int, kernelH kh: Int, kernelW kw: Int, stride: Int)
        -> (top: Int, bottom: Int, left: Int, right: Int) {
        switch self {
        case .valid: return (0, 0, 0, 0)
        case let .explicit(t, b, l, r): return (t, b, l, r)
        case .same:
            func split(_ n: Int, _ k: Int) -> (Int, Int) {
                let out = (n + stride - 1) / stride
                let total = max((out - 1) * stride + k - n, 0)
                return (total / 2, total - total / 2)
            }
            let (t, b) = split(h, kh), (l, r) = split(w, kw)
            return (t, b, l, r)
        }
    }
}

/// Shapes of one 2-D convolution `x [n, inC, inH, inW] * w [outC, inC/groups, kh, kw] → [n, outC, outH, outW]`.
public struct ConvGeometry: Sendable, Equatable {
    public var batch, inC, inH, inW, outC, kh, kw, stride, groups: Int
    public var padTop, padBottom, padLeft, padRight: Int

    public init(batch: Int, inC: Int, inH: Int, inW: Int, outC: Int, kh: Int, kw: Int, stride: Int,
                padding: Padding, groups: Int) {
        precondition(stride >= 1 && groups >= 1 && inC % groups == 0 && outC % groups == 0,
                     "conv: channels \(inC)→\(outC) not divisible by groups \(groups), or stride \(stride) < 1")
        self.batch = batch; self.inC = inC; self.inH = inH; self.inW = inW; self.outC = outC
        self.kh = kh; self.kw = kw; self.stride = stride; self.groups = groups
        let p = padding.resolve(height: inH, width: inW, kernelH: kh, kernelW: kw, stride: stride)
        padTop = p.top; padBottom = p.bottom; padLeft = p.left; padRight = p.right
        precondition(outH >= 1 && outW >= 1,
                     "conv: a \(kh)×\(kw) window does not fit a \(inH)×\(inW) input with padding \(p)")
    }

    public var outH: Int { (inH + padTop + padBottom - kh) / stride + 1 }
    public var outW: Int { (inW + padLeft + padRight - kw) / stride + 1 }
    /// Input channels per group.
    public var groupIn: Int { inC / groups }
    /// Output channels per group.
    public var groupOut: Int { outC / groups }
    /// Rows of the im2col matrix of one group: groupIn·kh·kw.
    public var patch: Int { groupIn * kh * kw }
    public var outPlane: Int { outH * outW }
    public var inPlane: Int { inH * inW }
    /// A 1×1, stride-1, unpadded convolution reads its input directly as the im2col matrix.
    public var isPointwise: Bool {
        kh == 1 && kw == 1 && stride == 1 && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0
    }
    /// One filter per channel (MobileNet/EfficientNet depthwise convolutions): a direct kernel beats GEMM.
    public var isDepthwise: Bool { groupIn == 1 && groupOut == 1 && groups > 1 }
    /// Multiply-adds ×2 of the forward pass.
    public var flops: Int { 2 * batch * outC * outPlane * patch }
    public var inputShape: [Int] { [batch, inC, inH, inW] }
    public var outputShape: [Int] { [batch, outC, outH, outW] }
    public var weightShape: [Int] { [outC, groupIn, kh, kw] }
}
