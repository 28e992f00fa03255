#if canImport(Accelerate)
import Accelerate
#else
import COpenBLAS
#endif
import Support

/// Single-precision GEMM through CBLAS: OpenBLAS on Linux, Accelerate on macOS.
///
/// Row-major `C = alpha * op(A) * op(B) + beta * C` with `op(A)` of shape m×k and `op(B)` k×n.
public enum BLAS {
    private static let setUp: Void = {
        #if !canImport(Accelerate)
        openblas_set_num_threads(1)  // the engine parallelises; BLAS stays in the calling thread
        #endif
    }()

    /// Name of the BLAS kernel in use (e.g. OpenBLAS's "SkylakeX" or "Haswell"), for benchmark reports.
    public static var kernelName: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        return String(cString: openblas_get_corename())
        #endif
    }

    /// One GEMM in the calling thread.
    @inline(__always)
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = setUp
        if m == 0 || n == 0 { return }
        if k == 0 {  // C = beta * C
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
                    beta, c, blasInt(ldc))
    }

    /// GEMM split over the engine's workers by rows of C (or by columns when C has few rows).
    public static func parallelGemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                                    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                    b: UnsafePointer<Float>, ldb: Int,
                                    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let workers = Parallel.workers
        let flops = m * n * k
        if workers <= 1 || flops < 1 << 18 {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                 b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let ptrs = UncheckedSendable((a, b, c))
        if m >= n || m >= 64 * workers {
            Parallel.forChunks(m, costPerItem: 1 << 20) { rows in
                let (a, b, c) = ptrs.value
                let aOff = transA ? rows.lowerBound : rows.lowerBound * lda
                gemm(transA: transA, transB: transB, m: rows.count, n: n, k: k, alpha: alpha, a: a + aOff,
                     lda: lda, b: b, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
            }
        } else {
            Parallel.forChunks(n, costPerItem: 1 << 20) { cols in
                let (a, b, c) = ptrs.value
                let bOff = transB ? cols.lowerBound * ldb : cols.lowerBound
                gemm(transA: transA, transB: transB, m: m, n: cols.count, k: k, alpha: alpha, a: a, lda: lda,
                     b: b + bOff, ldb: ldb, beta: beta, c: c + cols.lowerBound, ldc: ldc)
            }
        }
    }
}

#if canImport(Accelerate)
@inline(__always) private func blasInt(_ x: Int) -> Int32 { Int32(x) }
#else
@inline(__always) private func blasInt(_ x: Int) -> blasint { blasint(x) }
#endif
