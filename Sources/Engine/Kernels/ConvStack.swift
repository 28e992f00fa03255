#if canImport(CDNNL)
import CDNNL
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One layer of a `ConvStack`: a convolution (optional bias, then an activation, then an optional per-channel
/// affine map — a batch norm that follows the activation, as in the low-depth CNN) or a max/average pooling window.
public struct ConvStackLayer {
    public enum Activation: Equatable, Sendable {
        case none
        /// ReLU with a negative slope (0 for plain ReLU, 0.2 for the SGAN's LeakyReLU).
        case leakyRelu(Float)
    }
    public enum Operation {
        case convolution(weight: Tensor, bias: Tensor?)
        /// Max over each window's in-bounds elements (padding never wins).
        case maxPool(kernel: Int)
        /// Mean over each window's in-bounds elements (TF/Keras: padding is not counted).
        case averagePool(kernel: Int)
    }
    /// `y = scale[c] · x + shift[c]` (a batch norm in inference mode: scale = γ/√(σ² + ε), shift = β − μ·scale).
    public struct ChannelAffine {
        public var scale: Tensor, shift: Tensor
        public init(scale: Tensor, shift: Tensor) {
            precondition(scale.rank == 1 && scale.shape == shift.shape, "ChannelAffine: scale \(scale.shape), shift \(shift.shape)")
            self.scale = scale; self.shift = shift
        }
    }
    public var operation: Operation
    public var stride: Int
    public var padding: Padding
    public var activation: Activation
    /// Applied after the activation (convolutions only).
    public var affine: ChannelAffine?

    /// A convolution layer.
    public init(weight: Tensor, bias: Tensor?, stride: Int, padding: Padding, activation: Activation,
                affine: ChannelAffine? = nil) {
        precondition(weight.rank == 4 && bias.map { $0.shape == [weight.shape[0]] } ?? true,
                     "ConvStackLayer: weight \(weight.shape), bias \(bias?.shape ?? [])")
        precondition(affine.map { $0.scale.count == weight.shape[0] } ?? true, "ConvStackLayer: affine of the wrong width")
        operation = .convolution(weight: weight, bias: bias)
        self.stride = stride; self.padding = padding; self.activation = activation; self.affine = affine
    }

    /// A pooling layer (`kernel × kernel` windows).
    public static func pooling(max: Bool, kernel: Int, stride: Int, padding: Padding) -> ConvStackLayer {
        ConvStackLayer(operation: max ? .maxPool(kernel: kernel) : .averagePool(kernel: kernel), stride: stride,
                       padding: padding)
    }

    private init(operation: Operation, stride: Int, padding: Padding) {
        self.operation = operation; self.stride = stride; self.padding = padding; activation = .none; affine = nil
    }

    /// The convolution's filters (nil for pooling).
    public var weight: Tensor? {
        if case let .convolution(w, _) = operation { return w }
        return nil
    }

    /// This layer applied to `h` with the engine's portable ops.
    func reference(_ h: Variable) -> Variable {
        switch operation {
        case let .maxPool(k): return maxPool2d(h, kernel: k, stride: stride, padding: padding)
        case let .averagePool(k): return avgPool2d(h, kernel: k, stride: stride, padding: padding)
        case let .convolution(w, b):
            var y = conv2d(h, weight: Variable(w), bias: b.map { Variable($0) }, stride: stride, padding: padding)
            if case let .leakyRelu(slope) = activation { y = y.leakyRelu(slope) }
            if let a = affine {
                let c = a.scale.count
                y = y * Variable(a.scale.reshaped([1, c, 1, 1])) + Variable(a.shift.reshaped([1, c, 1, 1]))
            }
            return y
        }
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
        guard DNNL.enabled, x.shape.first ?? 0 > 0 else { return Self.reference(layers, x) }
        precondition(x.rank == 4, "ConvStack needs an NCHW input, got \(x.shape)")
        return lock.withLock {
            func plan(_ shape: [Int]) -> Plan {
                if let p = plans[shape], p.matches(layers) { return p }
                if plans.count > 8 { plans.removeAll() }
                let p = Plan(layers, inputShape: shape)
                plans[shape] = p
                return p
            }
            let n = x.shape[0], chunk = Self.chunkImages(layers, x.shape)
            let inPer = x.count / Swift.max(n, 1)
            let first = plan([Swift.min(n, chunk)] + x.shape.dropFirst())
            let outPer = first.outputShape.dropFirst().reduce(1, *)
            var y = Tensor(uninitializedShape: [n] + first.outputShape.dropFirst())
            let out = y.mutableData()
            // Chunks of images run through the whole stack one after another, so each layer's activations stay
            // in cache for the next instead of streaming the whole batch through memory layer by layer.
            for lo in stride(from: 0, to: n, by: chunk) {
                let m = Swift.min(chunk, n - lo)
                let p = m == first.outputShape[0] ? first : plan([m] + x.shape.dropFirst())
                p.run(layers, weightsVersion: weightsVersion, input: x.data + lo * inPer, output: out + lo * outPer)
            }
            return y
        }
        #else
        return Self.reference(layers, x)
        #endif
    }

    /// Images per chunk: as many as keep the largest activation of a chunk within `chunkBytes`.
    static func chunkImages(_ layers: [ConvStackLayer], _ shape: [Int]) -> Int {
        var c = shape[1], h = shape[2], w = shape[3], largest = c * h * w
        for l in layers {
            let k: Int
            switch l.operation {
            case let .convolution(weight, _): c = weight.shape[0]; k = weight.shape[2]
            case let .maxPool(kernel), let .averagePool(kernel): k = kernel
            }
            let p = l.padding.resolve(height: h, width: w, kernelH: k, kernelW: k, stride: l.stride)
            h = (h + p.top + p.bottom - k) / l.stride + 1
            w = (w + p.left + p.right - k) / l.stride + 1
            largest = Swift.max(largest, c * h * w)
        }
        return Swift.max(1, chunkBytes / Swift.max(4 * largest, 1))
    }

    /// The activation budget of one chunk (`CELLPHASE_STACK_CHUNK_KB` overrides it, for measurement).
    static let chunkBytes: Int = {
        if let v = getenv("CELLPHASE_STACK_CHUNK_KB"), let kb = Int(String(cString: v)), kb > 0 { return kb << 10 }
        return 4 << 20
    }()

    /// The same computation with the engine's portable ops.
    public static func reference(_ layers: [ConvStackLayer], _ x: Tensor) -> Tensor {
        layers.reduce(Variable(x)) { $1.reference($0) }.value
    }

    #if canImport(CDNNL)
    /// Primitives and memories for one input shape.
    final class Plan {
        struct Step {
            var primitive: dnnl_primitive_t
            var reorderIn: dnnl_primitive_t?   // previous layout → this convolution's source layout
            var src: dnnl_memory_t
            var dst: dnnl_memory_t
            /// Convolutions only: the blocked filters, the user's OIHW filters and the reorder between them.
            var weights: (blocked: dnnl_memory_t, user: dnnl_memory_t, reorder: dnnl_primitive_t)?
            var bias: dnnl_memory_t?
            /// The affine post-op's scale and shift `[1, C, 1, 1]` and their post-op indices.
            var affine: (scale: dnnl_memory_t, shift: dnnl_memory_t, index: Int32)?
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
            var s: [Int]
            switch l.operation {
            case let .convolution(w, b): s = [0] + w.shape + [b == nil ? 0 : 1]
            case let .maxPool(k): s = [1, k]
            case let .averagePool(k): s = [2, k]
            }
            s += [l.stride, l.affine == nil ? 0 : 1]
            switch l.activation {
            case .none: s.append(0)
            case let .leakyRelu(slope): s += [1, Int(slope.bitPattern)]
            }
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
                let step: Step
                switch l.operation {
                case let .convolution(w, b):
                    step = Self.convolution(l, weight: w.shape, hasBias: b != nil, input: shape, previous: previous)
                case let .maxPool(k), let .averagePool(k):
                    step = Self.pooling(l, kernel: k, input: shape, previous: previous)
                }
                steps.append(step)
                previous = (Self.memoryDescriptor(step.dst), step.dst)
                shape = Self.dims(previous.md)
            }
            outputShape = shape
            let userOut = DNNL.descriptor(shape, tag: dnnl_nchw)
            output = dnnl.memory(userOut, allocate: false)
            reorderOut = dnnl.reorder(from: previous.md, to: userOut)
        }

        static func memoryDescriptor(_ m: dnnl_memory_t) -> dnnl_memory_desc_t {
            var md: UnsafePointer<dnnl_memory_desc_t>?
            DNNL.check(dnnl_memory_get_memory_desc(m, &md), "memory descriptor")
            return md!.pointee
        }

        static func dims(_ md: dnnl_memory_desc_t) -> [Int] {
            var d = md
            return withUnsafeBytes(of: &d.dims) { raw in
                (0..<Int(md.ndims)).map { Int(raw.load(fromByteOffset: $0 * 8, as: Int64.self)) }
            }
        }

        /// An attribute with the layer's activation and affine map as post-ops.
        static func postOps(_ l: ConvStackLayer, channels: Int) -> (attr: dnnl_primitive_attr_t, affineIndex: Int32?) {
            var attr: dnnl_primitive_attr_t?
            DNNL.check(dnnl_primitive_attr_create(&attr), "attributes")
            var ops: dnnl_post_ops_t?
            DNNL.check(dnnl_post_ops_create(&ops), "post ops")
            defer { dnnl_post_ops_destroy(ops) }
            var index: Int32 = 0, affineIndex: Int32?
            if case let .leakyRelu(slope) = l.activation {
                DNNL.check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, slope, 0), "eltwise post op")
                index += 1
            }
            if l.affine != nil {
                var md = DNNL.descriptor([1, channels, 1, 1], tag: dnnl_nchw)
                DNNL.check(dnnl_post_ops_append_binary(ops, dnnl_binary_mul, &md), "scale post op")
                DNNL.check(dnnl_post_ops_append_binary(ops, dnnl_binary_add, &md), "shift post op")
                affineIndex = index
            }
            DNNL.check(dnnl_primitive_attr_set_post_ops(attr, ops), "set post ops")
            return (attr!, affineIndex)
        }

        static func convolution(_ l: ConvStackLayer, weight ws: [Int], hasBias: Bool, input shape: [Int],
                                previous: (md: dnnl_memory_desc_t, memory: dnnl_memory_t)) -> Step {
            let dnnl = DNNL.shared
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
                                                   &srcAny, &wAny, hasBias ? b : nil, &dstAny,
                                                   strides, padL, padR)
            }, "convolution descriptor")
            let (attr, affineIndex) = postOps(l, channels: ws[0])
            defer { dnnl_primitive_attr_destroy(attr) }
            var pd: dnnl_primitive_desc_t?
            DNNL.check(dnnl_primitive_desc_create(&pd, &desc, attr, dnnl.engine, nil), "convolution primitive descriptor")
            defer { dnnl_primitive_desc_destroy(pd) }
            let srcMD = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0)!.pointee
            let wMD = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)!.pointee
            let dstMD = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0)!.pointee
            var prevMD = previous.md, wantMD = srcMD
            let sameLayout = dnnl_memory_desc_equal(&prevMD, &wantMD) != 0
            var conv: dnnl_primitive_t?
            DNNL.check(dnnl_primitive_create(&conv, pd), "convolution primitive")
            let userW = DNNL.descriptor(ws, tag: dnnl_oihw)
            let channelMD = DNNL.descriptor([1, ws[0], 1, 1], tag: dnnl_nchw)
            return Step(primitive: conv!, reorderIn: sameLayout ? nil : dnnl.reorder(from: previous.md, to: srcMD),
                        src: sameLayout ? previous.memory : dnnl.memory(srcMD), dst: dnnl.memory(dstMD),
                        weights: (dnnl.memory(wMD), dnnl.memory(userW, allocate: false), dnnl.reorder(from: userW, to: wMD)),
                        bias: hasBias ? dnnl.memory(bMD) : nil,
                        affine: affineIndex.map { (dnnl.memory(channelMD), dnnl.memory(channelMD), $0) },
                        signature: signature(l))
        }

        /// Pooling reads the previous layer's layout as it is (no reorder).
        static func pooling(_ l: ConvStackLayer, kernel: Int, input shape: [Int],
                            previous: (md: dnnl_memory_desc_t, memory: dnnl_memory_t)) -> Step {
            let dnnl = DNNL.shared
            let g = PoolGeometry(shape: shape, kernel: kernel, stride: l.stride, padding: l.padding)
            let p = l.padding.resolve(height: shape[2], width: shape[3], kernelH: kernel, kernelW: kernel, stride: l.stride)
            let padR = DNNL.dims([p.bottom, p.right])  // oneDNN rounds the output size down as PoolGeometry does
            var src = previous.md
            var dstAny = DNNL.descriptor([shape[0], shape[1], g.outH, g.outW], tag: dnnl_format_tag_any)
            var desc = dnnl_pooling_desc_t()
            let isMax: Bool
            if case .maxPool = l.operation { isMax = true } else { isMax = false }
            DNNL.check(dnnl_pooling_forward_desc_init(&desc, dnnl_forward_inference,
                                                      isMax ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding,
                                                      &src, &dstAny, DNNL.dims([l.stride, l.stride]),
                                                      DNNL.dims([kernel, kernel]), DNNL.dims([p.top, p.left]), padR),
                       "pooling descriptor")
            var pd: dnnl_primitive_desc_t?
            DNNL.check(dnnl_primitive_desc_create(&pd, &desc, nil, dnnl.engine, nil), "pooling primitive descriptor")
            defer { dnnl_primitive_desc_destroy(pd) }
            let dstMD = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0)!.pointee
            var pool: dnnl_primitive_t?
            DNNL.check(dnnl_primitive_create(&pool, pd), "pooling primitive")
            return Step(primitive: pool!, reorderIn: nil, src: previous.memory, dst: dnnl.memory(dstMD), weights: nil,
                        bias: nil, affine: nil, signature: signature(l))
        }

        deinit {
            for s in steps {
                dnnl_primitive_destroy(s.primitive)
                if let r = s.reorderIn { dnnl_primitive_destroy(r); dnnl_memory_destroy(s.src) }
                if let w = s.weights {
                    dnnl_primitive_destroy(w.reorder); dnnl_memory_destroy(w.blocked); dnnl_memory_destroy(w.user)
                }
                dnnl_memory_destroy(s.dst)
                if let b = s.bias { dnnl_memory_destroy(b) }
                if let a = s.affine { dnnl_memory_destroy(a.scale); dnnl_memory_destroy(a.shift) }
            }
            dnnl_primitive_destroy(reorderOut)
            dnnl_memory_destroy(input); dnnl_memory_destroy(output)
        }

        /// Copies `t`'s values into the buffer `m` owns.
        func fill(_ m: dnnl_memory_t, _ t: Tensor) {
            var handle: UnsafeMutableRawPointer?
            DNNL.check(dnnl_memory_get_data_handle(m, &handle), "data handle")
            handle!.copyMemory(from: t.data, byteCount: t.count * 4)
        }

        func run(_ layers: [ConvStackLayer], weightsVersion: Int, input x: UnsafePointer<Float>,
                 output y: UnsafeMutablePointer<Float>) {
            if weightsVersion != self.weightsVersion {
                for (l, s) in zip(layers, steps) {
                    guard case let .convolution(weight, bias) = l.operation, let w = s.weights else { continue }
                    DNNL.check(dnnl_memory_set_data_handle(w.user, UnsafeMutableRawPointer(mutating: weight.data)), "weights")
                    dnnl.execute(w.reorder, [(DNNL_ARG_FROM, w.user), (DNNL_ARG_TO, w.blocked)])
                    if let b = s.bias, let lb = bias { fill(b, lb) }
                    if let a = s.affine, let la = l.affine { fill(a.scale, la.scale); fill(a.shift, la.shift) }
                }
                dnnl.wait()
                self.weightsVersion = weightsVersion
            }
            DNNL.check(dnnl_memory_set_data_handle(input, UnsafeMutableRawPointer(mutating: x)), "input")
            DNNL.check(dnnl_memory_set_data_handle(output, y), "output")
            var previous = input
            for s in steps {
                if let r = s.reorderIn { dnnl.execute(r, [(DNNL_ARG_FROM, previous), (DNNL_ARG_TO, s.src)]) }
                var args: [(Int32, dnnl_memory_t)] = [(DNNL_ARG_SRC, s.src), (DNNL_ARG_DST, s.dst)]
                if let w = s.weights { args.append((DNNL_ARG_WEIGHTS, w.blocked)) }
                if let b = s.bias { args.append((DNNL_ARG_BIAS, b)) }
                if let a = s.affine {
                    // DNNL_ARG_ATTR_MULTIPLE_POST_OP(i) | DNNL_ARG_SRC_1 (function-like C macros do not import).
                    func postOpArgument(_ i: Int32) -> Int32 { (DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * (i + 1)) | DNNL_ARG_SRC_1 }
                    args.append((postOpArgument(a.index), a.scale))
                    args.append((postOpArgument(a.index + 1), a.shift))
                }
                dnnl.execute(s.primitive, args)
                previous = s.dst
            }
            dnnl.execute(reorderOut, [(DNNL_ARG_FROM, previous), (DNNL_ARG_TO, output)])
            dnnl.wait()
        }
    }
    #endif
}
