import Engine
import Foundation
@testable import Models
import NN
import Support
import TestSupport
import XCTest

/// Every registered architecture builds, runs forward on 1-channel input of several sizes, and the torchvision
/// ones have the published parameter counts in their standard (3-channel, 1000-class) configuration.
final class ModelArchitectureTests: XCTestCase {
    func testParameterCountsMatchTorchvision() throws {
        // torchvision.models.*(num_classes=1000): sum(p.numel() for p in m.parameters()).
        let published = ["resnet18": 11_689_512, "resnet50": 25_557_032, "efficientnet-b0": 5_288_548, "mobilenet-v2": 3_504_872]
        for (name, count) in published {
            let m = try ModelRegistry.make(ModelConfig(architecture: name, inputSide: 224, channels: 3, classes: 1000), seed: 1)
            XCTAssertEqual(m.parameterCount, count, name)
        }
    }

    func testSmallCropResNetKeepsResolutionInItsStem() throws {
        // 3×3×1×32 stem + BN, basic blocks at widths 32/64/128/256, dense 256 → 7: counted by hand per layer.
        let config = ModelConfig(architecture: "resnet18-small", inputSide: 64, classes: 7)
        let m = try ModelRegistry.make(config, seed: 3)
        XCTAssertEqual(m.parameterCount, 2_796_263)
        let shapes = Dictionary(uniqueKeysWithValues: m.namedParameters().map { ($0.name, $0.parameter.value.shape) })
        XCTAssertEqual(shapes["conv1.weight"], [32, 1, 3, 3])
        XCTAssertEqual(shapes["layer4.1.conv2.weight"], [256, 256, 3, 3])
        XCTAssertEqual(shapes["fc.weight"]?.reversed().first, 256)
        // Stride 1 in the stem: the crop keeps its 64×64 resolution until the max-pool.
        let stem = (m as! ResNet).conv1
        var rng = RandomSource(seed: 4)
        let x = Tensor.uniform([1, 1, 64, 64], rng: &rng)
        XCTAssertEqual(stem(Variable(x)).value.shape, [1, 32, 64, 64])
    }

    func testTorchvisionNames() throws {
        func names(_ a: String) throws -> Set<String> {
            Set(try ModelRegistry.make(ModelConfig(architecture: a, inputSide: 64, classes: 5), seed: 0).namedParameters().map(\.name))
        }
        let r50 = try names("resnet50")
        for n in ["conv1.weight", "bn1.running_var", "layer1.0.conv3.weight", "layer2.0.downsample.0.weight",
                  "layer4.2.bn3.bias", "fc.weight", "fc.bias"] { XCTAssertTrue(r50.contains(n), n) }
        let eff = try names("efficientnet-b0")
        for n in ["features.0.0.weight", "features.0.1.running_mean", "features.1.0.block.0.0.weight",
                  "features.1.0.block.1.fc1.weight", "features.2.0.block.1.0.weight", "features.2.0.block.2.fc2.bias",
                  "features.2.0.block.3.1.weight", "features.8.0.weight", "classifier.1.weight"] { XCTAssertTrue(eff.contains(n), n) }
        let mob = try names("mobilenet-v2")
        for n in ["features.0.0.weight", "features.1.conv.0.0.weight", "features.1.conv.1.weight", "features.2.conv.3.running_var",
                  "features.18.0.weight", "classifier.1.weight"] { XCTAssertTrue(mob.contains(n), n) }
    }

    func testEveryArchitectureRunsOnOneChannelInputOfSeveralSizes() throws {
        for entry in ModelRegistry.entries {
            for side in [32, 47, 64] {
                let config = ModelConfig(architecture: entry.name, inputSide: side, channels: 1, classes: 3)
                if entry.name.hasPrefix("sgan"), side % 16 != 0 {  // four stride-2 blocks down to side / 16
                    XCTAssertThrowsError(try ModelRegistry.make(config, seed: 2), "\(entry.name) at \(side)")
                    continue
                }
                let m = try ModelRegistry.make(config, seed: 2)
                var rng = RandomSource(seed: 9)
                let x = Tensor.uniform(config.inputShape(batch: 2), rng: &rng)
                let y = m(Variable(x)).value
                XCTAssertEqual(y.shape, [2, 3], "\(entry.name) at \(side)")
                XCTAssertTrue(y.scalars.allSatisfy(\.isFinite), "\(entry.name) at \(side)")
                // The batch inference path (oneDNN stacks, folded batch norms) gives the forward pass's logits.
                let fast = m.infer(x)
                XCTAssertEqual(fast.shape, y.shape, "\(entry.name) at \(side)")
                for (a, b) in zip(fast.scalars, y.scalars) {
                    XCTAssertEqual(a, b, accuracy: 1e-3 * max(1, abs(b)), "\(entry.name) infer at \(side)")
                }
            }
        }
    }

