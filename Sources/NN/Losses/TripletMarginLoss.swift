import Engine

/// Triplet margin loss on embeddings `[N, D]` (Schroff et al. 2015; the Siamese baseline of *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*
/// section 6.2.4): mean over the batch of `max(0, ‖a − p‖ − ‖a − n‖ + margin)` with Euclidean distances.
///
/// Where a distance is exactly 0 its gradient is taken as 0 (the norm is not differentiable there).
public func tripletMarginLoss(anchor: Variable, positive: Variable, negative: Variable, margin: Float = 1)
    -> Variable {
    precondition(anchor.shape.count == 2 && anchor.shape == positive.shape && anchor.shape == negative.shape,
                 "tripletMarginLoss: anchor \(anchor.shape), positive \(positive.shape), negative \(negative.shape)")
    let n = anchor.shape[0], dim = anchor.shape[1]
    let a = anchor.value, p = positive.value, q = negative.value
    var dap = [Float](repeating: 0, count: n), dan = [Float](repeating: 0, count: n)
    var active = [Bool](repeating: false, count: n)
    var total = 0.0
    for i in 0..<n {
        var s1: Float = 0, s2: Float = 0
        for j in 0..<dim {
            let x = a.data[i * dim + j]
            let u = x - p.data[i * dim + j], v = x - q.data[i * dim + j]
            s1 += u * u; s2 += v * v
        }
        dap[i] = s1.squareRoot(); dan[i] = s2.squareRoot()
        let l = dap[i] - dan[i] + margin
        if l > 0 { active[i] = true; total += Double(l) }
    }
    let value = Tensor(scalar: Float(total / Double(Swift.max(n, 1))))
    return Variable.record(value, inputs: [anchor, positive, negative]) { g, needs in
        var ga = Tensor(zeros: [n, dim]), gp = Tensor(zeros: [n, dim]), gn = Tensor(zeros: [n, dim])
        let pa = ga.mutableData(), pp = gp.mutableData(), pn = gn.mutableData()
        let s = g.scalar / Float(Swift.max(n, 1))
        for i in 0..<n where active[i] {
            let ip = dap[i] > 0 ? s / dap[i] : 0, inn = dan[i] > 0 ? s / dan[i] : 0
            for j in 0..<dim {
                let k = i * dim + j
                let u = (a.data[k] - p.data[k]) * ip, v = (a.data[k] - q.data[k]) * inn
                pa[k] = u - v
                pp[k] = -u
                pn[k] = v
            }
        }
        return [needs[0] ? ga : nil, needs[1] ? gp : nil, needs[2] ? gn : nil]
    }
}
