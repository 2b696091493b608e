import Testing
@testable import VecKernels
import VecPlatform

// The skinny forms (Gemv.swift) against a float64 triple loop: m or n in 1...17 beside a big
// dimension that is not a multiple of the vector width, k below, at and above the width, every
// transpose, alpha/beta, NaN in C with beta 0, one and two threads, the public entry points and
// the batched path that autograd uses; and the rule that sends `auto` to OpenBLAS in a build
// compiled below the machine.

/// How a product is run: the kernel directly, or the public entry with a variant.
private enum Entry { case kernel, gemm(KernelVariant), batched }

private struct Case: CustomStringConvertible {
    var m: Int, n: Int, k: Int
    var transA = false, transB = false
    var alpha = 1.0, beta = 0.0
    var nanInC = false
    var threads = 1
    var description: String {
        "\(m)x\(n)x\(k) tA \(transA) tB \(transB) alpha \(alpha) beta \(beta) nan \(nanInC) threads \(threads)"
    }
}

/// Runs `c` (padded leading dimensions) and compares every element of C, padding included,
/// with the float64 reference.
private func check<T: KernelFloat>(_: T.Type, _ c: Case, entry: Entry = .kernel, seed: UInt64 = 7,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
    var rng = VecPlatform.SplitMix64(seed: seed &+ UInt64(c.m * 1_000_003 + c.n * 1009 + c.k))
    let lda = (c.transA ? c.m : c.k) + 3, ldb = (c.transB ? c.k : c.n) + 2, ldc = c.n + 1
    func draw() -> T { T(rng.nextUnit() * 2 - 1) }
    let a: [T] = (0..<((c.transA ? c.k : c.m) * lda)).map { _ in draw() }
    let b: [T] = (0..<((c.transB ? c.n : c.k) * ldb)).map { _ in draw() }
    let c0: [T] = (0..<(c.m * ldc)).map { c.nanInC && $0 % ldc < c.n ? .nan : draw() }
    var want = c0.map { Double($0) }
    // The reference reads float64 copies through raw pointers: in a debug build a generic T -> Double
    // conversion per term, m * n * k of them, made this suite the slowest of the tests.
    let (ad, bd) = (a.map { Double($0) }, b.map { Double($0) })
    let (aRow, aCol) = c.transA ? (1, lda) : (lda, 1), (bRow, bCol) = c.transB ? (1, ldb) : (ldb, 1)
    ad.withUnsafeBufferPointer { pa in
        bd.withUnsafeBufferPointer { pb in
            for i in 0..<c.m {
                for j in 0..<c.n {
                    var s = 0.0, ai = pa.baseAddress! + i * aRow, bj = pb.baseAddress! + j * bCol
                    for _ in 0..<c.k {
                        s += ai.pointee * bj.pointee
                        ai += aCol; bj += bRow
                    }
                    let o = i * ldc + j
                    want[o] = c.beta == 0 ? c.alpha * s : c.alpha * s + c.beta * want[o]
                }
            }
        }
    }
    var got = c0
    let (alpha, beta) = (T(c.alpha), T(c.beta))
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            got.withUnsafeMutableBufferPointer { pc in
                let (ap, bp, cp) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
                switch entry {
                case .kernel:
                    let p = GemmProblem(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: alpha, a: ap,
                                        lda: lda, b: bp, ldb: ldb, beta: beta, c: cp, ldc: ldc)
                    Gemv.gemm(p, threads: c.threads)
                case .gemm(let v):
                    Gemm.gemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: alpha, ap, lda: lda,
                              bp, ldb: ldb, beta: beta, cp, ldc: ldc, variant: v, threads: c.threads)
                case .batched:
                    Gemm.batched(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: alpha, ap, aOffsets: [0],
                                 lda: lda, bp, bOffsets: [0], ldb: ldb, beta: beta, cp, cOffsets: [0], ldc: ldc,
                                 variant: .auto, threads: c.threads)
                }
            }
        }
    }
    // Inputs in [-1, 1]: a k-term dot product is off by a few k ulps of 1, scaled by alpha and beta.
    let tol = Double(T.ulpOfOne) * Double(8 * (c.k + 2)) * (abs(c.alpha) + abs(c.beta) + 1)
    var worst = 0.0, at = -1
    for i in got.indices {
        let d = abs(Double(got[i]) - want[i])
        if !(d <= worst) { worst = d; at = i }      // NaN counts as worst
    }
    #expect(worst <= tol, "\(T.dtypeName) \(c) \(entry): max error \(worst) at \(at) (tolerance \(tol))",
            sourceLocation: sourceLocation)
}

