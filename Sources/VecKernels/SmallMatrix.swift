// The direct path: products computed straight from the operands, with no packing. A register
// block is 8 rows of C by one or two vectors (8 x 32 floats in 16 zmm accumulators): each step
// broadcasts 8 values of op(A) and loads the vectors of one row of op(B) (AVX2: 6 rows by one
// SIMD16 of floats or SIMD8 of doubles, 12 ymm accumulators). It serves the tiny
// products where packing would cost as much as the product (bmm of 4096 8x8 matrices: `eights`;
// two members interleaved for other one-vector widths) and, as measured, products up to about
// 256^3 whose operands stay cache-resident (no packing pass, same FMA rate; see `suits`).
// Columns go in strips of 32, 16, 8, 4 (float); an odd remainder runs as one zero-padded strip.
// A transposed B (rows not contiguous) is first copied transposed (in-register 16x16 transposes).

enum SmallMatrix {
    /// One or two vectors of columns per strip, as a type so that every specialisation has it constant.
    protocol StripWidth { static var twin: Bool { get } }
    enum One: StripWidth { static var twin: Bool { false } }
    enum Two: StripWidth { static var twin: Bool { true } }
    // Rows per register block come as a TileRows type for the same reason (an Int argument was
    // left a run-time test inside the loop when the inliner gave up).

    /// Rows of C per register block, and columns per strip: 8 rows by two vectors under AVX-512,
    /// 6 rows by one SIMD16 of floats (two ymm) or one SIMD8 of doubles under AVX2, 12 ymm
    /// accumulators beside the B vector and a broadcast (the packed micro-kernel's shape).
    static var rows: Int { GemmMicroKernel.wide ? 8 : 6 }
    static func columns<T: KernelFloat>(_: T.Type) -> Int {
        (T.self == Float.self ? 32 : 16) / (GemmMicroKernel.wide ? 1 : 2)
    }

    /// Whether the direct path beats packing. Tiny products always (packing costs as much as the
    /// product); otherwise up to 2^25 multiply-adds (256 x 512 x 256), while op(A) stays in
    /// L2-sized reach (it is re-read for every 32-column strip) and the kc x 32 strip of B stays
    /// cached across the row blocks. Float32 GFLOP/s, direct / packed, warm operands, 1 thread:
    /// Zen 5: 64^3 228/161, 256^3 233/216, 512^3 227/217, 640^3 219/205, 768^3 192/194,
    /// 1024^3 58/92; Xeon (48 KiB L1d, 2 MiB L2), three alternating runs under load:
    /// 256^3 equal, 320^3 and 256x512x256 mixed, 384^3 packed 10% faster, 512x256x512 15-30%,
    /// 512^3 20-25% (1.83-2.47 against 2.33-3.40 ms). The limit takes the Xeon's side: it costs
    /// Zen 5 3-7% from 384^3 to 640^3 and saves the Xeon 10-25%.
    /// An AVX2 build uses 6-row blocks of one SIMD16 (12 ymm accumulators; the 8 x 2-vector
    /// blocks needed 32 of the 16 registers) up to 64^3: on the Zen 1 EPYC, 1 thread, 2 alternating
    /// runs, direct against packed 64^3 14.5 against 16.6 us (float64 28.8 against 30.2), but
    /// 128^3 111.6 against 108.7, 256^3 871 against 798 and 256x512x256 1.83 against 1.57 ms.
    static func suits(m: Int, n: Int, k: Int, elementSize: Int) -> Bool {
        if m * n * k <= 32 * 32 * 32 { return true }
        if !GemmMicroKernel.wide { return m * n * k <= 64 * 64 * 64 }
        // The strip of B is k x 128 bytes for both element types; op(A) is m x k elements.
        return m * n * k <= 1 << 25 && k <= 640 && m * k * elementSize <= 640 * 640 * 4
    }

