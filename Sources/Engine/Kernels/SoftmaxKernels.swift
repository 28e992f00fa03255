#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Support

/// Row kernels along the last axis (`rows × k`): max-shifted, so every result is finite for finite inputs.
public enum SoftmaxKernels {
    /// Log-sum-exp of each row: `m + log Σ exp(x − m)` with `m` the row maximum.
    public static func logSumExp(_ x: UnsafePointer<Float>, rows: Int, k: Int, into out: UnsafeMutablePointer<Float>) {
        let xs = UncheckedSendable(x), os = UncheckedSendable(out)
        Parallel.forChunks(rows, costPerItem: 8 * k) { r in
            let x = xs.value, out = os.value
            for i in r {
                let row = x + i * k
                var m = -Float.infinity
                for j in 0..<k { m = Swift.max(m, row[j]) }
                if !m.isFinite { out[i] = m; continue }  // all −∞ (or +∞)
                var s: Float = 0
                for j in 0..<k { s += expf(row[j] - m) }
                out[i] = m + logf(s)
            }
        }
    }

    /// Softmax (or log-softmax) of each row.
    public static func softmax(_ x: UnsafePointer<Float>, rows: Int, k: Int, log: Bool,
                               into out: UnsafeMutablePointer<Float>) {
        let xs = UncheckedSendable(x), os = UncheckedSendable(out)
        Parallel.forChunks(rows, costPerItem: 8 * k) { r in
            let x = xs.value, out = os.value
            for i in r {
                let row = x + i * k, o = out + i * k
                var m = -Float.infinity
                for j in 0..<k { m = Swift.max(m, row[j]) }
                var s: Float = 0
                for j in 0..<k { let e = expf(row[j] - m); o[j] = e; s += e }
                if log {
                    let lse = logf(s)
                    for j in 0..<k { o[j] = row[j] - m - lse }
                } else {
                    let inv = 1 / s
                    for j in 0..<k { o[j] *= inv }
                }
            }
        }
    }
}