private let transposes = [(false, false), (true, false), (false, true), (true, true)]

@Suite("Skinny GEMM (GEMV)")
struct GemvTests {
    @Test("m or n in 1...17 beside a big dimension of 300, k 5, 16, 37 and 130, all transposes",
          arguments: [false, true])
    func smallSide(_ smallRows: Bool) {
        let big = 300
        for s in 1...17 {
            for k in [5, 16, 37, 130] {
                for (tA, tB) in transposes {
                    let c = Case(m: smallRows ? s : big, n: smallRows ? big : s, k: k, transA: tA, transB: tB)
                    for w in [16, 8] {
                        // Tiny products stay on SmallMatrix; the dot forms need k >= one vector.
                        let expected = s <= Gemv.smallMax && s * big * k > 32 * 32 * 32
                            && (smallRows ? !tB || k >= w : tA || (k >= w && s <= Gemv.dotColumnsMax))
                        #expect(Gemv.suits(m: c.m, n: c.n, k: k, transA: tA, transB: tB, vectorWidth: w) == expected, "\(c)")
                    }
                    for entry in Gemv.suits(m: c.m, n: c.n, k: k, transA: tA, transB: tB, vectorWidth: 16)
                        ? [Entry.kernel] : [.gemm(.auto)] {
                        check(Float.self, c, entry: entry)
                    }
                    for entry in Gemv.suits(m: c.m, n: c.n, k: k, transA: tA, transB: tB, vectorWidth: 8)
                        ? [Entry.kernel] : [.gemm(.auto)] {
                        check(Double.self, c, entry: entry)
                    }
                }
            }
        }
    }

    @Test("sums of outer products (k 1...4, 7, 16, m and n large), all transposes")
    func outer() {
        for k in [1, 2, 3, 4, 7, 16] {
            for (tA, tB) in transposes {
                let c = Case(m: 300, n: 203, k: k, transA: tA, transB: tB)
                #expect(Gemv.suits(m: c.m, n: c.n, k: k, transA: tA, transB: tB, vectorWidth: 16))
                check(Float.self, c)
                check(Double.self, c)
            }
        }
    }

    @Test("alpha, beta and NaN in C with beta 0 (never read)")
    func alphaBeta() {
        let shapes = [(3, 400, 40), (400, 3, 40), (1, 1300, 33), (1300, 1, 33), (300, 200, 2)]
        for (m, n, k) in shapes {
            for (tA, tB) in transposes {
                for (alpha, beta) in [(0.5, 0.0), (-1.5, 2.0), (1.0, 1.0), (2.0, -0.25)] {
                    check(Float.self, Case(m: m, n: n, k: k, transA: tA, transB: tB, alpha: alpha, beta: beta))
                    check(Double.self, Case(m: m, n: n, k: k, transA: tA, transB: tB, alpha: alpha, beta: beta))
                }
                check(Float.self, Case(m: m, n: n, k: k, transA: tA, transB: tB, alpha: 1.5, nanInC: true))
                check(Double.self, Case(m: m, n: n, k: k, transA: tA, transB: tB, nanInC: true))
            }
        }
    }

