#if canImport(CDNNL)
import CDNNL
#endif

/// One layer of a `ConvStack`: a convolution with optional bias, followed by an activation.
public struct ConvStackLayer {
    public enum Activation: Equatable, Sendable {
        case none
        /// ReLU with a negative slope (0 for plain ReLU, 0.2 for the SGAN's LeakyReLU).
        case leakyRelu(Float)
    }
    public var weight: Tensor
    public var bias: Tensor?
    public var stride: Int
    public var padding: Padding
    public var activation: Activation

    public init(weight: Tensor, bias: Tensor?, stride: Int, padding: Padding, activation: Activation) {
        self.weight = weight; self.bias = bias; self.stride = stride; self.padding = padding
        self.activation = activation
    }
}

/// Inference through a chain of convolutions and activations (the SGAN discriminator's backbone) as fast as
/// this CPU allows: with oneDNN, activations stay in its blocked layout from the first layer to the last —
/// one reorder in, one out, activations fused into the convolutions — which is what lets a 250-cell field or
/// a single cell be classified in milliseconds (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*: 109.7 ms per cell, ~28 s per field).
/// Without oneDNN (macOS) it runs the engine's own convolution ops.
///
/// Plans are built per input shape and reused; filters are reordered again only when `weightsVersion` changes.
/// Calls are serialised (one stack runs one batch at a time).
public final class ConvStack: @unchecked Sendable {
    private let lock = Lock()
    #if canImport(CDNNL)
    private var plans: [[Int]: Plan] = [:]
    #endif

    public init() {}

    /// Whether `run` goes through oneDNN here (false on macOS and with `CELLPHASE_DNNL=0`: then `run` *is*
    /// `reference`, and comparing the two tests nothing).
    public static var usesDNNL: Bool {
        #if canImport(CDNNL)
        return DNNL.enabled
        #else
        return false
        #endif
    }

    /// `x [N, C, H, W]` through `layers`, NCHW out.
    public func run(_ layers: [ConvStackLayer], weightsVersion: Int, _ x: Tensor) -> Tensor {
        #if canImport(CDNNL)
        guard DNNL.enabled else { return Self.reference(layers, x) }
        return lock.withLock {
            let plan: Plan
            if let p = plans[x.shape], p.matches(layers) {
                plan = p
            } else {
                if plans.count > 8 { plans.removeAll() }
                plan = Plan(layers, inputShape: x.shape)
                plans[x.shape] = plan
            }
            return plan.run(layers, weightsVersion: weightsVersion, x)
        }
        #else
        return Self.reference(layers, x)
        #endif
    }

    /// The same computation with the engine's portable ops.
    public static func reference(_ layers: [ConvStackLayer], _ x: Tensor) -> Tensor {
        var h = Variable(x)
        for l in layers {
            h = conv2d(h, weight: Variable(l.weight), bias: l.bias.map { Variable($0) }, stride: l.stride, padding: l.padding)
            if case let .leakyRelu(slope) = l.activation { h = h.leakyRelu(slope) }
        }
        return h.value
    }

    #if canImport(CDNNL)
    /// Primitives and memories for one input shape.
    final class Plan {
        struct Step {
            var conv: dnnl_primitive_t
            var reorderIn: dnnl_primitive_t?   // previous layout → this conv's source layout
            var src: dnnl_memory_t
            var weights: dnnl_memory_t
            var userWeights: dnnl_memory_t
            var weightsReorder: dnnl_primitive_t
            var bias: dnnl_memory_t?
            var dst: dnnl_memory_t
            var signature: [Int]
        }
        var steps: [Step] = []
        let input: dnnl_memory_t
        let output: dnnl_memory_t
        let reorderOut: dnnl_primitive_t
        let outputShape: [Int]
        var weightsVersion = Int.min
        let dnnl = DNNL.shared

        static func signature(_ l: ConvStackLayer) -> [Int] {
            var s = l.weight.shape + [l.stride, l.bias == nil ? 0 : 1]
            switch l.padding {
            case .valid: s.append(0)
            case .same: s.append(1)
            case let .explicit(t, b, le, r): s += [2, t, b, le, r]
            }
            return s
        }

        func matches(_ layers: [ConvStackLayer]) -> Bool {
            layers.count == steps.count && zip(layers, steps).allSatisfy { Self.signature($0) == $1.signature }
        }

