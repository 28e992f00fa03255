import Foundation

/// Which unlabelled crops to label next (active learning): the ones the model is least sure of, or a diverse batch
/// of uncertain ones, or — without a model — the representatives of the pool's clusters (the medoids of the SGAN
/// paper's section 3.1.2 analysis, *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle
/// classification*). The margin score is ilastik's uncertainty, 1 − (p_max − p_second).
public enum LabelSuggestion {
    /// How picks are ranked.
    public enum Strategy: String, Sendable, CaseIterable, Codable {
        /// Smallest gap between the two most probable classes first: 1 − (p1 − p2).
        case margin
        /// Highest Shannon entropy of the probabilities first (normalised to 0…1 by log K).
        case entropy
        /// A batch spread over the embedding (greedy k-centre), each pick weighted by its margin uncertainty.
        case diverse
        /// No model: one medoid per k-means cluster of the embedding, largest clusters first.
        case representative
    }

    /// One suggested crop: its index in the pool and the score it was picked by (higher: more worth labelling).
    public struct Pick: Sendable, Hashable {
        public var index: Int
        public var score: Double
    }

    /// 1 − (p1 − p2): 0 for a certain call, 1 for a tie between the two best classes.
    public static func margin(_ p: [Float]) -> Double {
        let s = p.map(Double.init).sorted(by: >)
        guard s.count >= 2 else { return 0 }
        return 1 - (s[0] - s[1])
    }

    /// Shannon entropy over log K: 0 for a certain call, 1 for uniform probabilities.
    public static func entropy(_ p: [Float]) -> Double {
        guard p.count >= 2 else { return 0 }
        let h = p.reduce(0.0) { $1 > 0 ? $0 - Double($1) * log(Double($1)) : $0 }
        return h / log(Double(p.count))
    }

    /// The `n` crops to label next. `probabilities` (one row per crop) are needed for margin, entropy and diverse;
    /// `embedding` (one row per crop: a model's output or the pool's standardised features) for diverse and
    /// representative. Ties are broken by pool order, so the result is deterministic.
    public static func pick(_ n: Int, strategy: Strategy, probabilities: [[Float]]?, embedding: [[Double]]?,
                            seed: UInt64 = 1) throws -> [Pick] {
        let count = probabilities?.count ?? embedding?.count ?? 0
        guard n >= 1 else { throw LabellingError.invalid("the number of suggestions must be ≥ 1, got \(n)") }
        guard count > 0 else { throw LabellingError.invalid("no crops to suggest from") }
        if let e = embedding, e.count != count { throw LabellingError.invalid("embedding has \(e.count) rows for \(count) crops") }
        let take = min(n, count)
        func needProbabilities() throws -> [[Float]] {
            guard let p = probabilities else { throw LabellingError.invalid("strategy \(strategy.rawValue) needs a model (--model)") }
            return p
        }
        switch strategy {
        case .margin, .entropy:
            let p = try needProbabilities()
            let scores = p.map(strategy == .margin ? margin : entropy)
            return ranked(scores).prefix(take).map { Pick(index: $0, score: scores[$0]) }
        case .diverse:
            let p = try needProbabilities()
            let points = embedding ?? p.map { $0.map(Double.init) }
            let weight = p.map(margin)
            // Greedy k-centre: start at the most uncertain crop, then take the crop farthest from every pick so far,
            // its distance scaled by its uncertainty (a certain crop is worth little however far away).
            var picks = [ranked(weight)[0]]
            var nearest = points.map { squaredDistance($0, points[picks[0]]).squareRoot() }
            while picks.count < take {
                var best = -1, bestScore = -1.0
                for i in points.indices where !picks.contains(i) {
                    let s = nearest[i] * weight[i]
                    if s > bestScore { bestScore = s; best = i }
                }
                guard best >= 0 else { break }
                picks.append(best)
                for i in points.indices { nearest[i] = min(nearest[i], squaredDistance(points[i], points[best]).squareRoot()) }
            }
            return picks.map { Pick(index: $0, score: weight[$0]) }
        case .representative:
            guard let e = embedding else { throw LabellingError.invalid("strategy representative needs the pool's features") }
            let km = try KMeans.fit(e, k: take, seed: seed)
            var sizes = [Int](repeating: 0, count: take)
            for c in km.assignments { sizes[c] += 1 }
            let order = (0..<take).sorted { sizes[$0] > sizes[$1] || (sizes[$0] == sizes[$1] && $0 < $1) }
            return order.compactMap { c in
                let m = PoolAnalysis.medoid(of: c, points: e, assignments: km.assignments, centroid: km.centroids[c])
                return m < 0 ? nil : Pick(index: m, score: Double(sizes[c]) / Double(count))
            }
        }
    }

    /// Indexes by descending score, ties in pool order.
    static func ranked(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }
}