    static func gemm<T: KernelFloat>(_ p: GemmProblem<T>, scratch ws: GemmWorkspace<T>?) {
        if !p.transB { return run(p, ws) }
        // op(B) as a row-major k x n copy.
        let ws = ws ?? GemmWorkspace<T>()
        let t = ws.side(0, count: p.n * p.k)
        GemmPacking.panelTranspose(p.b, ld: p.ldb, count: p.n, width: p.n, kc: p.k, into: t)
        var q = p
        q.b = UnsafePointer(t)
        q.ldb = p.n
        q.transB = false
        run(q, ws)
    }

    /// Members `range` of a batch with distinct C offsets, on this thread. The loop over members
    /// sits around the inlined tiles, so that nothing but the pointers changes per member (the
    /// call chain per member had cost as much as an 8x8x8 product).
    static func batch<T: KernelFloat>(_ base: GemmProblem<T>, aOffsets: [Int], bOffsets: [Int], cOffsets: [Int],
                                      range: Range<Int>, scratch: GemmWorkspace<T>) {
        if base.transB {
            for i in range { gemm(base.offset(a: aOffsets[i], b: bOffsets[i], c: cOffsets[i], beta: base.beta), scratch: scratch) }
        } else if T.self == Float.self {
            let f = unsafeBitCast(base, to: GemmProblem<Float>.self)
            let tiny = f.m * f.n * f.k <= 32 * 32 * 32
            if f.m == 8 && f.n == 8 && f.k == 8 && !f.transA && f.lda == 8 && f.ldc == 8 {
                return aOffsets.withUnsafeBufferPointer { ao in
                    bOffsets.withUnsafeBufferPointer { bo in
                        cOffsets.withUnsafeBufferPointer { co in eights(f, ao, bo, co, range) }
                    }
                }
            }
            switch f.n {
            case 16 where tiny: pairs(f, SIMD16<Float>.self, aOffsets, bOffsets, cOffsets, range)
            case 8 where tiny: pairs(f, SIMD8<Float>.self, aOffsets, bOffsets, cOffsets, range)
            case 4 where tiny: pairs(f, SIMD4<Float>.self, aOffsets, bOffsets, cOffsets, range)
            default:
                let workspace = unsafeDowncast(scratch, to: GemmWorkspace<Float>.self)
                for i in range { floats(f.offset(a: aOffsets[i], b: bOffsets[i], c: cOffsets[i], beta: f.beta), workspace) }
            }
        } else {
            let d = unsafeBitCast(base, to: GemmProblem<Double>.self)
            let tiny = d.m * d.n * d.k <= 32 * 32 * 32
            switch d.n {
            case 8 where tiny: pairs(d, SIMD8<Double>.self, aOffsets, bOffsets, cOffsets, range)
            case 4 where tiny: pairs(d, SIMD4<Double>.self, aOffsets, bOffsets, cOffsets, range)
            default:
                let workspace = unsafeDowncast(scratch, to: GemmWorkspace<Double>.self)
                for i in range { doubles(d.offset(a: aOffsets[i], b: bOffsets[i], c: cOffsets[i], beta: d.beta), workspace) }
            }
        }
    }

