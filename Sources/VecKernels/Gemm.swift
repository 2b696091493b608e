import VecPlatform

// Entry points of the matrix products and the choice of implementation. Row-major throughout:
// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, op(X) = X or X^T (a transposed operand is
// stored the other way round: A as [k,m] when transA). beta == 0 never reads C (NaN there is
// overwritten, as in BLAS); alpha == 0 or k == 0 leaves beta * C.

/// General matrix products on raw buffers: one product (`gemm`) or a batch (`batched`).
public enum Gemm {
    /// The variants the matrix products implement: `.naive` is the triple-loop reference, `.blas` calls OpenBLAS.
    public static let variants: [KernelVariant] = [.naive, .simd, .parallel, .blas]

    /// `auto` stays on one thread below this many multiply-adds (m*n*k): a pool dispatch costs
    /// ~0.5-1 us (docs/measurements.md) and 96^3 takes ~8 us on one Zen 5 core, so splitting pays from here.
    static let parallelThreshold = 96 * 96 * 96

    /// The same for batches of tiny members, which run ~8x faster per multiply-add than a lone
    /// product of that total size: 4096 8x8x8 products take ~35 us on one thread, and split over
    /// two threads they took 270 us while another process held the second core (the dispatch
    /// waits for the worker's wake-up). From ~16x that size a wake-up delay costs at most ~1/3.
    static let tinyBatchThreshold = 16 * 4096 * 8 * 8 * 8

