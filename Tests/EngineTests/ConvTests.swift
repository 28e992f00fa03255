@testable import Engine
import Support
import TestSupport
import XCTest

/// Convolution and transposed convolution against direct loops, and their gradients by finite differences.
final class ConvTests: XCTestCase {
    /// Obviously-correct direct convolution.
    func referenceConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int, pad: (Int, Int, Int, Int), groups: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let og = o / groups
        let oh = (h + pad.0 + pad.1 - kh) / stride + 1, ow = (wd + pad.2 + pad.3 - kw) / stride + 1
        var y = Tensor(zeros: [n, o, oh, ow])
        for i in 0..<n { for oc in 0..<o { for oy in 0..<oh { for ox in 0..<ow {
            var s: Float = b?.data[oc] ?? 0
            let grp = oc / og
            for ic in 0..<cg { for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * stride - pad.0 + ky, ix = ox * stride - pad.2 + kx
                if iy < 0 || iy >= h || ix < 0 || ix >= wd { continue }
                s += x.data[((i * c + grp * cg + ic) * h + iy) * wd + ix] * w.data[((oc * cg + ic) * kh + ky) * kw + kx]
            } } }
            y[flat: ((i * o + oc) * oh + oy) * ow + ox] = s
        } } } }
        _ = c
        return y
    }

    /// Obviously-correct transposed convolution: every input pixel scatters its weighted kernel.
    func referenceConvTranspose(_ x: Tensor, _ w: Tensor, stride: Int, pad: (Int, Int), outSize: (Int, Int)) -> Tensor {
        let (n, ci, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (co, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
        var y = Tensor(zeros: [n, co, outSize.0, outSize.1])
        for i in 0..<n { for a in 0..<ci { for iy in 0..<h { for ix in 0..<wd {
            let v = x.data[((i * ci + a) * h + iy) * wd + ix]
            for b in 0..<co { for ky in 0..<kh { for kx in 0..<kw {
                let oy = iy * stride - pad.0 + ky, ox = ix * stride - pad.1 + kx
                if oy < 0 || oy >= outSize.0 || ox < 0 || ox >= outSize.1 { continue }
                y[flat: ((i * co + b) * outSize.0 + oy) * outSize.1 + ox] += v * w.data[((a * co + b) * kh + ky) * kw + kx]
            } } }
        } } } }
        return y
    }

    struct Case { var n, c, h, w, o, k, stride, groups: Int; var padding: Padding }

    let cases: [Case] = [
        Case(n: 1, c: 1, h: 7, w: 7, o: 3, k: 3, stride: 1, groups: 1, padding: .valid),
        Case(n: 3, c: 2, h: 9, w: 8, o: 4, k: 3, stride: 2, groups: 1, padding: .same),
        Case(n: 2, c: 4, h: 6, w: 5, o: 6, k: 3, stride: 1, groups: 2, padding: .symmetric(1)),
        Case(n: 2, c: 5, h: 7, w: 7, o: 5, k: 3, stride: 2, groups: 5, padding: .same),        // depthwise
        Case(n: 1, c: 3, h: 6, w: 6, o: 3, k: 5, stride: 1, groups: 3, padding: .symmetric(2)),  // depthwise, batch 1
        Case(n: 1, c: 20, h: 9, w: 7, o: 20, k: 5, stride: 2, groups: 20, padding: .same),      // depthwise, channel blocks
        Case(n: 3, c: 17, h: 3, w: 2, o: 17, k: 3, stride: 1, groups: 17, padding: .explicit(top: 2, bottom: 0, left: 1, right: 2)),
        Case(n: 3, c: 3, h: 5, w: 4, o: 7, k: 1, stride: 1, groups: 1, padding: .valid),       // pointwise
        Case(n: 2, c: 3, h: 10, w: 11, o: 2, k: 4, stride: 3, groups: 1, padding: .explicit(top: 2, bottom: 0, left: 1, right: 3)),
        Case(n: 3, c: 9, h: 7, w: 6, o: 1, k: 3, stride: 1, groups: 1, padding: .same),          // narrow output (direct)
        Case(n: 1, c: 8, h: 8, w: 9, o: 3, k: 3, stride: 2, groups: 1, padding: .same),          // narrow, strided, batch 1
    ]

    func testConvForwardMatchesReference() {
        for (i, t) in cases.enumerated() {
            let x = randomTensor([t.n, t.c, t.h, t.w], seed: UInt64(i))
            let w = randomTensor([t.o, t.c / t.groups, t.k, t.k], seed: UInt64(50 + i))
            let b = randomTensor([t.o], seed: UInt64(90 + i))
            let y = conv2d(Variable(x), weight: Variable(w), bias: Variable(b), stride: t.stride, padding: t.padding, groups: t.groups).value
            let p = t.padding.resolve(height: t.h, width: t.w, kernelH: t.k, kernelW: t.k, stride: t.stride)
            assertClose(y, referenceConv(x, w, b, stride: t.stride, pad: (p.top, p.bottom, p.left, p.right), groups: t.groups),
                        tolerance: 1e-5, "case \(i)")
        }
    }

    func testKerasSamePaddingShapes() {
        // Keras Conv2D(3×3, strides 2, "same") on 64×64 → 32×32 (pad 0 top/left, 1 bottom/right).
        let p = Padding.same.resolve(height: 64, width: 64, kernelH: 3, kernelW: 3, stride: 2)
        XCTAssertEqual([p.top, p.bottom, p.left, p.right], [0, 1, 0, 1])
        let y = conv2d(Variable(Tensor(zeros: [1, 1, 64, 64])), weight: Variable(Tensor(zeros: [2, 1, 3, 3])), stride: 2, padding: .same)
        XCTAssertEqual(y.shape, [1, 2, 32, 32])
        let u = convTranspose2d(Variable(Tensor(zeros: [2, 3, 4, 4])), weight: Variable(Tensor(zeros: [3, 5, 4, 4])), stride: 2, padding: .same)
        XCTAssertEqual(u.shape, [2, 5, 8, 8])
    }

    func testConvGradients() {
        for (i, t) in cases.enumerated() {
            let x = randomTensor([t.n, t.c, t.h, t.w], seed: UInt64(10 + i))
            let w = randomTensor([t.o, t.c / t.groups, t.k, t.k], seed: UInt64(60 + i))
            let b = randomTensor([t.o], seed: UInt64(95 + i))
            checkGradients([x, w, b], eps: 1e-2, tolerance: 1e-2) {
                conv2d($0[0], weight: $0[1], bias: $0[2], stride: t.stride, padding: t.padding, groups: t.groups)
            }
        }
    }

    func testConvTransposeForwardAndGradients() {
        let shapes: [(n: Int, ci: Int, h: Int, co: Int, k: Int, s: Int, padding: Padding, out: Int, pad: Int)] = [
            (1, 2, 3, 3, 4, 2, .same, 6, 1),
            (2, 3, 4, 2, 3, 2, .same, 8, 0),     // k − s odd: extra row at the bottom, like TF
            (3, 2, 5, 4, 3, 1, .valid, 7, 0),
            (2, 1, 3, 2, 2, 3, .valid, 8, 0),     // k < s: gaps
        ]
        for (i, t) in shapes.enumerated() {
            let x = randomTensor([t.n, t.ci, t.h, t.h], seed: UInt64(20 + i))
            let w = randomTensor([t.ci, t.co, t.k, t.k], seed: UInt64(70 + i))
            let b = randomTensor([t.co], seed: UInt64(80 + i))
            let y = convTranspose2d(Variable(x), weight: Variable(w), stride: t.s, padding: t.padding).value
            XCTAssertEqual(y.shape, [t.n, t.co, t.out, t.out], "case \(i)")
            assertClose(y, referenceConvTranspose(x, w, stride: t.s, pad: (t.pad, t.pad), outSize: (t.out, t.out)),
                        tolerance: 1e-5, "transposed case \(i)")
            checkGradients([x, w, b], eps: 1e-2, tolerance: 1e-2) {
                convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: t.s, padding: t.padding)
            }
        }
    }

    func testConvOnRandomShapesAgainstReference() {
        var rng = RandomSource(seed: 1234)
        for trial in 0..<12 {
            let groups = [1, 1, 2, 3][Int(rng.next() % 4)]
            let c = groups * (1 + Int(rng.next() % 3)), o = groups * (1 + Int(rng.next() % 3))
            let k = 1 + Int(rng.next() % 4), stride = 1 + Int(rng.next() % 3)
            let h = k + Int(rng.next() % 9), w = k + Int(rng.next() % 9), n = 1 + Int(rng.next() % 3)
            let padding: Padding = [.valid, .same, .symmetric(Int(rng.next() % 2))][Int(rng.next() % 3)]
            let x = randomTensor([n, c, h, w], seed: rng.next()), wt = randomTensor([o, c / groups, k, k], seed: rng.next())
            let y = conv2d(Variable(x), weight: Variable(wt), stride: stride, padding: padding, groups: groups).value
            let p = padding.resolve(height: h, width: w, kernelH: k, kernelW: k, stride: stride)
            assertClose(y, referenceConv(x, wt, nil, stride: stride, pad: (p.top, p.bottom, p.left, p.right), groups: groups),
                        tolerance: 1e-5, "random trial \(trial)")
        }
    }

    /// Large planes (one image per GEMM, read and written in place) and a batch with more chunks than workers (each
    /// worker sums several chunks into its own partial buffer), 1×1 and 3×3: forward, input and filter gradients and
    /// the fused forward + filter gradient against direct loops, and the same bits on every call.
    func testLargePlanesAndManyChunksAgainstReference() {
        for k in [1, 3] {
            // 1×1: one image per chunk from 8×8 on; 3×3: planes large enough that a chunk holds at most two images.
            let (n, c, o) = (5, 16, 5), (h, w) = k == 1 ? (31, 29) : (61, 63), pad = (k - 1) / 2
            let x = randomTensor([n, c, h, w], seed: 71), dy = randomTensor([n, o, h, w], seed: 72)
            let wt = randomTensor([o, c, k, k], seed: 73)
            let g = ConvGeometry(batch: n, inC: c, inH: h, inW: w, outC: o, kh: k, kw: k, stride: 1, padding: .same,
                                 groups: 1)
            XCTAssertGreaterThanOrEqual(g.outPlane, ConvKernels.singleImagePlane)
            XCTAssertGreaterThan(ConvKernels.Chunking(g, perImage: g.patch * g.outPlane).count, Parallel.workers)
            var y = Tensor(zeros: g.outputShape), dx = Tensor(zeros: g.inputShape), dw = Tensor(zeros: g.weightShape)
            var again = Tensor(zeros: g.weightShape), fusedY = Tensor(zeros: g.outputShape)
            var fusedW = Tensor(zeros: g.weightShape)
            ConvKernels.forward(x.data, wt.data, y.mutableData(), g)
            ConvKernels.backwardData(dy.data, wt.data, dx.mutableData(), g)
            ConvKernels.backwardFilter(x.data, dy.data, dw.mutableData(), g)
            ConvKernels.backwardFilter(x.data, dy.data, again.mutableData(), g)
            ConvKernels.forwardAndFilterGradient(x.data, wt.data, fusedY.mutableData(), dy.data, fusedW.mutableData(), g)
            var refDW = Tensor(zeros: g.weightShape), refDX = Tensor(zeros: g.inputShape)
            for oc in 0..<o { for ic in 0..<c { for ky in 0..<k { for kx in 0..<k {
                var s = 0.0
                for i in 0..<n { for oy in 0..<h { for ox in 0..<w {
                    let iy = oy - pad + ky, ix = ox - pad + kx
                    if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                    let gy = Double(dy.data[((i * o + oc) * h + oy) * w + ox])
                    s += gy * Double(x.data[((i * c + ic) * h + iy) * w + ix])
                    refDX[flat: ((i * c + ic) * h + iy) * w + ix] += Float(gy) * wt.data[((oc * c + ic) * k + ky) * k + kx]
                } } }
                refDW[flat: ((oc * c + ic) * k + ky) * k + kx] = Float(s)
            } } } }
            let refY = referenceConv(x, wt, nil, stride: 1, pad: (pad, pad, pad, pad), groups: 1)
            assertClose(y, refY, tolerance: 1e-5, "forward \(k)×\(k)")
            assertClose(dx, refDX, tolerance: 1e-5, "input gradient \(k)×\(k)")
            assertClose(dw, refDW, tolerance: 1e-4, "filter gradient \(k)×\(k)")
            assertClose(fusedY, refY, tolerance: 1e-5, "fused forward \(k)×\(k)")
            assertClose(fusedW, refDW, tolerance: 1e-4, "fused filter gradient \(k)×\(k)")
            XCTAssertEqual(dw.scalars, again.scalars, "same bits on every call")
        }
    }
}
