import Engine
import Foundation
import NN

/// Several trained models of one architecture (trained with different seeds on the same split) whose class
/// probabilities are averaged: one lever of the accuracy study (`docs/accuracy.md`, issue 14's inference levers),
/// beyond both papers (*Live Cell Stage Classification Using Deep Learning* and *Semi supervised GAN for smart
/// microscopy, fast and data efficient cell cycle classification* each train one model).
///
/// It is a `Module` so that a bundle, the one inference path (`Classifier`: calibration, test-time augmentation,
/// `unknown`) and every command take it like any other model. Its output is the logarithm of the members' mean
/// soft-max, so the soft-max every consumer applies returns exactly that mean. Members are registered as `member0`,
/// `member1`, … (`member0.conv1.weight`). An ensemble is assembled from trained members and never trained as a
/// whole: its output carries no gradient.
public final class Ensemble: Module, EmbeddingModel {
    /// The architecture name an ensemble's `ModelConfig` carries; options `member` (the members' architecture) and
    /// `members` (their count) say what to rebuild.
    public static let architecture = "ensemble"
    /// Member counts a configuration may ask for (checked before any member is built).
    public static let memberCounts = 2...8
    public let members: [Module]

    public init(members: [Module]) {
        precondition(members.count >= 1, "an ensemble needs members")
        self.members = members
        super.init()
        for (i, m) in members.enumerated() { register(module: m, "member\(i)") }
    }

    /// The configuration of an ensemble of `count` models of `member`'s configuration.
    public static func config(member: ModelConfig, count: Int) -> ModelConfig {
        var c = member
        c.architecture = architecture
        c.options["member"] = member.architecture
        c.options["members"] = String(count)
        return c
    }

    /// The members' configuration and count that an ensemble configuration names; throws when the count is out of
    /// `memberCounts` or the member architecture is itself an ensemble.
    public static func members(of config: ModelConfig) throws -> (member: ModelConfig, count: Int) {
        guard let name = config.options["member"], !name.isEmpty, name != architecture else {
            throw ModelError.invalidConfig("an ensemble needs a member architecture (option 'member')")
        }
        guard let text = config.options["members"], let count = Int(text), memberCounts.contains(count) else {
            throw ModelError.invalidConfig("an ensemble needs \(memberCounts.lowerBound)–\(memberCounts.upperBound) members (option 'members', got \(config.options["members"] ?? "none"))")
        }
        var m = config
        m.architecture = name
        m.options["member"] = nil
        m.options["members"] = nil
        return (m, count)
    }

    public override func callAsFunction(_ x: Variable) -> Variable {
        Variable(Self.logMeanSoftmax(members.map { $0(Variable(x.value)).value }))
    }

    public override func infer(_ x: Tensor) -> Tensor {
        Self.logMeanSoftmax(members.map { $0.infer(x) })
    }

    /// The members' embeddings side by side `[N, ΣDₖ]` (members without one are left out).
    public func embedding(_ x: Variable) -> Variable {
        let parts = members.compactMap { ($0 as? EmbeddingModel)?.embedding(Variable(x.value)).value }
        return Variable(parts.isEmpty ? Tensor(shape: [x.shape[0], 0], values: []) : Tensor.concatenateColumns(parts))
    }

    /// `log(mean_k softmax(logits_k))` per row, floored at 1e-30 so the logarithm stays finite.
    static func logMeanSoftmax(_ logits: [Tensor]) -> Tensor {
        var sum = [Float](repeating: 0, count: logits[0].count)
        for l in logits {
            let p = Variable(l).softmax().value.scalars
            for i in sum.indices { sum[i] += p[i] }
        }
        let scale = 1 / Float(logits.count)
        return Tensor(shape: logits[0].shape, values: sum.map { Foundation.log(Swift.max($0 * scale, 1e-30)) })
    }
}
