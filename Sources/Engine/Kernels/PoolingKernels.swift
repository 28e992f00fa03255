import Support

/// Window geometry and per-plane loops of 2-D max and average pooling on NCHW tensors.
/// Planes (image × channel) are spread over the cores; each plane is written by one worker.
public struct PoolGeometry: Sendable, Equatable {
    public var planes, inH, inW, kh, kw, stride, padTop, padLeft, outH, outW: Int

    public init(shape: [Int], kernel: Int, stride: Int, padding: Padding) {
        precondition(shape.count == 4, "pooling needs NCHW input, got \(shape)")
        precondition(kernel >= 1 && stride >= 1, "pooling: kernel \(kernel), stride \(stride)")
        planes = shape[0] * shape[1]; inH = shape[2]; inW = shape[3]
        kh = kernel; kw = kernel; self.stride = stride
        let p = padding.resolve(height: inH, width: inW, kernelH: kernel, kernelW: kernel, stride: stride)
        precondition(p.top < kernel && p.bottom < kernel && p.left < kernel && p.right < kernel,
                     "pooling: padding \(p) must be smaller than the \(kernel)×\(kernel) window")
        padTop = p.top; padLeft = p.left
        outH = (inH + p.top + p.bottom - kernel) / stride + 1
        outW = (inW + p.left + p.right - kernel) / stride + 1
        precondition(outH >= 1 && outW >= 1, "pooling: a \(kernel)×\(kernel) window does not fit \(shape) with \(p)")
    }

    /// In-bounds input rows `[lo, hi)` of output row `o`.
    @inline(__always) func rows(_ o: Int) -> (Int, Int) {
        let s = o * stride - padTop
        return (Swift.max(s, 0), Swift.min(s + kh, inH))
    }

    /// In-bounds input columns `[lo, hi)` of output column `o`.
    @inline(__always) func cols(_ o: Int) -> (Int, Int) {
        let s = o * stride - padLeft
        return (Swift.max(s, 0), Swift.min(s + kw, inW))
    }
}

/// The raw loops behind `maxPool2d` and `avgPool2d`, forward and backward, one plane per work item.
public enum PoolingKernels {
    /// Max over each window's in-bounds elements (padding never wins); `argmax` gets the winner's index in its plane.
    public static func maxForward(_ x: UnsafePointer<Float>, _ g: PoolGeometry, out: UnsafeMutablePointer<Float>,
                                  argmax: UnsafeMutablePointer<Int32>) {
        let p = UncheckedSendable((x, out, argmax))
        Parallel.forEach(g.planes, costPerItem: g.outH * g.outW * g.kh * g.kw) { plane in
            let (x, out, argmax) = p.value
            let src = x + plane * g.inH * g.inW, dst = out + plane * g.outH * g.outW
            let am = argmax + plane * g.outH * g.outW
            for oh in 0..<g.outH {
                let (r0, r1) = g.rows(oh)
                for ow in 0..<g.outW {
                    let (c0, c1) = g.cols(ow)
                    var best = -Float.infinity, at = r0 * g.inW + c0
                    for r in r0..<r1 { for c in c0..<c1 where src[r * g.inW + c] > best {
                        best = src[r * g.inW + c]; at = r * g.inW + c
                    } }
                    dst[oh * g.outW + ow] = src[at]
                    am[oh * g.outW + ow] = Int32(at)
                }
            }
        }
    }

    /// Routes each output gradient to its window's maximum.
    public static func maxBackward(_ grad: UnsafePointer<Float>, _ g: PoolGeometry, argmax: UnsafePointer<Int32>,
                                   dx: UnsafeMutablePointer<Float>) {
        let p = UncheckedSendable((grad, argmax, dx))
        Parallel.forEach(g.planes, costPerItem: g.inH * g.inW + g.outH * g.outW) { plane in
            let (grad, argmax, dx) = p.value
            let d = dx + plane * g.inH * g.inW
            d.update(repeating: 0, count: g.inH * g.inW)
            let gp = grad + plane * g.outH * g.outW, am = argmax + plane * g.outH * g.outW
            for i in 0..<(g.outH * g.outW) { d[Int(am[i])] += gp[i] }
        }
    }

    /// Mean over each window's in-bounds elements (TF/Keras semantics: padded positions are not counted).
    public static func averageForward(_ x: UnsafePointer<Float>, _ g: PoolGeometry, out: UnsafeMutablePointer<Float>) {
        let p = UncheckedSendable((x, out))
        Parallel.forEach(g.planes, costPerItem: g.outH * g.outW * g.kh * g.kw) { plane in
            let (x, out) = p.value
            let src = x + plane * g.inH * g.inW, dst = out + plane * g.outH * g.outW
            for oh in 0..<g.outH {
                let (r0, r1) = g.rows(oh)
                for ow in 0..<g.outW {
                    let (c0, c1) = g.cols(ow)
                    var s: Float = 0
                    for r in r0..<r1 { for c in c0..<c1 { s += src[r * g.inW + c] } }
                    dst[oh * g.outW + ow] = s / Float((r1 - r0) * (c1 - c0))
                }
            }
        }
    }

    /// Spreads each output gradient evenly over its window's in-bounds elements.
    public static func averageBackward(_ grad: UnsafePointer<Float>, _ g: PoolGeometry,
                                       dx: UnsafeMutablePointer<Float>) {
        let p = UncheckedSendable((grad, dx))
        Parallel.forEach(g.planes, costPerItem: g.inH * g.inW + g.outH * g.outW * g.kh * g.kw) { plane in
            let (grad, dx) = p.value
            let d = dx + plane * g.inH * g.inW
            d.update(repeating: 0, count: g.inH * g.inW)
            let gp = grad + plane * g.outH * g.outW
            for oh in 0..<g.outH {
                let (r0, r1) = g.rows(oh)
                for ow in 0..<g.outW {
                    let (c0, c1) = g.cols(ow)
                    let v = gp[oh * g.outW + ow] / Float((r1 - r0) * (c1 - c0))
                    for r in r0..<r1 { for c in c0..<c1 { d[r * g.inW + c] += v } }
                }
            }
        }
    }
}
