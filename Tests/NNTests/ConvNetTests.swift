import Engine
@testable import NN
import Support
import XCTest

final class ConvNetTests: XCTestCase {
    /// 8×8 images: class 0 a vertical line, class 1 a horizontal line, at a random position, with noise.
    func makeImages(count: Int, seed: UInt64) -> (Tensor, [Int]) {
        var rng = RandomSource(seed: seed)
        var x = Tensor(zeros: [count, 1, 8, 8])
        var labels = [Int]()
        let p = x.mutableData()
        for i in 0..<count {
            let label = Int(rng.next() % 2), at = Int(rng.next() % 8)
            labels.append(label)
            for r in 0..<8 { for c in 0..<8 {
                let on = label == 0 ? c == at : r == at
                p[i * 64 + r * 8 + c] = (on ? 1 : 0) + 0.2 * rng.uniform(-1, 1)
            } }
        }
        return (x, labels)
    }

    func makeNet(seed: UInt64) -> Sequential {
        var rng = RandomSource(seed: seed)
        return Sequential(named: [
            ("conv1", Conv2D(1, 6, kernel: 3, padding: .same, initializer: .heNormal, rng: &rng)),
            ("bn1", BatchNorm(6)), ("relu1", ReLU()), ("pool1", MaxPool2D(2)),
            ("conv2", Conv2D(6, 8, kernel: 3, stride: 2, padding: .same, rng: &rng)), ("act2", LeakyReLU()),
            ("drop", Dropout(0.1)), ("gap", GlobalAvgPool2D()), ("head", Dense(8, 2, rng: &rng)),
        ])
    }

    func train(seed: UInt64) -> (Sequential, Float) {
        let net = makeNet(seed: seed)
        let (x, y) = makeImages(count: 256, seed: 1)
        let opt = Adam(parameters: net.trainableParameters, learningRate: 0.02)
        for step in 0..<160 {
            let lo = (step % 8) * 32
            let batch = Tensor(shape: [32, 1, 8, 8], values: Array(x.scalars[(lo * 64)..<((lo + 32) * 64)]))
            let tape = Tape(training: true, seed: seed &+ UInt64(step))
            tape.backward(sparseCrossEntropy(logits: net(tape.constant(batch)), labels: Array(y[lo..<(lo + 32)])))
            opt.step()
        }
        let (tx, ty) = makeImages(count: 500, seed: 2)
        let pred = net(Variable(tx)).value.argmaxRows()
        return (net, Float(zip(pred, ty).filter { $0 == $1 }.count) / Float(ty.count))
    }

    func testSmallConvNetLearnsAndIsReproducible() {
        let (a, accA) = train(seed: 7)
        XCTAssertGreaterThanOrEqual(accA, 0.99)
        let (b, _) = train(seed: 7)
        for (p, q) in zip(a.namedParameters(), b.namedParameters()) {
            XCTAssertTrue(p.parameter.value.bitwiseEqual(q.parameter.value), "\(p.name) differs between runs")
        }
        XCTAssertEqual(a.namedParameters().map(\.name).prefix(6),
                       ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"])
    }

    func testSGANShapesAndParameterCount() {
        // The classic Keras SGAN of issue 2 (004_…txt section 4.1), at batch 2.
        var rng = RandomSource(seed: 3)
        var d: [(String, Module)] = []
        for i in 0..<4 {
            d += [("conv\(i + 1)", Conv2D(i == 0 ? 1 : 128, 128, kernel: 3, stride: 2, padding: .same, rng: &rng)),
                  ("lrelu\(i + 1)", LeakyReLU(0.2)), ("drop\(i + 1)", Dropout(0.25))]
        }
        let disc = Sequential(named: d + [("flatten", Flatten()), ("logits", Dense(128 * 4 * 4, 5, rng: &rng))])
        XCTAssertEqual(disc.parameterCount, 454_277)
        XCTAssertEqual(disc(Variable(Tensor(zeros: [2, 1, 64, 64]))).shape, [2, 5])
        let up = (0..<4).flatMap { i in
            [("up\(i + 1)", ConvTranspose2D(128, 128, kernel: 4, stride: 2, padding: .same, rng: &rng) as Module),
             ("lrelu\(i + 1)", LeakyReLU(0.2) as Module)]
        }
        let gen = Sequential(named: [("project", Dense(500, 4 * 4 * 128, rng: &rng) as Module),
                                     ("lrelu0", LeakyReLU(0.2)), ("reshape", Lambda { $0.reshaped([-1, 128, 4, 4]) })]
                             + up + [("out", Conv2D(128, 1, kernel: 3, padding: .same, rng: &rng)), ("tanh", Tanh())])
        let tape = Tape(training: true, seed: 1)
        let img = gen(tape.constant(Tensor.normal([2, 500], rng: &rng)))
        XCTAssertEqual(img.shape, [2, 1, 64, 64])
        XCTAssertLessThanOrEqual(img.value.maxAbs(), 1)
        // Generator step through the frozen discriminator: only the generator gets gradients.
        disc.freeze()
        tape.backward(disc(img).logSumExp().softplus().mean())
        XCTAssertNil(disc.parameters[0].grad)
        XCTAssertNotNil(gen.parameters[0].grad)
        XCTAssertNotNil(gen.namedParameters().first { $0.name == "up1.weight" }?.parameter.grad)
    }
}