    func testEveryArchitectureTrainsOneStep() throws {
        for entry in ModelRegistry.entries {
            let config = ModelConfig(architecture: entry.name, inputSide: 32, classes: 2)
            let m = try ModelRegistry.make(config, seed: 4)
            var rng = RandomSource(seed: 5)
            let tape = Tape(training: true, seed: 1)
            let logits = m(tape.constant(Tensor.uniform(config.inputShape(batch: 4), rng: &rng)))
            let loss = sparseCrossEntropy(logits: logits, labels: [0, 1, 0, 1])
            tape.backward(loss)
            XCTAssertTrue(m.trainableParameters.allSatisfy { $0.grad != nil }, "\(entry.name): every weight gets a gradient")
        }
    }

    func testRegistryErrors() throws {
        XCTAssertThrowsError(try ModelRegistry.make(ModelConfig(architecture: "vgg16", inputSide: 64, classes: 2), seed: 0)) {
            XCTAssertTrue("\($0)".contains("unknown model architecture 'vgg16'"), "\($0)")
        }
        XCTAssertThrowsError(try ModelRegistry.make(ModelConfig(architecture: "resnet18", inputSide: 16, classes: 2), seed: 0)) {
            XCTAssertTrue("\($0)".contains("too small"), "\($0)")
        }
        XCTAssertEqual(try ModelRegistry.entry("EfficientNet_B0").name, "efficientnet-b0")
        let config = ModelConfig(architecture: "lowdepth", inputSide: 64, classes: 2)
        XCTAssertThrowsError(try ModelRegistry.checkInput([1, 1, 32, 32], for: config)) {
            XCTAssertEqual("\($0)", "lowdepth: input has shape [1, 1, 32, 32], the model expects [N, 1, 64, 64] (N ≥ 1)")
        }
        XCTAssertNoThrow(try ModelRegistry.checkInput([5, 1, 64, 64], for: config))
    }

    /// `--init`: RGB filters of the first convolution are summed into one channel; a head of another size is skipped.
    func testPretrainedWeightsLoadByNameWithRGBSummed() throws {
        let dir = try temporaryFolder(self)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rgb = try ModelRegistry.make(ModelConfig(architecture: "lowdepth", inputSide: 64, channels: 3, classes: 10), seed: 7)
        let file = dir.appendingPathComponent("imagenet.safetensors")
        try SafeTensors.write(rgb.stateTensors() + [("features.block1.bn.num_batches_tracked", Tensor(scalar: 3))], to: file)
        let config = ModelConfig(architecture: "lowdepth", inputSide: 64, channels: 1, classes: 4)
        let gray = try ModelRegistry.make(config, seed: 8)
        let headBefore = gray.namedParameters().first { $0.name == "classifier.logits.weight" }!.parameter.value
        let loaded = try ModelRegistry.loadPretrained(file, into: gray, config: config)
        XCTAssertFalse(loaded.contains("classifier.logits.weight"))
        XCTAssertTrue(loaded.contains("classifier.fc1.weight"))
        let w3 = rgb.namedParameters().first { $0.name == "features.block1.conv.weight" }!.parameter.value
        let w1 = gray.namedParameters().first { $0.name == "features.block1.conv.weight" }!.parameter.value
        XCTAssertEqual(w1.shape, [32, 1, 3, 3])
        for o in 0..<32 { for k in 0..<9 {
            let s = (0..<3).reduce(Float(0)) { $0 + w3[flat: (o * 3 + $1) * 9 + k] }
            XCTAssertEqual(w1[flat: o * 9 + k], s, accuracy: 1e-6)
        } }
        XCTAssertTrue(gray.namedParameters().first { $0.name == "classifier.logits.weight" }!.parameter.value.bitwiseEqual(headBefore))
    }
}
