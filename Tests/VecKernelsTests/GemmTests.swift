import Testing
@testable import VecKernels
import VecPlatform

// Every GEMM variant against the triple-loop reference, on shapes that hit the edge tiles, the
// block boundaries, zero sizes, both transposes, alpha/beta, and batches with broadcast offsets.

private struct Rng {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
    mutating func array<T: KernelFloat>(_ count: Int, _: T.Type = T.self) -> [T] {
        (0..<count).map { _ in T(next()) }
    }
}

/// Which code runs: the public entry with a variant, or one of the two internal loop nests.
private enum Path { case api, packed, direct, shared }

/// One product: A, B, C with padded leading dimensions, run with `variant`, checked against naive.
private func check<T: KernelFloat>(_: T.Type, _ m: Int, _ n: Int, _ k: Int, transA: Bool = false, transB: Bool = false,
                                   alpha: T = 1, beta: T = 0, variant: KernelVariant = .auto, path: Path = .api, threads: Int? = nil,
                                   nanInC: Bool = false, seed: UInt64 = 1,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
    var rng = Rng(state: seed)
    let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 1
    let a: [T] = rng.array((transA ? k : m) * lda), b: [T] = rng.array((transB ? n : k) * ldb)
    // NaN in the m x n region only (the padding column stays finite and untouched).
    let c0: [T] = nanInC ? (0..<(m * ldc)).map { $0 % ldc < n ? .nan : 0 } : rng.array(m * ldc)
    var want = c0, got = c0
    func run(_ v: KernelVariant, _ path: Path, _ c: inout [T]) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let p = GemmProblem(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.baseAddress!,
                                        lda: lda, b: b.baseAddress!, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
                    switch path {
                    case .api:
                        Gemm.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a.baseAddress!, lda: lda,
                                  b.baseAddress!, ldb: ldb, beta: beta, c.baseAddress!, ldc: ldc, variant: v, threads: threads)
                    case .packed:
                        GemmDriver.packed(p, rows: 0..<m, cols: 0..<n, workspace: GemmWorkspace())
                    case .direct:
                        SmallMatrix.gemm(p, scratch: nil)
                    case .shared:
                        GemmDriver.sharedPanels(p, threads: threads ?? 2)
                    }
                }
            }
        }
    }
    run(.naive, .api, &want)
    run(variant, path, &got)
    expectClose(got, want, k: k, "\(T.dtypeName) \(m)x\(n)x\(k) tA \(transA) tB \(transB) alpha \(alpha) beta \(beta) \(variant) \(path)",
                sourceLocation: sourceLocation)
}

private func expectClose<T: KernelFloat>(_ got: [T], _ want: [T], k: Int, _ what: String,
                                         sourceLocation: SourceLocation = #_sourceLocation) {
    // Inputs are in [-1, 1]: a dot product of k terms is off by at most a few k ulps of 1.
    let tol = T.ulpOfOne * T(8 * (k + 2))
    var worst: T = 0, at = -1
    for i in got.indices {
        let d = abs(got[i] - want[i])
        if !(d <= worst) { worst = d; at = i }      // NaN counts as worst
    }
    #expect(worst <= tol, "\(what): max error \(worst) at \(at) (tolerance \(tol))", sourceLocation: sourceLocation)
}

private let shapes: [(Int, Int, Int)] = [
    (1, 1, 1), (17, 33, 19), (14, 32, 16), (15, 31, 17), (1000, 3, 5), (3, 1000, 7), (30, 40, 270),
]