    /// Float 8x8x8 members with contiguous rows of A and C (bmm of 8x8 matrices): C rows 2r, 2r+1
    /// share one 16-lane register, so each FMA does 16 lanes instead of 8. Step q multiplies
    /// [A[2r,q] x 8, A[2r+1,q] x 8] (a lane shuffle of the A rows, held in registers) by row q of
    /// B in both halves. Measured 4096 members: 35 us against 76 us for `pairs` (whose 8-lane FMAs
    /// each needed a broadcast load, and whose generic k loop and per-member set-up cost as much).
    @inline(never)
    static func eights(_ p: GemmProblem<Float>, _ ao: UnsafeBufferPointer<Int>, _ bo: UnsafeBufferPointer<Int>,
                       _ co: UnsafeBufferPointer<Int>, _ range: Range<Int>) {
        typealias V = SIMD16<Float>
        typealias H = SIMD8<Float>
        @inline(__always) func splat(_ v: V, _ q: Int) -> V { V(lowHalf: H(repeating: v[q]), highHalf: H(repeating: v[8 &+ q])) }
        let ldb = p.ldb, alpha = p.alpha, beta = p.beta
        for i in range {
            let pa = p.a + ao[i], pb = p.b + bo[i], pc = p.c + co[i]
            let r0: V = VectorIO.load(pa), r1: V = VectorIO.load(pa + 16)
            let r2: V = VectorIO.load(pa + 32), r3: V = VectorIO.load(pa + 48)
            var c0 = V(), c1 = V(), c2 = V(), c3 = V()
            @inline(__always) func step(_ q: Int) {
                let h: H = VectorIO.load(pb + q &* ldb)
                let bq = V(lowHalf: h, highHalf: h)
                c0 = c0.addingProduct(splat(r0, q), bq)
                c1 = c1.addingProduct(splat(r1, q), bq)
                c2 = c2.addingProduct(splat(r2, q), bq)
                c3 = c3.addingProduct(splat(r3, q), bq)
            }
            step(0); step(1); step(2); step(3); step(4); step(5); step(6); step(7)
            put(c0, pc, alpha: alpha, beta: beta)
            put(c1, pc + 16, alpha: alpha, beta: beta)
            put(c2, pc + 32, alpha: alpha, beta: beta)
            put(c3, pc + 48, alpha: alpha, beta: beta)
        }
    }

    /// Members two at a time when n is one vector and the product is tiny (bmm of 8x8 matrices):
    /// one member alone is eight short FMA chains plus its set-up, too little to keep two FMA
    /// pipes busy; two interleaved do, and share the set-up.
    @inline(__always)
    static func pairs<V: SIMD>(_ base: GemmProblem<V.Scalar>, _: V.Type, _ aOffsets: [Int], _ bOffsets: [Int],
                               _ cOffsets: [Int], _ range: Range<Int>) where V.Scalar: KernelFloat {
        var i = range.lowerBound
        while i + 2 <= range.upperBound {
            let p = base.offset(a: aOffsets[i], b: bOffsets[i], c: cOffsets[i], beta: base.beta)
            let q = base.offset(a: aOffsets[i + 1], b: bOffsets[i + 1], c: cOffsets[i + 1], beta: base.beta)
            var r = 0
            while r + 8 <= base.m { pairBlock(p, q, r, V.self, Rows8.self); r += 8 }
            if r + 4 <= base.m { pairBlock(p, q, r, V.self, Rows4.self); r += 4 }
            if r + 2 <= base.m { pairBlock(p, q, r, V.self, Rows2.self); r += 2 }
            if r < base.m { pairBlock(p, q, r, V.self, Rows1.self) }
            i += 2
        }
        if i < range.upperBound { run(base.offset(a: aOffsets[i], b: bOffsets[i], c: cOffsets[i], beta: base.beta), nil) }
    }