        init(_ layers: [ConvStackLayer], inputShape: [Int]) {
            precondition(!layers.isEmpty && inputShape.count == 4, "ConvStack needs layers and an NCHW input")
            var shape = inputShape
            let userIn = DNNL.descriptor(inputShape, tag: dnnl_nchw)
            input = dnnl.memory(userIn, allocate: false)
            var previous: (md: dnnl_memory_desc_t, memory: dnnl_memory_t) = (userIn, input)
            for l in layers {
                let ws = l.weight.shape
                precondition(ws[1] == shape[1], "ConvStack: layer expects \(ws[1]) channels, input has \(shape[1])")
                let g = ConvGeometry(batch: shape[0], inC: shape[1], inH: shape[2], inW: shape[3], outC: ws[0],
                                     kh: ws[2], kw: ws[3], stride: l.stride, padding: l.padding, groups: 1)
                // A single-channel input is the same bytes in every layout: take it as it is.
                var srcAny = DNNL.descriptor(g.inputShape, tag: g.inC == 1 ? dnnl_nchw : dnnl_format_tag_any)
                var wAny = DNNL.descriptor(ws, tag: dnnl_format_tag_any)
                var dstAny = DNNL.descriptor(g.outputShape, tag: dnnl_format_tag_any)
                var bMD = DNNL.descriptor([ws[0]], tag: dnnl_x)
                let strides = DNNL.dims([l.stride, l.stride])
                let padL = DNNL.dims([g.padTop, g.padLeft]), padR = DNNL.dims([g.padBottom, g.padRight])
                var desc = dnnl_convolution_desc_t()
                DNNL.check(withUnsafeMutablePointer(to: &bMD) { b in
                    dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct,
                                                       &srcAny, &wAny, l.bias == nil ? nil : b, &dstAny,
                                                       strides, padL, padR)
                }, "convolution descriptor")
                var attr: dnnl_primitive_attr_t?
                DNNL.check(dnnl_primitive_attr_create(&attr), "attributes")
                defer { dnnl_primitive_attr_destroy(attr) }
                if case let .leakyRelu(slope) = l.activation {
                    var ops: dnnl_post_ops_t?
                    DNNL.check(dnnl_post_ops_create(&ops), "post ops")
                    DNNL.check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, slope, 0), "eltwise post op")
                    DNNL.check(dnnl_primitive_attr_set_post_ops(attr, ops), "set post ops")
                    dnnl_post_ops_destroy(ops)
                }
                var pd: dnnl_primitive_desc_t?
                DNNL.check(dnnl_primitive_desc_create(&pd, &desc, attr, dnnl.engine, nil), "convolution primitive descriptor")
                defer { dnnl_primitive_desc_destroy(pd) }
                let srcMD = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0)!.pointee
                let wMD = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)!.pointee
                let dstMD = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0)!.pointee
                var prevMD = previous.md, wantMD = srcMD
                let sameLayout = dnnl_memory_desc_equal(&prevMD, &wantMD) != 0
                let src = sameLayout ? previous.memory : dnnl.memory(srcMD)
                let reorderIn = sameLayout ? nil : dnnl.reorder(from: previous.md, to: srcMD)
                var conv: dnnl_primitive_t?
                DNNL.check(dnnl_primitive_create(&conv, pd), "convolution primitive")
                let userW = DNNL.descriptor(ws, tag: dnnl_oihw)
                let step = Step(conv: conv!, reorderIn: reorderIn, src: src, weights: dnnl.memory(wMD),
                                userWeights: dnnl.memory(userW, allocate: false),
                                weightsReorder: dnnl.reorder(from: userW, to: wMD),
                                bias: l.bias == nil ? nil : dnnl.memory(bMD), dst: dnnl.memory(dstMD),
                                signature: Self.signature(l))
                steps.append(step)
                previous = (dstMD, step.dst)
                shape = g.outputShape
            }
            outputShape = shape
            let userOut = DNNL.descriptor(shape, tag: dnnl_nchw)
            output = dnnl.memory(userOut, allocate: false)
            reorderOut = dnnl.reorder(from: previous.md, to: userOut)
        }

        deinit {
            for s in steps {
                dnnl_primitive_destroy(s.conv)
                if let r = s.reorderIn { dnnl_primitive_destroy(r); dnnl_memory_destroy(s.src) }
                dnnl_primitive_destroy(s.weightsReorder)
                dnnl_memory_destroy(s.weights); dnnl_memory_destroy(s.userWeights); dnnl_memory_destroy(s.dst)
                if let b = s.bias { dnnl_memory_destroy(b) }
            }
            dnnl_primitive_destroy(reorderOut)
            dnnl_memory_destroy(input); dnnl_memory_destroy(output)
        }

        func run(_ layers: [ConvStackLayer], weightsVersion: Int, _ x: Tensor) -> Tensor {
            if weightsVersion != self.weightsVersion {
                for (l, s) in zip(layers, steps) {
                    DNNL.check(dnnl_memory_set_data_handle(s.userWeights, UnsafeMutableRawPointer(mutating: l.weight.data)), "weights")
                    dnnl.execute(s.weightsReorder, [(DNNL_ARG_FROM, s.userWeights), (DNNL_ARG_TO, s.weights)])
                    if let b = s.bias, let lb = l.bias {
                        var handle: UnsafeMutableRawPointer?
                        DNNL.check(dnnl_memory_get_data_handle(b, &handle), "bias")
                        handle!.copyMemory(from: lb.data, byteCount: lb.count * 4)
                    }
                }
                dnnl.wait()
                self.weightsVersion = weightsVersion
            }
            var y = Tensor(uninitializedShape: outputShape)
            DNNL.check(dnnl_memory_set_data_handle(input, UnsafeMutableRawPointer(mutating: x.data)), "input")
            DNNL.check(dnnl_memory_set_data_handle(output, y.mutableData()), "output")
            var previous = input
            for s in steps {
                if let r = s.reorderIn { dnnl.execute(r, [(DNNL_ARG_FROM, previous), (DNNL_ARG_TO, s.src)]) }
                var args: [(Int32, dnnl_memory_t)] = [(DNNL_ARG_SRC, s.src), (DNNL_ARG_WEIGHTS, s.weights), (DNNL_ARG_DST, s.dst)]
                if let b = s.bias { args.append((DNNL_ARG_BIAS, b)) }
                dnnl.execute(s.conv, args)
                previous = s.dst
            }
            dnnl.execute(reorderOut, [(DNNL_ARG_FROM, previous), (DNNL_ARG_TO, output)])
            dnnl.wait()
            return y
        }
    }
    #endif
}