@Suite("GEMM")
struct GemmTests {
    @Test("every variant matches naive in float64, all transposes", arguments: [KernelVariant.simd, .parallel, .blas, .auto])
    func variantsFloat64(_ variant: KernelVariant) {
        for (m, n, k) in shapes {
            for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
                check(Double.self, m, n, k, transA: tA, transB: tB, variant: variant, threads: 2)
            }
        }
    }

    @Test("every variant matches naive in float32", arguments: [KernelVariant.simd, .parallel, .blas, .auto])
    func variantsFloat32(_ variant: KernelVariant) {
        for (m, n, k) in shapes {
            for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
                check(Float.self, m, n, k, transA: tA, transB: tB, variant: variant, threads: 2)
            }
        }
    }

    @Test("alpha and beta, and beta 0 overwrites NaN in C", arguments: [KernelVariant.simd, .parallel, .blas])
    func alphaBeta(_ variant: KernelVariant) {
        for (alpha, beta) in [(1.0, 1.0), (-0.5, 0.75), (2.0, 0.0), (0.0, 0.5), (0.0, 0.0)] {
            check(Double.self, 23, 37, 29, alpha: alpha, beta: beta, variant: variant, threads: 2)
            check(Float.self, 23, 37, 29, transA: true, alpha: Float(alpha), beta: Float(beta), variant: variant, threads: 2)
        }
        check(Double.self, 30, 40, 20, beta: 0, variant: variant, nanInC: true)
        check(Float.self, 5, 6, 7, beta: 0, variant: variant, nanInC: true)
    }

    @Test("zero-sized dimensions: k = 0 leaves beta * C, m or n = 0 touches nothing", arguments: [KernelVariant.naive, .simd, .parallel, .blas])
    func zeroSizes(_ variant: KernelVariant) {
        for (m, n, k) in [(0, 5, 3), (5, 0, 3), (5, 3, 0), (0, 0, 0)] {
            check(Double.self, m, n, k, beta: 0.5, variant: variant)
            check(Float.self, m, n, k, transA: true, transB: true, beta: 0, variant: variant)
        }
        // k = 0 with beta 0.5 must give exactly half of C.
        var c: [Double] = [2, 4, 6]
        let x: [Double] = [1]
        Gemm.gemm(transA: false, transB: false, m: 1, n: 3, k: 0, alpha: 1, x, lda: 1, x, ldb: 3, beta: 0.5, &c, ldc: 3, variant: variant)
        #expect(c == [1, 2, 3])
    }

    @Test("parallel splits for 1, 2, 3 and 16 threads")
    func threadCounts() {
        for t in [1, 2, 3, 16] {
            check(Double.self, 100, 90, 50, variant: .parallel, threads: t)
            check(Float.self, 9, 300, 33, transB: true, variant: .parallel, threads: t)
        }
        #expect(GemmDriver.grid(m: 1024, n: 1024, k: 1024, threads: 16, mr: 14, nr: 32, transposingA: true, transposingB: false) == (4, 4))
        #expect(GemmDriver.grid(m: 10, n: 5000, k: 64, threads: 4, mr: 14, nr: 32, transposingA: true, transposingB: false) == (1, 4))
    }

    /// Beyond kc (1024 or less) two B panels in turn, the second accumulating onto the first's C
    /// (beta 1), with row blocks ending on edge tiles; k beyond 640 keeps the API off the direct path.
    @Test("the packed path on several threads shares each B panel: several kc blocks, transposes, edge tiles")
    func packedAcrossThreads() {
        for t in [2, 3] {
            check(Float.self, 45, 70, 1100, alpha: 1.5, beta: 0.5, path: .shared, threads: t)
            check(Float.self, 29, 100, 1030, transB: true, path: .shared, threads: t)
            check(Double.self, 45, 70, 1100, transA: true, transB: true, alpha: 1.5, beta: 0.5, path: .shared, threads: t)
            check(Double.self, 17, 33, 700, transA: true, path: .shared, threads: t)
        }
        // Through the API: above the size where the parallel packed path shares its panels.
        check(Float.self, 130, 140, 1030, variant: .parallel, threads: 2)
        #expect(130 * 140 * 1030 >= GemmDriver.sharedPanelsFrom)
    }

    @Test("the direct path cuts a product into a few blocks per thread: rows first, columns first for B^T")
    func directBlocks() {
        #expect(GemmDriver.directGrid(m: 256, n: 256, threads: 2, mr: 8, nr: 32, transposingB: false) == (8, 1))
        #expect(GemmDriver.directGrid(m: 256, n: 256, threads: 2, mr: 8, nr: 32, transposingB: true) == (1, 8))
        #expect(GemmDriver.directGrid(m: 24, n: 256, threads: 2, mr: 8, nr: 32, transposingB: false) == (3, 2))
        #expect(GemmDriver.directGrid(m: 8, n: 40, threads: 4, mr: 8, nr: 32, transposingB: false) == (1, 2))
        #expect(GemmDriver.directGrid(m: 100, n: 90, threads: 1, mr: 8, nr: 16, transposingB: true) == (1, 4))
        // A one-dimensional split is cut in guided sizes ending on one-tile blocks; a grid stays even.
        let rows = GemmDriver.directCuts(m: 256, n: 256, threads: 2, mr: 8, nr: 32, transposingB: false)
        #expect(rows.rows == [0, 8, 14, 18, 21, 23, 25, 26, 27, 28, 29, 30, 31, 32] && rows.cols == [0, 8])
        let cols = GemmDriver.directCuts(m: 256, n: 256, threads: 2, mr: 8, nr: 32, transposingB: true)
        #expect(cols.rows == [0, 32] && cols.cols == [0, 2, 3, 4, 5, 6, 7, 8])
        let both = GemmDriver.directCuts(m: 24, n: 256, threads: 2, mr: 8, nr: 32, transposingB: false)
        #expect(both.rows == [0, 1, 2, 3] && both.cols == [0, 4, 8])
        // Every block of every split computes its part: uneven edges, both element types, both B forms.
        for t in [2, 3] {
            check(Float.self, 203, 250, 77, variant: .parallel, threads: t)
            check(Float.self, 203, 250, 77, transB: true, variant: .parallel, threads: t)
            check(Double.self, 61, 130, 45, transA: true, variant: .parallel, threads: t)
        }
    }

    @Test("edge tiles of every row count and of one or two vectors (packed path)")
    func edgeTiles() {
        // Column remainders of one lane and of one vector plus a lane for the build's micro-kernel
        // (14 x 32/16 under AVX-512, 6 x 16/8 otherwise); k = 21 runs the packing transposes and
        // their leftover steps.
        for r in 1...14 {
            for extra in [1, GemmMicroKernel.nrFloat / 2 + 1] {
                check(Float.self, 28 + r, 160 + extra, 21, path: .packed)
                check(Float.self, 28 + r, 160 + extra, 21, transA: true, transB: true, path: .packed)
            }
            for extra in [1, GemmMicroKernel.nrDouble / 2 + 1] {
                check(Double.self, 28 + r, 160 + extra, 21, beta: 1, path: .packed)
            }
        }
    }

    @Test("packed loops cross every block boundary (tiny blocking)")
    func blockBoundaries() {
        var rng = Rng(state: 7)
        let (m, n, k) = (61, 97, 45)
        let a: [Double] = rng.array(m * k), b: [Double] = rng.array(k * n)
        for (tA, tB) in [(false, false), (true, true)] {
            var want = [Double](repeating: 1, count: m * n), got = want
            let ws = GemmWorkspace<Double>(blocking: GemmBlocking(mr: GemmMicroKernel.mr, nr: GemmMicroKernel.nrDouble, kc: 20, mc: 28, nc: 48))
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    func problem(_ c: UnsafeMutablePointer<Double>) -> GemmProblem<Double> {
                        GemmProblem(transA: tA, transB: tB, m: m, n: n, k: k, alpha: 1.5, a: a.baseAddress!, lda: tA ? m : k,
                                    b: b.baseAddress!, ldb: tB ? k : n, beta: -1, c: c, ldc: n)
                    }
                    want.withUnsafeMutableBufferPointer { Gemm.naive(problem($0.baseAddress!)) }
                    got.withUnsafeMutableBufferPointer {
                        GemmDriver.packed(problem($0.baseAddress!), rows: 0..<m, cols: 0..<n, workspace: ws)
                    }
                }
            }
            expectClose(got, want, k: k, "tiny blocking tA \(tA) tB \(tB)")
        }
    }

    @Test("packed and direct loop nests on every shape and transpose", arguments: [Path.packed, .direct])
    fileprivate func paths(_ path: Path) {
        for (m, n, k) in shapes + [(8, 8, 8), (3, 5, 7), (4, 36, 2), (13, 20, 9), (9, 63, 11)] {
            for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
                check(Float.self, m, n, k, transA: tA, transB: tB, alpha: 0.5, beta: 2, path: path)
                check(Double.self, m, n, k, transA: tA, transB: tB, alpha: -1, beta: 0, path: path)
            }
        }
    }

    @Test("batched with broadcast A and B and accumulation into shared C", arguments: [KernelVariant.naive, .simd, .parallel, .blas, .auto])
    func batched(_ variant: KernelVariant) {
        var rng = Rng(state: 3)
        for (m, n, k) in [(8, 8, 8), (20, 33, 17)] {
            let sa = m * k, sb = k * n, sc = m * n
            let a: [Double] = rng.array(3 * sa), b: [Double] = rng.array(2 * sb), c0: [Double] = rng.array(4 * sc)
            // 6 batches: A cycles over 3 matrices, B over 2 (broadcast), C: batches 4 and 5 add into C[0] and C[3].
            let aOff = [0, 1, 2, 0, 1, 2].map { $0 * sa }, bOff = [0, 0, 0, 1, 1, 1].map { $0 * sb }
            let cOff = [0, 1, 2, 3, 0, 3].map { $0 * sc }
            var want = c0
            for i in 0..<6 {
                let first = !cOff[..<i].contains(cOff[i])
                a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        want.withUnsafeMutableBufferPointer { c in
                            Gemm.gemm(transA: false, transB: true, m: m, n: n, k: k, alpha: 0.5, a.baseAddress! + aOff[i], lda: k,
                                      b.baseAddress! + bOff[i], ldb: k, beta: first ? 0.25 : 1, c.baseAddress! + cOff[i], ldc: n, variant: .naive)
                        }
                    }
                }
            }
            var got = c0
            Gemm.batched(transA: false, transB: true, m: m, n: n, k: k, alpha: 0.5, a, aOffsets: aOff, lda: k, b, bOffsets: bOff,
                         ldb: k, beta: 0.25, &got, cOffsets: cOff, ldc: n, variant: variant, threads: 2)
            expectClose(got, want, k: 2 * k, "batched \(m)x\(n)x\(k) \(variant)")
        }
    }

    @Test("batched tiny products: the 8x8 float path and two members at a time (6x5x4 double, odd counts)")
    func manyTiny() {
        var rng = Rng(state: 11)
        func run<T: KernelFloat>(_: T.Type, count: Int, m: Int, n: Int, k: Int) {
            let a: [T] = rng.array(count * m * k), b: [T] = rng.array(count * k * n), c0: [T] = rng.array(count * m * n)
            let aOff = (0..<count).map { $0 * m * k }, bOff = (0..<count).map { $0 * k * n }, cOff = (0..<count).map { $0 * m * n }
            var want = c0, got = c0
            Gemm.batched(transA: false, transB: false, m: m, n: n, k: k, alpha: 1.5, a, aOffsets: aOff, lda: k, b,
                         bOffsets: bOff, ldb: n, beta: 0.5, &want, cOffsets: cOff, ldc: n, variant: .naive)
            Gemm.batched(transA: false, transB: false, m: m, n: n, k: k, alpha: 1.5, a, aOffsets: aOff, lda: k, b,
                         bOffsets: bOff, ldb: n, beta: 0.5, &got, cOffsets: cOff, ldc: n, variant: .parallel, threads: 2)
            expectClose(got, want, k: k, "\(T.dtypeName) \(count) x \(m)x\(n)x\(k)")
        }
        run(Float.self, count: 301, m: 8, n: 8, k: 8)
        run(Float.self, count: 7, m: 10, n: 16, k: 3)
        run(Double.self, count: 5, m: 6, n: 4, k: 5)
    }

    @Test("batched float 8x8x8 (two rows per register): reversed A offsets, broadcast B, padded B rows, lda 9 fallback",
          arguments: [KernelVariant.simd, .auto])
    func eights(_ variant: KernelVariant) {
        var rng = Rng(state: 23)
        func run(count: Int, lda: Int, ldb: Int, alpha: Float, beta: Float, nanInC: Bool) {
            let a: [Float] = rng.array(count * 8 * lda), b: [Float] = rng.array(2 * 8 * ldb)
            let c0: [Float] = nanInC ? Array(repeating: .nan, count: count * 64) : rng.array(count * 64)
            // A members read in reverse order, B alternating between two matrices (C offsets must
            // increase for the batch loop; decreasing ones take the grouped path).
            let aOff = (0..<count).map { (count - 1 - $0) * 8 * lda }, bOff = (0..<count).map { $0 % 2 * 8 * ldb }
            let cOff = (0..<count).map { $0 * 64 }
            var want = c0, got = c0
            Gemm.batched(transA: false, transB: false, m: 8, n: 8, k: 8, alpha: alpha, a, aOffsets: aOff, lda: lda, b,
                         bOffsets: bOff, ldb: ldb, beta: beta, &want, cOffsets: cOff, ldc: 8, variant: .naive)
            Gemm.batched(transA: false, transB: false, m: 8, n: 8, k: 8, alpha: alpha, a, aOffsets: aOff, lda: lda, b,
                         bOffsets: bOff, ldb: ldb, beta: beta, &got, cOffsets: cOff, ldc: 8, variant: variant, threads: 1)
            expectClose(got, want, k: 8, "\(count) x 8x8x8 lda \(lda) ldb \(ldb) alpha \(alpha) beta \(beta) \(variant)")
        }
        run(count: 33, lda: 8, ldb: 8, alpha: 1, beta: 0, nanInC: true)
        run(count: 33, lda: 8, ldb: 11, alpha: -2, beta: 0, nanInC: true)
        run(count: 4, lda: 8, ldb: 8, alpha: 0.5, beta: 1.25, nanInC: false)
        run(count: 5, lda: 9, ldb: 8, alpha: 1, beta: 0, nanInC: true)
    }

    @Test("OpenBLAS reports its core and thread count")
    func blasInfo() {
        #expect(!Blas.coreName.isEmpty)
        let before = Blas.threads
        Blas.threads = 1
        #expect(Blas.threads == 1)
        Blas.threads = before
    }
}
