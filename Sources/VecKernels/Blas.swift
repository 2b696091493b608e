import COpenBLAS

// OpenBLAS behind the `blas` variant. Debian's 0.3.21 picks its kernels from the CPU at load time and
// can pick badly (Haswell kernels on a Zen 5, Prescott on a Xeon: docs/measurements.md);
// OPENBLAS_CORETYPE=SkylakeX in the environment before the process starts fixes that. `coreName`
// says what it runs, so every comparison can record it.

/// The OpenBLAS library: its kernel set, its thread count, and sgemm/dgemm on row-major buffers.
public enum Blas {
    /// The kernel set OpenBLAS chose ("SkylakeX", "Haswell", "Cooperlake", ...).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's build configuration (version, threading model, maximum threads).
    public static var config: String {
        guard let text = openblas_get_config() else { return "unknown" }
        return String(cString: text)
    }

    /// OpenBLAS's own thread count (separate from Vecgrad's; values below 1 become 1).
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// C = alpha * op(A) * op(B) + beta * C through cblas_sgemm / cblas_dgemm, with OpenBLAS set to
    /// `threads` threads first.
    static func gemm<T: KernelFloat>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
                                     _ a: UnsafePointer<T>, lda: Int, _ b: UnsafePointer<T>, ldb: Int,
                                     beta: T, _ c: UnsafeMutablePointer<T>, ldc: Int, threads: Int) {
        if m == 0 || n == 0 { return }
        if Blas.threads != threads { Blas.threads = threads }
        let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
        // cblas rejects a leading dimension below 1 even when a size is 0.
        let (la, lb, lc) = (Int32(max(1, lda)), Int32(max(1, ldb)), Int32(max(1, ldc)))
        if T.self == Float.self {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Float(alpha),
                        VectorIO.rebound(a, to: Float.self), la, VectorIO.rebound(b, to: Float.self), lb,
                        Float(beta), VectorIO.rebound(c, to: Float.self), lc)
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Double(alpha),
                        VectorIO.rebound(a, to: Double.self), la, VectorIO.rebound(b, to: Double.self), lb,
                        Double(beta), VectorIO.rebound(c, to: Double.self), lc)
        }
    }
}
