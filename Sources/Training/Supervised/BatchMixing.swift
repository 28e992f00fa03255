import Datasets
import Foundation
import Support

/// Training on blends of two crops, a recipe for small data beyond both papers (issue 14's "recipes for small data";
/// `docs/accuracy.md`): mixup (Zhang et al. 2018) averages two crops, λ·x + (1 − λ)·x′; CutMix (Yun et al. 2019)
/// pastes a box of x′ into x covering 1 − λ of it. λ ~ Beta(α, α) per batch, the partner is a shuffled batch-mate,
/// and the loss is λ·CE(y) + (1 − λ)·CE(y′) with λ the share of x actually kept.
public enum BatchMixing: Sendable, Hashable {
    case mixup(alpha: Double)
    case cutmix(alpha: Double)

    /// The α values an option may give.
    public static let alphas = 0.05...10.0

    /// A mixed batch: the blended inputs, each sample's partner label and the weight of its own label.
    public struct Mixed: Sendable {
        public var data: [Float]
        public var partnerLabels: [Int]
        public var lambda: Float
    }

    /// Mixes `batch` (`[N, C, side, side]`) with a shuffled copy of itself, drawing λ, the partners and the box from `g`.
    public func mix(_ batch: Batch, using g: inout SeededGenerator) -> Mixed {
        let n = batch.labels.count, size = batch.data.count / max(n, 1)
        let partner = g.shuffled(Array(0..<n))
        var out = batch.data
        switch self {
        case let .mixup(alpha):
            let l = Float(g.beta(alpha, alpha))
            for i in 0..<n {
                let a = i * size, b = partner[i] * size
                for j in 0..<size { out[a + j] = l * batch.data[a + j] + (1 - l) * batch.data[b + j] }
            }
            return Mixed(data: out, partnerLabels: partner.map { batch.labels[$0] }, lambda: l)
        case let .cutmix(alpha):
            let h = batch.shape[2], w = batch.shape[3], planes = size / (h * w)
            let l = g.beta(alpha, alpha)
            let cut = (1 - l).squareRoot()
            let bh = Int((Double(h) * cut).rounded()), bw = Int((Double(w) * cut).rounded())
            let cy = g.int(below: h), cx = g.int(below: w)
            let y0 = max(0, cy - bh / 2), y1 = min(h, cy + (bh + 1) / 2)
            let x0 = max(0, cx - bw / 2), x1 = min(w, cx + (bw + 1) / 2)
            for i in 0..<n where y1 > y0 && x1 > x0 {
                for c in 0..<planes {
                    let a = i * size + c * h * w, b = partner[i] * size + c * h * w
                    for y in y0..<y1 { for x in x0..<x1 { out[a + y * w + x] = batch.data[b + y * w + x] } }
                }
            }
            let kept = 1 - Float((y1 - y0) * (x1 - x0)) / Float(h * w)
            return Mixed(data: out, partnerLabels: partner.map { batch.labels[$0] }, lambda: kept)
        }
    }

    /// What the report and the registry call it.
    public var name: String {
        switch self {
        case let .mixup(a): String(format: "mixup, α %g", a)
        case let .cutmix(a): String(format: "CutMix, α %g", a)
        }
    }
}
