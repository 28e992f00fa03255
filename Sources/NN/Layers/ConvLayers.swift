import Engine
import Support

/// 2-D convolution layer on NCHW input: `weight [out, in/groups, k, k]` (PyTorch's OIHW layout, so converted
/// checkpoints load by name), optional `bias [out]` initialised to zero. Glorot uniform by default (Keras'
/// `Conv2D` default, used by the SGAN discriminator of *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 4.1.1), He normal for ReLU networks.
/// `padding: .same` is Keras' "same" (output `ceil(in / stride)`); `groups == in == out` is depthwise.
public final class Conv2D: ConvolutionLayer {
    public let groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Padding = .valid,
                groups: Int = 1, bias: Bool = true, initializer: Initializer = .glorotUniform,
                rng: inout RandomSource) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2D: \(inChannels)→\(outChannels) channels not divisible by \(groups) groups")
        let field = kernel * kernel
        self.groups = groups
        super.init(weight: initializer.make([outChannels, inChannels / groups, kernel, kernel],
                                            fanIn: inChannels / groups * field, fanOut: outChannels / groups * field, rng: &rng),
                   biasChannels: bias ? outChannels : nil, stride: stride, padding: padding)
    }

    public override func callAsFunction(_ x: Variable) -> Variable {
        conv2d(x, weight: x.use(weight), bias: bias.map { x.use($0) }, stride: stride, padding: padding,
               groups: groups)
    }
}

/// Transposed 2-D convolution layer (learned upsampling; the SGAN generator's 4×4 stride-2 "same" blocks,
/// *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 4.1.2): `weight [in, out, k, k]` (PyTorch's layout), optional zero-initialised
/// `bias [out]`, Glorot uniform by default. `padding: .same` gives output `in · stride` like Keras.
public final class ConvTranspose2D: ConvolutionLayer {
    public let outputPadding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Padding = .valid,
                outputPadding: Int = 0, bias: Bool = true, initializer: Initializer = .glorotUniform,
                rng: inout RandomSource) {
        let field = kernel * kernel
        self.outputPadding = outputPadding
        // Fans as Keras and PyTorch count them for a transposed kernel: in = out·k², out = in·k².
        super.init(weight: initializer.make([inChannels, outChannels, kernel, kernel], fanIn: outChannels * field,
                                            fanOut: inChannels * field, rng: &rng),
                   biasChannels: bias ? outChannels : nil, stride: stride, padding: padding)
    }

    public override func callAsFunction(_ x: Variable) -> Variable {
        convTranspose2d(x, weight: x.use(weight), bias: bias.map { x.use($0) }, stride: stride, padding: padding,
                        outputPadding: outputPadding)
    }
}

/// What both convolution layers hold: the kernel `weight`, an optional zero-initialised `bias [out]`, stride and
/// padding, registered as `weight` and `bias`.
public class ConvolutionLayer: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int
    public let padding: Padding

    init(weight: Tensor, biasChannels: Int?, stride: Int, padding: Padding) {
        self.weight = Parameter(weight)
        self.bias = biasChannels.map { Parameter(Tensor(zeros: [$0])) }
        self.stride = stride
        self.padding = padding
        super.init()
        register("weight", self.weight)
        if let b = bias { register("bias", b) }
    }
}