    /// Rows i0 ..< i0 + rows of two members whose n is one vector.
    @inline(__always)
    static func pairBlock<V: SIMD, R: TileRows>(_ p: GemmProblem<V.Scalar>, _ q: GemmProblem<V.Scalar>, _ i0: Int,
                                                 _: V.Type, _: R.Type) where V.Scalar: KernelFloat {
        let rows = R.rows
        let (rs, ks) = p.transA ? (1, p.lda) : (p.lda, 1)
        let pa = p.a + i0 &* rs, qa = q.a + i0 &* rs
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V(), c6 = V(), c7 = V()
        var d0 = V(), d1 = V(), d2 = V(), d3 = V(), d4 = V(), d5 = V(), d6 = V(), d7 = V()
        var pb = p.b, qb = q.b
        for s in 0..<p.k {
            let o = s &* ks
            let bp: V = VectorIO.load(pb), bq: V = VectorIO.load(qb)
            @inline(__always) func fma(_ i: Int, _ x: inout V, _ y: inout V) {
                if i >= rows { return }
                x = x.addingProduct(V(repeating: pa[i &* rs &+ o]), bp)
                y = y.addingProduct(V(repeating: qa[i &* rs &+ o]), bq)
            }
            fma(0, &c0, &d0); fma(1, &c1, &d1); fma(2, &c2, &d2); fma(3, &c3, &d3)
            fma(4, &c4, &d4); fma(5, &c5, &d5); fma(6, &c6, &d6); fma(7, &c7, &d7)
            pb += p.ldb
            qb += q.ldb
        }
        let alpha = p.alpha, beta = p.beta
        let pc = p.c + i0 &* p.ldc, qc = q.c + i0 &* q.ldc
        @inline(__always) func out(_ i: Int, _ x: V, _ y: V) {
            if i >= rows { return }
            put(x, pc + i &* p.ldc, alpha: alpha, beta: beta)
            put(y, qc + i &* q.ldc, alpha: alpha, beta: beta)
        }
        out(0, c0, d0); out(1, c1, d1); out(2, c2, d2); out(3, c3, d3)
        out(4, c4, d4); out(5, c5, d5); out(6, c6, d6); out(7, c7, d7)
    }

    /// r = alpha * x + beta * r (r not read when beta == 0).
    @inline(__always)
    static func put<V: SIMD>(_ x: V, _ r: UnsafeMutablePointer<V.Scalar>, alpha: V.Scalar, beta: V.Scalar)
    where V.Scalar: KernelFloat {
        if beta == 0 {
            VectorIO.store(alpha == 1 ? x : V(repeating: alpha) * x, r)
        } else {
            VectorIO.store((V(repeating: alpha) * x).addingProduct(V(repeating: beta), VectorIO.load(r) as V), r)
        }
    }

    @inline(__always)
    static func run<T: KernelFloat>(_ p: GemmProblem<T>, _ ws: GemmWorkspace<T>?) {
        if T.self == Float.self {
            floats(unsafeBitCast(p, to: GemmProblem<Float>.self), unsafeBitCast(ws, to: GemmWorkspace<Float>?.self))
        } else {
            doubles(unsafeBitCast(p, to: GemmProblem<Double>.self), unsafeBitCast(ws, to: GemmWorkspace<Double>?.self))
        }
    }

    @inline(__always)
    static func floats(_ p: GemmProblem<Float>, _ ws: GemmWorkspace<Float>?) {
        var j = 0
        if GemmMicroKernel.wide {
            while j + 32 <= p.n { strip(p, j, SIMD16<Float>.self, Two.self); j += 32 }
        } else {
            while j + 16 <= p.n { strip(p, j, SIMD16<Float>.self, One.self); j += 16 }
        }
        if j + 16 <= p.n { strip(p, j, SIMD16<Float>.self, One.self); j += 16 }
        let r = p.n - j
        if r == 0 { return }
        if r % 4 == 0 {
            if j + 8 <= p.n { strip(p, j, SIMD8<Float>.self, One.self); j += 8 }
            if j + 4 <= p.n { strip(p, j, SIMD4<Float>.self, One.self) }
        } else if r > 8 {
            padded(p, j, SIMD16<Float>.self, ws)
        } else if r > 4 {
            padded(p, j, SIMD8<Float>.self, ws)
        } else {
            padded(p, j, SIMD4<Float>.self, ws)
        }
    }