    @Test("several blocks of S rows re-read G in chunks (small side 5...16, long k), two threads")
    func chunksAndThreads() {
        for (m, n) in [(13, 300), (300, 13), (6, 1000), (1000, 6), (1, 4099), (4099, 1)] {
            for (tA, tB) in transposes {
                // A x B with 9...16 columns stays on the packed path.
                let packed = !tA && n < m && n > Gemv.dotColumnsMax
                #expect(Gemv.suits(m: m, n: n, k: 300, transA: tA, transB: tB, vectorWidth: 16) == !packed)
            }
            for (tA, tB) in transposes {
                for threads in [1, 2] {
                    check(Float.self, Case(m: m, n: n, k: 300, transA: tA, transB: tB, beta: 0.5, threads: threads))
                }
            }
        }
        for (tA, tB) in transposes {
            check(Double.self, Case(m: 600, n: 500, k: 3, transA: tA, transB: tB, threads: 2))
            check(Float.self, Case(m: 2000, n: 700, k: 1, transA: tA, transB: tB, threads: 2))
        }
    }

    @Test("stream form: 1 or 2 rows (and up to 4 with strided C) over several 4 KiB panels, k not a multiple of 4")
    func stream() {
        for (m, n) in [(1, 12000), (2, 7000), (12000, 1), (7000, 2), (3000, 3), (3000, 4)] {
            for (tA, tB) in transposes {
                for k in [3, 37] {
                    check(Float.self, Case(m: m, n: n, k: k, transA: tA, transB: tB, alpha: -0.5, beta: 1.5))
                    check(Double.self, Case(m: m, n: n, k: k, transA: tA, transB: tB, nanInC: true, threads: 2))
                }
            }
        }
    }