    /// C[m, n] = alpha * op(A) * op(B) + beta * C, row-major; op(A) is A or A^T (A stored [k, m] when
    /// transA), likewise B. `threads` nil means `Threading.currentThreads`.
    public static func gemm<T: KernelFloat>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
        _ a: UnsafePointer<T>, lda: Int, _ b: UnsafePointer<T>, ldb: Int,
        beta: T, _ c: UnsafeMutablePointer<T>, ldc: Int,
        variant: KernelVariant = .auto, threads: Int? = nil
    ) {
        checkShape(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        if m == 0 || n == 0 { return }
        let t = Threading.usableThreads(threads ?? Threading.currentThreads)
        let variant = resolved(variant)
        if variant == .blas {
            return Blas.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a, lda: lda,
                             b, ldb: ldb, beta: beta, c, ldc: ldc, threads: t)
        }
        let p = GemmProblem(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        // Everything below runs specialised for Float or Double (a generic call from another module
        // would otherwise run the unspecialised code, with witness-table calls in the loops).
        if T.self == Float.self {
            one(unsafeBitCast(p, to: GemmProblem<Float>.self), variant: variant, threads: t)
        } else {
            one(unsafeBitCast(p, to: GemmProblem<Double>.self), variant: variant, threads: t)
        }
    }

    /// Whether `auto` calls OpenBLAS for every product: true when the kernels were compiled below
    /// this CPU's instruction set (a build without -Xcc -march=native, as a dependency gets by
    /// default: SIMD16 splits into SSE registers and each FMA into 16 `fmaf` calls, 140-175x
    /// slower at 512x512), while OpenBLAS picks its kernels for the CPU at run time (made to pick
    /// its best ones: `Blas.useBestCore`). The first product that falls back prints `ISA.warning`
    /// on stderr, once per process.
    public static let autoUsesBlas: Bool = {
        let fallback = autoUsesBlas(compiled: ISA.compiled, machine: ISA.machine)
        if fallback {
            ISA.warnOnce()
            Blas.useBestCore()
        }
        return fallback
    }()

    /// The rule behind `autoUsesBlas`: the kernels were compiled for less than the machine runs.
    static func autoUsesBlas(compiled: ISALevel, machine: ISALevel) -> Bool { compiled < machine }

    /// `auto` becomes `blas` where `autoUsesBlas`; every other variant runs as asked.
    static func resolved(_ variant: KernelVariant) -> KernelVariant {
        variant == .auto && autoUsesBlas ? .blas : variant
    }

    static func one<T: KernelFloat>(_ p: GemmProblem<T>, variant: KernelVariant, threads t: Int) {
        let (m, n, k) = (p.m, p.n, p.k)
        if p.alpha == 0 || k == 0 { return scale(p.c, ldc: p.ldc, m: m, n: n, beta: p.beta) }
        switch variant {
        case .naive, .scalar:
            naive(p)
        case .simd:
            single(p)
        case .parallel:
            t > 1 ? GemmDriver.parallel(p, threads: t) : single(p)
        case .auto, .blas:
            t > 1 && m * n * k >= parallelThreshold ? GemmDriver.parallel(p, threads: t) : single(p)
        }
    }

    /// Batched: for each batch i, C + cOffsets[i] = alpha * op(A + aOffsets[i]) * op(B + bOffsets[i])
    /// + beta * (C + cOffsets[i]) (offsets in elements). Repeated A or B offsets express broadcast
    /// batches without copies; batches that share a C offset accumulate into it (beta applies once),
    /// which sums a gradient over broadcast batch dimensions.
    public static func batched<T: KernelFloat>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
        _ a: UnsafePointer<T>, aOffsets: [Int], lda: Int,
        _ b: UnsafePointer<T>, bOffsets: [Int], ldb: Int,
        beta: T, _ c: UnsafeMutablePointer<T>, cOffsets: [Int], ldc: Int,
        variant: KernelVariant = .auto, threads: Int? = nil
    ) {
        checkShape(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        precondition(aOffsets.count == cOffsets.count && bOffsets.count == cOffsets.count,
                     "batched GEMM: \(aOffsets.count), \(bOffsets.count) and \(cOffsets.count) offsets differ")
        if m == 0 || n == 0 || cOffsets.isEmpty { return }
        let t = Threading.usableThreads(threads ?? Threading.currentThreads)
        let variant = resolved(variant)
        let base = GemmProblem(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                               a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        let threaded: Bool
        switch variant {
        case .naive, .scalar, .simd: threaded = false
        case .parallel, .blas: threaded = t > 1
        case .auto:
            let total = m * n * k * cOffsets.count
            threaded = t > 1 && total >= (m * n * k <= 32 * 32 * 32 ? tinyBatchThreshold : parallelThreshold)
        }
        if T.self == Float.self {
            GemmBatch.run(unsafeBitCast(base, to: GemmProblem<Float>.self), aOffsets: aOffsets, bOffsets: bOffsets,
                          cOffsets: cOffsets, variant: variant, threads: threaded ? t : 1)
        } else {
            GemmBatch.run(unsafeBitCast(base, to: GemmProblem<Double>.self), aOffsets: aOffsets, bOffsets: bOffsets,
                          cOffsets: cOffsets, variant: variant, threads: threaded ? t : 1)
        }
    }

    // MARK: - Implementations shared by gemm and batched

    /// One thread: the skinny forms (GEMV and its neighbours) or the direct (unpacked) path where
    /// they suit the shape, the packed path otherwise.
    static func single<T: KernelFloat>(_ p: GemmProblem<T>, workspace: GemmWorkspace<T>? = nil) {
        if Gemv.suits(p) { return Gemv.gemm(p, threads: 1) }
        if SmallMatrix.suits(m: p.m, n: p.n, k: p.k, elementSize: MemoryLayout<T>.stride) {
            SmallMatrix.gemm(p, scratch: workspace)
        } else {
            GemmDriver.packed(p, rows: 0..<p.m, cols: 0..<p.n, workspace: workspace ?? GemmWorkspace(for: p))
        }
    }

    /// The triple-loop reference in the element type.
    static func naive<T: KernelFloat>(_ p: GemmProblem<T>) {
        for i in 0..<p.m {
            for j in 0..<p.n {
                var s: T = 0
                for q in 0..<p.k { s += p.aElement(i, q) * p.bElement(q, j) }
                let o = p.c + i * p.ldc + j
                o.pointee = p.beta == 0 ? p.alpha * s : p.alpha * s + p.beta * o.pointee
            }
        }
    }

    /// C = beta * C (zero without reading C when beta == 0).
    static func scale<T: KernelFloat>(_ c: UnsafeMutablePointer<T>, ldc: Int, m: Int, n: Int, beta: T) {
        if beta == 1 { return }
        for i in 0..<m {
            let r = c + i * ldc
            if beta == 0 {
                r.update(repeating: 0, count: n)
            } else {
                for j in 0..<n { r[j] *= beta }
            }
        }
    }

    static func checkShape(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM sizes must be non-negative (m \(m), n \(n), k \(k))")
        precondition(lda >= max(1, transA ? m : k), "GEMM: lda \(lda) is less than the row length of A")
        precondition(ldb >= max(1, transB ? k : n), "GEMM: ldb \(ldb) is less than the row length of B")
        precondition(ldc >= max(1, n), "GEMM: ldc \(ldc) is less than n \(n)")
    }
}

/// One product's operands, passed down to the implementations as one value.
struct GemmProblem<T: KernelFloat> {
    var transA: Bool, transB: Bool
    var m: Int, n: Int, k: Int
    var alpha: T
    var a: UnsafePointer<T>, lda: Int
    var b: UnsafePointer<T>, ldb: Int
    var beta: T
    var c: UnsafeMutablePointer<T>, ldc: Int

    /// op(A)[i, p] and op(B)[p, j], and pointers to them.
    @inline(__always) func aElement(_ i: Int, _ p: Int) -> T { transA ? a[p * lda + i] : a[i * lda + p] }
    @inline(__always) func bElement(_ p: Int, _ j: Int) -> T { transB ? b[j * ldb + p] : b[p * ldb + j] }
    @inline(__always) func aAt(_ i: Int, _ p: Int) -> UnsafePointer<T> { transA ? a + p * lda + i : a + i * lda + p }
    @inline(__always) func bAt(_ p: Int, _ j: Int) -> UnsafePointer<T> { transB ? b + j * ldb + p : b + p * ldb + j }

    /// The block rows x cols of this product (all of k).
    func sub(rows: Range<Int>, cols: Range<Int>) -> GemmProblem<T> {
        var q = self
        q.a = aAt(rows.lowerBound, 0)
        q.b = bAt(0, cols.lowerBound)
        q.c = c + rows.lowerBound * ldc + cols.lowerBound
        q.m = rows.count
        q.n = cols.count
        return q
    }

    /// The same product on other buffers (a batch member).
    func offset(a da: Int, b db: Int, c dc: Int, beta: T) -> GemmProblem<T> {
        var q = self
        q.a = a + da
        q.b = b + db
        q.c = c + dc
        q.beta = beta
        return q
    }
}