    @inline(__always)
    static func doubles(_ p: GemmProblem<Double>, _ ws: GemmWorkspace<Double>?) {
        var j = 0
        if GemmMicroKernel.wide {
            while j + 16 <= p.n { strip(p, j, SIMD8<Double>.self, Two.self); j += 16 }
        } else {
            while j + 8 <= p.n { strip(p, j, SIMD8<Double>.self, One.self); j += 8 }
        }
        if j + 8 <= p.n { strip(p, j, SIMD8<Double>.self, One.self); j += 8 }
        let r = p.n - j
        if r == 0 { return }
        if r % 2 == 0 {
            if j + 4 <= p.n { strip(p, j, SIMD4<Double>.self, One.self); j += 4 }
            if j + 2 <= p.n { strip(p, j, SIMD2<Double>.self, One.self) }
        } else if r > 4 {
            padded(p, j, SIMD8<Double>.self, ws)
        } else if r > 2 {
            padded(p, j, SIMD4<Double>.self, ws)
        } else {
            padded(p, j, SIMD2<Double>.self, ws)
        }
    }

    /// The last n - j0 (< V.scalarCount) columns: B's columns copied into a zero-padded k x width
    /// panel and C's into an m x width tile, so that one full-width strip computes them (a scalar
    /// loop over 2 leftover columns had cost more than the 8 columns beside them).
    @inline(never)
    static func padded<V: SIMD>(_ p: GemmProblem<V.Scalar>, _ j0: Int, _: V.Type, _ ws: GemmWorkspace<V.Scalar>?)
    where V.Scalar: KernelFloat {
        let w = V.scalarCount, r = p.n - j0
        let ws = ws ?? GemmWorkspace<V.Scalar>()
        let b = ws.side(1, count: p.k * w), c = ws.side(2, count: p.m * w)
        for q in 0..<p.k {
            let src = p.b + q * p.ldb + j0, dst = b + q * w
            for l in 0..<w { dst[l] = l < r ? src[l] : 0 }
        }
        if p.beta != 0 {
            for i in 0..<p.m {
                let src = p.c + i * p.ldc + j0, dst = c + i * w
                for l in 0..<w { dst[l] = l < r ? src[l] : 0 }
            }
        }
        var tile = p
        tile.b = UnsafePointer(b)
        tile.ldb = w
        tile.c = c
        tile.ldc = w
        tile.n = w
        strip(tile, 0, V.self, One.self)
        for i in 0..<p.m {
            (p.c + i * p.ldc + j0).update(from: c + i * w, count: r)
        }
    }

    /// Columns j0 ..< j0 + (twin ? 2 : 1) * V.scalarCount of C, all rows: blocks of 8 rows (6
    /// under AVX2), then 4, 2 and single rows.
    @inline(__always)
    static func strip<V: SIMD, S: StripWidth>(_ p: GemmProblem<V.Scalar>, _ j0: Int, _: V.Type, _: S.Type)
    where V.Scalar: KernelFloat {
        let twin = S.twin
        var i = 0
        if !GemmMicroKernel.wide {
            while i + 6 <= p.m { block(p, i, j0, V.self, Rows6.self, twin: twin); i += 6 }
        }
        while i + 8 <= p.m { block(p, i, j0, V.self, Rows8.self, twin: twin); i += 8 }
        if i + 4 <= p.m { block(p, i, j0, V.self, Rows4.self, twin: twin); i += 4 }
        if i + 2 <= p.m { block(p, i, j0, V.self, Rows2.self, twin: twin); i += 2 }
        if i < p.m { block(p, i, j0, V.self, Rows1.self, twin: twin) }
    }