    @Test("k split: 1 or 2 rows beside a big dimension of at most two pages, k of two chunks or more")
    func splitK() {
        for (m, n, k) in [(1, 1024, 1024), (2, 700, 600), (1024, 1, 1024), (700, 2, 513), (1, 2048, 767)] {
            for (tA, tB) in transposes {
                check(Float.self, Case(m: m, n: n, k: k, transA: tA, transB: tB, alpha: -0.5, beta: 1.5, threads: 2))
                check(Double.self, Case(m: m, n: n, k: k, transA: tA, transB: tB, nanInC: true))
                check(Float.self, Case(m: m, n: n, k: k, transA: tA, transB: tB, threads: 2), entry: .gemm(.auto))
            }
        }
        func form(small: Int, big: Int, k: Int) -> SkinnyProduct<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: 1)
            defer { p.deallocate() }
            return SkinnyProduct(form: .combine, g: UnsafePointer(p), ldg: big, s: UnsafePointer(p), ss: k, sq: 1, o: p, os: big, or: 1,
                                 small: small, big: big, k: k, alpha: 1, beta: 0)
        }
        #expect(Gemv.splitsK(form(small: 1, big: 1024, k: 1024)))
        #expect(Gemv.splitsK(form(small: 2, big: 2048, k: 512)))
        #expect(!Gemv.splitsK(form(small: 1, big: 2049, k: 1024)))   // more than two pages: columns
        #expect(!Gemv.splitsK(form(small: 1, big: 1024, k: 511)))    // one chunk
        #expect(!Gemv.splitsK(form(small: 3, big: 1024, k: 1024)))   // not the stream form
        // The chunks depend on k only: 1 and 2 threads give bitwise the same C. `parallel`, not
        // `auto`, which calls OpenBLAS in a build below the machine's ISA.
        var rng = VecPlatform.SplitMix64(seed: 11)
        let a = (0..<1000).map { _ in Float(rng.nextUnit() * 2 - 1) }, b = (0..<(1000 * 1024)).map { _ in Float(rng.nextUnit() * 2 - 1) }
        func product(threads: Int) -> [Float] {
            var c = [Float](repeating: 0, count: 1024)
            Gemm.gemm(transA: false, transB: false, m: 1, n: 1024, k: 1000, alpha: 1, a, lda: 1000, b, ldb: 1024, beta: 0, &c,
                      ldc: 1024, variant: .parallel, threads: threads)
            return c
        }
        #expect(product(threads: 1) == product(threads: 2))
    }

    @Test("public entries route skinny products: gemm (auto, simd, parallel) and one-member batches")
    func entries() {
        for (tA, tB) in transposes {
            for v in [KernelVariant.auto, .simd, .parallel] {
                check(Float.self, Case(m: 1, n: 300, k: 200, transA: tA, transB: tB, threads: 2), entry: .gemm(v))
                check(Double.self, Case(m: 300, n: 2, k: 200, transA: tA, transB: tB, threads: 2), entry: .gemm(v))
            }
            check(Float.self, Case(m: 1, n: 1024, k: 1024, transA: tA, transB: tB, threads: 2), entry: .batched)
            check(Float.self, Case(m: 1024, n: 1, k: 1024, transA: tA, transB: tB, threads: 1), entry: .batched)
            check(Float.self, Case(m: 1024, n: 1024, k: 1, transA: tA, transB: tB, threads: 2), entry: .batched)
        }
    }

    @Test("empty dimensions: m or n 0 leaves C alone, k 0 gives beta * C")
    func empty() {
        for (tA, tB) in transposes {
            check(Float.self, Case(m: 0, n: 100, k: 50, transA: tA, transB: tB), entry: .gemm(.auto))
            check(Float.self, Case(m: 100, n: 0, k: 50, transA: tA, transB: tB), entry: .gemm(.auto))
            check(Float.self, Case(m: 1, n: 100, k: 0, transA: tA, transB: tB, beta: 0.5), entry: .gemm(.auto))
            check(Double.self, Case(m: 100, n: 1, k: 0, transA: tA, transB: tB, nanInC: true), entry: .gemm(.auto))
        }
        #expect(!Gemv.suits(m: 1, n: 100, k: 0, transA: false, transB: false, vectorWidth: 16))
    }

    @Test("auto falls back to OpenBLAS only when the kernels were compiled below the machine")
    func fallbackRule() {
        #expect(Gemm.autoUsesBlas(compiled: .baseline, machine: .avx512))
        #expect(Gemm.autoUsesBlas(compiled: .avx2, machine: .avx512))
        #expect(!Gemm.autoUsesBlas(compiled: .avx512, machine: .avx512))
        #expect(!Gemm.autoUsesBlas(compiled: .notX86, machine: .notX86))
        #expect(ISA.warning(compiled: .baseline, machine: .avx512)?.contains(ISA.buildLine) == true)
        #expect(ISA.warning(compiled: .avx2, machine: .avx2) == nil)
        // This test binary is built with the flags of `make test`: no fallback, no warning.
        #expect(Gemm.autoUsesBlas == (ISA.compiled < ISA.machine))
        #expect((ISA.warning == nil) == !Gemm.autoUsesBlas)
        #expect(Gemm.resolved(.simd) == .simd)
    }
}

@Suite("OpenBLAS kernel choice for the fallback")
struct BlasCoreTests {
    @Test("a weaker kernel set than the CPU's is replaced; an AVX-512 or matching one is kept")
    func betterCore() {
        #expect(Blas.betterCore(running: "Prescott", machine: .avx512) == "SkylakeX")
        #expect(Blas.betterCore(running: "Haswell", machine: .avx512) == "SkylakeX")
        #expect(Blas.betterCore(running: "Cooperlake", machine: .avx512) == nil)
        #expect(Blas.betterCore(running: "SkylakeX", machine: .avx2) == nil)
        #expect(Blas.betterCore(running: "Sandybridge", machine: .avx2) == "Haswell")
        #expect(Blas.betterCore(running: "Haswell", machine: .baseline) == nil)
    }
}
