/// Sums over a contiguous run of floats in 16 independent lanes, folded in a fixed order at the end.
///
/// A plain `s += x[i]` loop is one chain of dependent additions: without fast-math the compiler may not reorder it,
/// so it runs one element per addition latency (≈ 4 cycles) and never vectorises. Batch norm's statistics and
/// gradient sums were such loops (7 % of a ResNet training step). Sixteen lanes make it a vector loop; the lanes and
/// the tail are folded in the same order every time, so a sum is the same on every run and thread count.
/// Runs are at most one feature map (a few thousand floats), where Float lanes lose nothing measurable against a
/// Double accumulator; callers add the runs' sums in Double.
enum VectorSums {
    typealias Lanes = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    /// `Σ x[j]`.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = Lanes(repeating: 0)
        var j = 0
        while j + Lanes.scalarCount <= count { acc += load(x + j); j += Lanes.scalarCount }
        var s = acc.sum()
        while j < count { s += x[j]; j += 1 }
        return s
    }

    /// `Σ (x[j] − mu)²`.
    @inline(__always)
    static func squaredDeviations(_ x: UnsafePointer<Float>, _ count: Int, mean mu: Float) -> Float {
        var acc = Lanes(repeating: 0)
        let m = Lanes(repeating: mu)
        var j = 0
        while j + Lanes.scalarCount <= count {
            let d = load(x + j) - m
            acc += d * d
            j += Lanes.scalarCount
        }
        var s = acc.sum()
        while j < count { let d = x[j] - mu; s += d * d; j += 1 }
        return s
    }

    /// `(Σ g[j], Σ g[j] · (x[j] − mu))`.
    @inline(__always)
    static func gradientSums(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int,
                             mean mu: Float) -> (Float, Float) {
        var a = Lanes(repeating: 0), b = Lanes(repeating: 0)
        let m = Lanes(repeating: mu)
        var j = 0
        while j + Lanes.scalarCount <= count {
            let gj = load(g + j)
            a += gj
            b += gj * (load(x + j) - m)
            j += Lanes.scalarCount
        }
        var sa = a.sum(), sb = b.sum()
        while j < count { sa += g[j]; sb += g[j] * (x[j] - mu); j += 1 }
        return (sa, sb)
    }
}