    /// Rows i0 ..< i0 + rows (a constant: 8, 6, 4, 2 or 1) of one strip, accumulated over all of k.
    @inline(__always)
    static func block<V: SIMD, R: TileRows>(_ p: GemmProblem<V.Scalar>, _ i0: Int, _ j0: Int, _: V.Type, _: R.Type,
                                             twin: Bool) where V.Scalar: KernelFloat {
        let rows = R.rows
        let w = V.scalarCount
        // op(A)[i, q] at a + i * rs + q * ks.
        let (rs, ks) = p.transA ? (1, p.lda) : (p.lda, 1)
        let a = p.a + i0 &* rs, b = p.b + j0
        // One pointer per row: deriving row i from row i-1 inside the loop made a chain of adds
        // that bounded the 8x8 case.
        let a0 = a, a1 = a + rs, a2 = a + 2 &* rs, a3 = a + 3 &* rs
        let a4 = a + 4 &* rs, a5 = a + 5 &* rs, a6 = a + 6 &* rs, a7 = a + 7 &* rs
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V(), c6 = V(), c7 = V()
        var d0 = V(), d1 = V(), d2 = V(), d3 = V(), d4 = V(), d5 = V(), d6 = V(), d7 = V()
        var bq = b
        @inline(__always) func step(_ o: Int, _ bq: UnsafePointer<V.Scalar>,
                                    _ c0: inout V, _ c1: inout V, _ c2: inout V, _ c3: inout V,
                                    _ c4: inout V, _ c5: inout V, _ c6: inout V, _ c7: inout V) {
            let b0: V = VectorIO.load(bq)
            @inline(__always) func fma(_ i: Int, _ row: UnsafePointer<V.Scalar>, _ x0: inout V) {
                if i < rows { x0 = x0.addingProduct(V(repeating: row[o]), b0) }
            }
            fma(0, a0, &c0); fma(1, a1, &c1); fma(2, a2, &c2); fma(3, a3, &c3)
            fma(4, a4, &c4); fma(5, a5, &c5); fma(6, a6, &c6); fma(7, a7, &c7)
        }
        if twin {
            // Two vectors of columns: 16 independent accumulators.
            for q in 0..<p.k {
                step(q &* ks, bq, &c0, &c1, &c2, &c3, &c4, &c5, &c6, &c7)
                step(q &* ks, bq + w, &d0, &d1, &d2, &d3, &d4, &d5, &d6, &d7)
                bq += p.ldb
            }
        } else if !GemmMicroKernel.wide && rows > 2 && MemoryLayout<V>.size == 64 {
            // AVX2: 6 rows of one 64-byte vector are already 12 ymm chains; a second set would
            // spill (narrower strips keep both sets: their few chains are bound by FMA latency).
            for q in 0..<p.k {
                step(q &* ks, bq, &c0, &c1, &c2, &c3, &c4, &c5, &c6, &c7)
                bq += p.ldb
            }
        } else {
            // One vector: even and odd steps go to separate accumulators (halves the FMA latency
            // chain, which bounds the 8x8x8 products).
            var q = 0
            while q + 2 <= p.k {
                step(q &* ks, bq, &c0, &c1, &c2, &c3, &c4, &c5, &c6, &c7)
                step((q + 1) &* ks, bq + p.ldb, &d0, &d1, &d2, &d3, &d4, &d5, &d6, &d7)
                bq += 2 &* p.ldb
                q += 2
            }
            if q < p.k { step(q &* ks, bq, &c0, &c1, &c2, &c3, &c4, &c5, &c6, &c7) }
            c0 += d0; c1 += d1; c2 += d2; c3 += d3; c4 += d4; c5 += d5; c6 += d6; c7 += d7
        }
        let va = V(repeating: p.alpha), vb = V(repeating: p.beta)
        let c = p.c + (i0 &* p.ldc &+ j0)
        @inline(__always) func out(_ i: Int, _ x0: V, _ x1: V) {
            if i >= rows { return }
            let r = c + i &* p.ldc
            if p.beta == 0 && p.alpha == 1 {
                VectorIO.store(x0, r)
                if twin { VectorIO.store(x1, r, w) }
            } else if p.beta == 0 {
                VectorIO.store(va * x0, r)
                if twin { VectorIO.store(va * x1, r, w) }
            } else {
                VectorIO.store((va * x0).addingProduct(vb, VectorIO.load(r) as V), r)
                if twin { VectorIO.store((va * x1).addingProduct(vb, VectorIO.load(r, w) as V), r, w) }
            }
        }
        out(0, c0, d0); out(1, c1, d1); out(2, c2, d2); out(3, c3, d3)
        out(4, c4, d4); out(5, c5, d5); out(6, c6, d6); out(7, c7, d7)
    }

}
