import Foundation

/// Confidence that means what it says: temperature scaling (one scalar T dividing the logits before the soft-max, fit
/// by minimising the negative log-likelihood on the validation split; Guo et al., *On Calibration of Modern Neural
/// Networks*, 2017) and the expected calibration error (ECE: the mean |accuracy − confidence| over equal-width
/// confidence bins, weighted by their counts). Event rules fire on `min_confidence` (*Semi supervised GAN for smart
/// microscopy, fast and data efficient cell cycle classification*, section 6.1: acting on the classifier's calls), so a
/// 0.9 must be right nine times in ten. Fit when a bundle is trained, stored in it (`BundleInfo.calibration`) and
/// applied by `Classifier` on every path; the arg-max — and so accuracy — never changes.
public struct Calibration: Sendable, Codable, Hashable {
    /// Logits are divided by this (> 1 softens over-confident models).
    public var temperature: Double
    /// ECE on the validation split before and after scaling.
    public var eceBefore: Double
    public var eceAfter: Double
    /// Validation images the temperature was fit on.
    public var images: Int

    public init(temperature: Double, eceBefore: Double, eceAfter: Double, images: Int) {
        self.temperature = temperature; self.eceBefore = eceBefore; self.eceAfter = eceAfter; self.images = images
    }

    enum CodingKeys: String, CodingKey { case temperature, eceBefore = "ece_before", eceAfter = "ece_after", images }

    /// Temperatures a bundle may hold (checked at load).
    public static let temperatures = 0.05...20.0
    public static let bins = 15

    /// Fewest validation images a temperature is fit on. On mdck-h2b-tiny's 5 folds (23 validation crops each) the
    /// fitted temperatures ran from 0.05 to 3.4 and the test ECE rose after scaling on two folds (0.156 → 0.285,
    /// 0.089 → 0.176): one number from a couple of dozen crops is noise.
    public static let minimumImages = 30

    /// Fits the temperature to soft-max `probabilities` (their logs are the logits up to a per-row constant, which the
    /// soft-max ignores) with true `labels`; nil with fewer than `minimumImages` images, when every call is right (the
    /// likelihood then keeps rising as T → 0: no finite optimum), or when the best temperature is an end of the
    /// search range.
    public static func fit(probabilities: [[Float]], labels: [Int]) -> Calibration? {
        guard probabilities.count == labels.count, probabilities.count >= minimumImages else { return nil }
        guard zip(probabilities, labels).contains(where: { p, y in p.indices.max(by: { p[$0] < p[$1] }) != y }) else { return nil }
        let logits = probabilities.map { $0.map { log(max(Double($0), 1e-30)) } }
        func nll(_ t: Double) -> Double {
            var total = 0.0
            for (z, y) in zip(logits, labels) {
                let m = z.max()! / t
                let lse = m + log(z.reduce(0) { $0 + exp($1 / t - m) })
                total += lse - z[y] / t
            }
            return total / Double(labels.count)
        }
        // Golden-section search on log T: the negative log-likelihood is unimodal in T.
        var lo = log(temperatures.lowerBound), hi = log(temperatures.upperBound)
        let r = (sqrt(5.0) - 1) / 2
        var a = hi - r * (hi - lo), b = lo + r * (hi - lo)
        var fa = nll(exp(a)), fb = nll(exp(b))
        for _ in 0..<80 {
            if fa < fb { hi = b; b = a; fb = fa; a = hi - r * (hi - lo); fa = nll(exp(a)) } else { lo = a; a = b; fa = fb; b = lo + r * (hi - lo); fb = nll(exp(b)) }
        }
        let t = exp((lo + hi) / 2)
        let margin = 0.01 * (log(temperatures.upperBound) - log(temperatures.lowerBound))
        guard log(t) > log(temperatures.lowerBound) + margin, log(t) < log(temperatures.upperBound) - margin else { return nil }
        let after = probabilities.map { scaled($0, temperature: t) }
        return Calibration(temperature: t, eceBefore: expectedCalibrationError(probabilities, labels: labels),
                           eceAfter: expectedCalibrationError(after, labels: labels), images: labels.count)
    }

    /// `p` re-scaled to temperature `t`: softmax(log p / t).
    public static func scaled(_ p: [Float], temperature t: Double) -> [Float] {
        guard t != 1 else { return p }
        let z = p.map { log(max(Double($0), 1e-30)) / t }
        let m = z.max() ?? 0
        let e = z.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { Float($0 / s) }
    }

    /// One bin of a reliability diagram: mean confidence, accuracy and count of the predictions whose confidence fell in it.
    public struct Bin: Sendable, Hashable {
        public var lower: Double, upper: Double, confidence: Double, accuracy: Double, count: Int
    }

    /// The reliability diagram's bins (equal width over [0, 1]; empty bins have count 0).
    public static func reliability(_ probabilities: [[Float]], labels: [Int], bins n: Int = bins) -> [Bin] {
        var conf = [Double](repeating: 0, count: n), hits = [Double](repeating: 0, count: n), count = [Int](repeating: 0, count: n)
        for (p, y) in zip(probabilities, labels) {
            guard let top = p.indices.max(by: { p[$0] < p[$1] }) else { continue }
            let c = Double(p[top])
            let b = min(n - 1, max(0, Int((c.isFinite ? c : 0) * Double(n))))
            conf[b] += c; hits[b] += top == y ? 1 : 0; count[b] += 1
        }
        return (0..<n).map { i in
            Bin(lower: Double(i) / Double(n), upper: Double(i + 1) / Double(n),
                confidence: count[i] > 0 ? conf[i] / Double(count[i]) : 0, accuracy: count[i] > 0 ? hits[i] / Double(count[i]) : 0,
                count: count[i])
        }
    }

    /// Expected calibration error over `bins` equal-width confidence bins.
    public static func expectedCalibrationError(_ probabilities: [[Float]], labels: [Int], bins n: Int = bins) -> Double {
        let total = Double(labels.count)
        guard total > 0 else { return 0 }
        return reliability(probabilities, labels: labels, bins: n).reduce(0) { $0 + Double($1.count) / total * abs($1.accuracy - $1.confidence) }
    }
}
