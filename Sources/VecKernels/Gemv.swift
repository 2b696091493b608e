import VecPlatform

// Skinny products: m or n up to 16 (GEMV and its neighbours), or k up to a few (outer products, the
// backward of a skinny product), computed straight from the operands. The packed path copies the
// whole big operand once per product, which for a matrix-vector product costs as much as the
// product itself (measured at 1024x1024: 3.8 GFLOP/s packed against PyTorch's 13.6).
//
// Two loop forms, each streaming the big operand G once while the small one S stays in cache:
// - combine: every output vector is a linear combination of G's rows (G stored [k, R], rows
//   contiguous along the big dimension): acc[t] += S(t, q) * G[q, r ..< r + w]. It serves op(B)
//   with contiguous rows and small m (C rows are combinations of B's rows), A^T with small n
//   (C's columns are combinations of A's rows) and small k with any m (an outer product).
// - dot: every output is a dot product of a row of G (stored [R, k], contiguous along k) with a
//   row of S: A with small n, B^T with small m.
// An output block has 16 accumulators: up to 4 rows of S by 4 vectors of G, or 8 rows by 2 in the
// combine form; more rows of S take several passes over G, blocked so that the part of G a pass
// reads stays in L2.

/// One skinny product in canonical form: the big operand G, the small one S and the output O,
/// each by pointer and strides, so that one loop nest serves every transpose.
struct SkinnyProduct<T: KernelFloat> {
    enum Form { case combine, dot }
    var form: Form
    /// combine: G[q, r] at g + q * ldg + r (k rows); dot: G[r, q] at g + r * ldg + q (R rows).
    var g: UnsafePointer<T>, ldg: Int
    /// S(t, q) at s + t * ss + q * sq (dot needs sq == 1).
    var s: UnsafePointer<T>, ss: Int, sq: Int
    /// O(t, r) at o + t * os + r * or.
    var o: UnsafeMutablePointer<T>, os: Int, or: Int
    /// Rows of S (t), the big dimension (r), the inner dimension (q).
    var small: Int, big: Int, k: Int
    var alpha: T, beta: T
}

enum Gemv {
    /// The largest small dimension (m or n) the skinny forms take.
    static let smallMax = 16
    /// The largest k taken as a sum of outer products when m and n are both large (the backward
    /// of a product with m or n up to 16; measured 2x OpenBLAS at 1024x1024x16).
    static let outerMax = 16
    /// The most columns of C the dot form computes from A's rows (A x B, n small): beyond two
    /// passes over A the packed path was faster (1024x1024 x 1024x16: 30 GFLOP/s dot form, 47 packed;
    /// x 1024x8: 27 and 30; x 1024x4: 29 and 15).
    static let dotColumnsMax = 8
    /// The big dimension must be at least this long (shorter products stay on SmallMatrix).
    static let bigMin = 64
    /// How many rows of G ahead the combine form prefetches (see `combineBlock`).
    static let prefetchRows = 10

    /// Whether the skinny forms take this product.
    static func suits(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, vectorWidth w: Int) -> Bool {
        if m * n * k <= 32 * 32 * 32 || k == 0 { return false }
        if n <= smallMax && m >= bigMin && n <= m { return transA || (k >= w && n <= dotColumnsMax) }
        if m <= smallMax && n >= bigMin { return !transB || k >= w }
        return k <= outerMax && m >= bigMin && n >= bigMin
    }

    static func suits<T: KernelFloat>(_ p: GemmProblem<T>) -> Bool {
        suits(m: p.m, n: p.n, k: p.k, transA: p.transA, transB: p.transB, vectorWidth: width(T.self))
    }

    static func width<T: KernelFloat>(_: T.Type) -> Int { T.self == Float.self ? 16 : 8 }

    /// C = alpha * op(A) * op(B) + beta * C for a product that `suits` accepted (alpha != 0, k > 0).
    static func gemm<T: KernelFloat>(_ p: GemmProblem<T>, threads: Int) {
        // S(t, q) = op(A)[i, q] with t = i, or op(B)[q, j] with t = j.
        let aRows = p.transA ? (ss: 1, sq: p.lda) : (ss: p.lda, sq: 1)
        let bCols = p.transB ? (ss: p.ldb, sq: 1) : (ss: 1, sq: p.ldb)
        var s: SkinnyProduct<T>
        if p.n <= smallMax && p.m >= bigMin && p.n <= p.m {
            // C's columns: dots of A's rows with op(B)'s columns, or combinations of A^T's rows.
            s = SkinnyProduct(form: p.transA ? .combine : .dot, g: p.a, ldg: p.lda, s: p.b, ss: bCols.ss, sq: bCols.sq,
                              o: p.c, os: 1, or: p.ldc, small: p.n, big: p.m, k: p.k, alpha: p.alpha, beta: p.beta)
        } else if p.m <= smallMax && p.n >= bigMin {
            // C's rows: combinations of B's rows, or dots of op(A)'s rows with B^T's rows.
            s = SkinnyProduct(form: p.transB ? .dot : .combine, g: p.b, ldg: p.ldb, s: p.a, ss: aRows.ss, sq: aRows.sq,
                              o: p.c, os: p.ldc, or: 1, small: p.m, big: p.n, k: p.k, alpha: p.alpha, beta: p.beta)
        } else {
            // Small k: C's rows are combinations of op(B)'s k rows (B^T copied, k x n is small).
            s = SkinnyProduct(form: .combine, g: p.b, ldg: p.ldb, s: p.a, ss: aRows.ss, sq: aRows.sq,
                              o: p.c, os: p.ldc, or: 1, small: p.m, big: p.n, k: p.k, alpha: p.alpha, beta: p.beta)
            if p.transB {
                return withUnsafeTemporaryAllocation(of: T.self, capacity: p.k * p.n) { buf in
                    let g = buf.baseAddress!
                    for j in 0..<p.n { for q in 0..<p.k { g[q * p.n + j] = p.b[j * p.ldb + q] } }
                    s.g = UnsafePointer(g)
                    s.ldg = p.n
                    run(s, threads: threads)
                }
            }
        }
        if s.form == .dot && s.sq != 1 {
            // The dot form loads rows of S as vectors: a contiguous copy (small x k, small).
            return withUnsafeTemporaryAllocation(of: T.self, capacity: s.small * s.k) { buf in
                let d = buf.baseAddress!
                for t in 0..<s.small { for q in 0..<s.k { d[t * s.k + q] = s.s[t * s.ss + q * s.sq] } }
                var c = s
                c.s = UnsafePointer(d)
                c.ss = s.k
                c.sq = 1
                run(c, threads: threads)
            }
        }
        run(s, threads: threads)
    }

    /// Splits the big dimension into a few parts per thread (or, for an outer product with many
    /// rows of S, the rows of S in blocks of 8, one per thread; or k, see GemvSplitK.swift), each
    /// part running the loops on its own.
    static func run<T: KernelFloat>(_ s: SkinnyProduct<T>, threads: Int) {
        let w = width(T.self)
        let work = s.small * s.big * s.k
        let t = work >= Gemm.parallelThreshold ? threads : 1
        if splitsK(s) { return runSplitK(s, threads: t) }
        if t <= 1 { return part(s, rows: 0..<s.small, big: 0..<s.big) }
        if s.form == .combine && s.small >= 16 * t {
            let blocks = (s.small + 7) / 8
            Threading.parallelFor(t, threads: t) { i in
                part(s, rows: min(s.small, i * blocks / t * 8)..<min(s.small, (i + 1) * blocks / t * 8), big: 0..<s.big)
            }
        } else {
            // A few parts per thread, taken from the pool's shared counter: a worker that starts
            // late then costs the parts the caller takes over, not half of the product. The stream
            // form keeps one part per thread: its pieces of G's rows must stay long for the
            // hardware prefetcher (GemvStream.swift).
            let unit = s.form == .combine ? 4 * w : 4
            let units = (s.big + unit - 1) / unit
            let parts = min(streams(s, rows: s.small) ? t : GemmDriver.tasksPerThread * t, units)
            Threading.parallelFor(parts, threads: t) { i in
                part(s, rows: 0..<s.small, big: min(s.big, i * units / parts * unit)..<min(s.big, (i + 1) * units / parts * unit))
            }
        }
    }

    /// Whether `rows` rows of S go through the stream form (GemvStream.swift).
    static func streams<T: KernelFloat>(_ s: SkinnyProduct<T>, rows: Int) -> Bool {
        s.form == .combine && (rows <= 2 || (rows <= 4 && s.or != 1))
    }

    /// Outputs rows x big on the calling thread, specialised for the element type. One or two rows
    /// of S (up to four when O is written with a stride) combine G's rows in the stream form
    /// (GemvStream.swift): measured 12.4-14 against 10.2-10.6 GFLOP/s for 1x1024 x 1024x1024 and
    /// 1024x1024^T x 1024x1, 46-48 against 40-43 for 1024x1024^T x 1024x4, while 3 or 4 rows with
    /// contiguous output ran as fast or faster in column panels (float32, Xeon, 1 thread).
    static func part<T: KernelFloat>(_ s: SkinnyProduct<T>, rows: Range<Int>, big: Range<Int>) {
        if rows.isEmpty || big.isEmpty { return }
        let streamed = streams(s, rows: rows.count)
        if T.self == Float.self {
            let f = unsafeBitCast(s, to: SkinnyProduct<Float>.self)
            if streamed { return stream(f, rows, big, SIMD16<Float>.self) }
            f.form == .combine ? combine(f, rows, big, SIMD16<Float>.self) : dots(f, rows, big, SIMD16<Float>.self)
        } else {
            let d = unsafeBitCast(s, to: SkinnyProduct<Double>.self)
            if streamed { return stream(d, rows, big, SIMD8<Double>.self) }
            d.form == .combine ? combine(d, rows, big, SIMD8<Double>.self) : dots(d, rows, big, SIMD8<Double>.self)
        }
    }

    // MARK: - combine

    @inline(never)
    static func combine<V: SIMD>(_ s: SkinnyProduct<V.Scalar>, _ rows: Range<Int>, _ big: Range<Int>, _: V.Type)
    where V.Scalar: KernelFloat {
        let w = V.scalarCount
        // More than one block of S rows re-reads G: columns in chunks whose k rows fit in ~256 KiB.
        let chunk = rows.count <= 8 ? big.count
            : max(4 * w, 256 * 1024 / (max(1, s.k) * MemoryLayout<V.Scalar>.stride) / (4 * w) * (4 * w))
        var c0 = big.lowerBound
        while c0 < big.upperBound {
            let cols = c0..<min(big.upperBound, c0 + chunk)
            var t = rows.lowerBound
            while t < rows.upperBound {
                let left = rows.upperBound - t
                switch left {
                case 1: combineStrip(s, t, cols, V.self, Rows1.self, Rows4.self)
                case 2: combineStrip(s, t, cols, V.self, Rows2.self, Rows4.self)
                case 3: combineStrip(s, t, cols, V.self, Rows3.self, Rows4.self)
                case 4: combineStrip(s, t, cols, V.self, Rows4.self, Rows4.self)
                case 5: combineStrip(s, t, cols, V.self, Rows5.self, Rows2.self)
                case 6: combineStrip(s, t, cols, V.self, Rows6.self, Rows2.self)
                case 7: combineStrip(s, t, cols, V.self, Rows7.self, Rows2.self)
                default: combineStrip(s, t, cols, V.self, Rows8.self, Rows2.self)
                }
                t += min(left, 8)
            }
            c0 = cols.upperBound
        }
    }

    /// Rows t0 ..< t0 + S.rows of O over columns `cols`: blocks of 4 vectors, then single vectors, then
    /// the last partial vector as a full one ending at the last column (only its new lanes stored;
    /// the big dimension is at least one vector long).
    @inline(__always)
    static func combineStrip<V: SIMD, S: TileRows, W: TileRows>(
        _ s: SkinnyProduct<V.Scalar>, _ t0: Int, _ cols: Range<Int>, _: V.Type, _: S.Type, _: W.Type
    ) where V.Scalar: KernelFloat {
        let w = V.scalarCount, wide = W.rows * w
        var r = cols.lowerBound
        while r + wide <= cols.upperBound { combineBlock(s, t0, r, 0, V.self, S.self, W.self); r += wide }
        while r + w <= cols.upperBound { combineBlock(s, t0, r, 0, V.self, S.self, Rows1.self); r += w }
        if r < cols.upperBound {
            let start = cols.upperBound - w
            combineBlock(s, t0, start, r - start, V.self, S.self, Rows1.self)
        }
    }

    /// O(t0 + t, r0 + u * w ..< + w) for t < S.rows, u < W.rows: S.rows x W.rows accumulators over all of k,
    /// each step loading W.rows vectors of one row of G and broadcasting S.rows values of S. Lanes
    /// below `skip` (of the single vector) are not stored.
    @inline(__always)
    static func combineBlock<V: SIMD, S: TileRows, W: TileRows>(
        _ s: SkinnyProduct<V.Scalar>, _ t0: Int, _ r0: Int, _ skip: Int, _: V.Type, _: S.Type, _: W.Type
    ) where V.Scalar: KernelFloat {
        let w = V.scalarCount, sn = S.rows, wn = W.rows
        let ss = s.ss, sq = s.sq, ldg = s.ldg
        var c00 = V(), c01 = V(), c02 = V(), c03 = V(), c10 = V(), c11 = V(), c12 = V(), c13 = V()
        var c20 = V(), c21 = V(), c22 = V(), c23 = V(), c30 = V(), c31 = V(), c32 = V(), c33 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        var g = s.g + r0
        var sp = s.s + t0 &* ss
        // Each step reads a new row of G, ldg apart (a new 4 KiB page when G is 1024 floats wide), which the
        // hardware prefetcher does not follow: the loop waited on L3. Prefetching the block's lines
        // `prefetchRows` rows ahead measured 1.55x faster (8 x 1024 by 1024 x 1024, C model of this loop,
        // 242 -> 155 us; 4 rows ahead 185, 16: 178, 32: 195). Short k prefetches the current row instead.
        let ahead = s.k > 2 * prefetchRows ? prefetchRows &* ldg : 0, last = wn &* w &- 1
        for _ in 0..<s.k {
            prefetch(g, ahead)
            for u in 1..<wn { prefetch(g, ahead &+ u &* w) }
            prefetch(g, ahead &+ last)
            let g0: V = VectorIO.load(g)
            let g1: V = wn > 1 ? VectorIO.load(g + w) : V()
            let g2: V = wn > 2 ? VectorIO.load(g + 2 &* w) : V()
            let g3: V = wn > 3 ? VectorIO.load(g + 3 &* w) : V()
            @inline(__always) func row(_ t: Int, _ x0: inout V, _ x1: inout V, _ x2: inout V, _ x3: inout V) {
                if t >= sn { return }
                let b = V(repeating: sp[t &* ss])
                x0 = x0.addingProduct(b, g0)
                if wn > 1 { x1 = x1.addingProduct(b, g1) }
                if wn > 2 { x2 = x2.addingProduct(b, g2) }
                if wn > 3 { x3 = x3.addingProduct(b, g3) }
            }
            // Rows 4...7 come with at most two vectors (16 accumulators in all).
            @inline(__always) func pair(_ t: Int, _ x0: inout V, _ x1: inout V) {
                if t >= sn { return }
                let b = V(repeating: sp[t &* ss])
                x0 = x0.addingProduct(b, g0)
                if wn > 1 { x1 = x1.addingProduct(b, g1) }
            }
            row(0, &c00, &c01, &c02, &c03)
            row(1, &c10, &c11, &c12, &c13)
            row(2, &c20, &c21, &c22, &c23)
            row(3, &c30, &c31, &c32, &c33)
            pair(4, &c40, &c41)
            pair(5, &c50, &c51)
            pair(6, &c60, &c61)
            pair(7, &c70, &c71)
            g += ldg
            sp += sq
        }
        let alpha = s.alpha, beta = s.beta
        @inline(__always) func put(_ t: Int, _ u: Int, _ x: V) {
            if t >= sn || u >= wn { return }
            let o = s.o + (t0 &+ t) &* s.os + (r0 &+ u &* w) &* s.or
            if skip == 0 && s.or == 1 {
                let y = alpha == 1 ? x : V(repeating: alpha) * x
                VectorIO.store(beta == 0 ? y : y.addingProduct(V(repeating: beta), VectorIO.load(o) as V), o)
            } else {
                for l in skip..<w {
                    let d = o + l &* s.or
                    d.pointee = beta == 0 ? alpha * x[l] : alpha * x[l] + beta * d.pointee
                }
            }
        }
        put(0, 0, c00); put(0, 1, c01); put(0, 2, c02); put(0, 3, c03)
        put(1, 0, c10); put(1, 1, c11); put(1, 2, c12); put(1, 3, c13)
        put(2, 0, c20); put(2, 1, c21); put(2, 2, c22); put(2, 3, c23)
        put(3, 0, c30); put(3, 1, c31); put(3, 2, c32); put(3, 3, c33)
        put(4, 0, c40); put(4, 1, c41); put(5, 0, c50); put(5, 1, c51)
        put(6, 0, c60); put(6, 1, c61); put(7, 0, c70); put(7, 1, c71)
    }

    // MARK: - dot

    @inline(never)
    static func dots<V: SIMD>(_ s: SkinnyProduct<V.Scalar>, _ rows: Range<Int>, _ big: Range<Int>, _: V.Type)
    where V.Scalar: KernelFloat {
        // More than one block of S rows re-reads G: G's rows in chunks of ~256 KiB.
        let chunk = rows.count <= 4 ? big.count : max(4, 256 * 1024 / (s.k * MemoryLayout<V.Scalar>.stride) / 4 * 4)
        var r0 = big.lowerBound
        while r0 < big.upperBound {
            let end = min(big.upperBound, r0 + chunk)
            var t = rows.lowerBound
            while t < rows.upperBound {
                switch rows.upperBound - t {
                case 1: dotStrip(s, t, r0..<end, V.self, Rows1.self)
                case 2: dotStrip(s, t, r0..<end, V.self, Rows2.self)
                case 3: dotStrip(s, t, r0..<end, V.self, Rows3.self)
                default: dotStrip(s, t, r0..<end, V.self, Rows4.self)
                }
                t += 4
            }
            r0 = end
        }
    }

    @inline(__always)
    static func dotStrip<V: SIMD, S: TileRows>(_ s: SkinnyProduct<V.Scalar>, _ t0: Int, _ range: Range<Int>,
                                                  _: V.Type, _: S.Type) where V.Scalar: KernelFloat {
        var r = range.lowerBound
        while r + 4 <= range.upperBound { dotBlock(s, t0, r, V.self, S.self, Rows4.self); r += 4 }
        switch range.upperBound - r {
        case 1: dotBlock(s, t0, r, V.self, S.self, Rows1.self)
        case 2: dotBlock(s, t0, r, V.self, S.self, Rows2.self)
        case 3: dotBlock(s, t0, r, V.self, S.self, Rows3.self)
        default: break
        }
    }

    /// O(t0 + t, r0 + r) for t < S.rows, r < R.rows: the dot products of R.rows rows of G with S.rows rows of
    /// S, one vector accumulator each, summed across lanes at the end. The last k % w elements
    /// are loaded as zero-filled partial vectors.
    @inline(__always)
    static func dotBlock<V: SIMD, S: TileRows, R: TileRows>(
        _ s: SkinnyProduct<V.Scalar>, _ t0: Int, _ r0: Int, _: V.Type, _: S.Type, _: R.Type
    ) where V.Scalar: KernelFloat {
        let w = V.scalarCount, sn = S.rows, rn = R.rows, k = s.k
        let g0 = s.g + r0 &* s.ldg, g1 = g0 + s.ldg, g2 = g0 + 2 &* s.ldg, g3 = g0 + 3 &* s.ldg
        let s0 = s.s + t0 &* s.ss, s1 = s0 + s.ss, s2 = s0 + 2 &* s.ss, s3 = s0 + 3 &* s.ss
        typealias Four = (V, V, V, V)
        // Accumulators c[t].r, passed to the step explicitly: a nested step function capturing them,
        // called with a load closure for full and partial vectors, kept them in boxes
        // (swift_beginAccess, a quarter of the time) and stored all 16 every step; one body with the
        // partial load under a branch kept them in registers but spilled the 8 row pointers.
        var c0: Four = (V(), V(), V(), V()), c1 = c0, c2 = c0, c3 = c0
        @inline(__always) func col(_ b: V, _ a: Four, _ x: inout Four) {
            x.0 = x.0.addingProduct(a.0, b)
            if rn > 1 { x.1 = x.1.addingProduct(a.1, b) }
            if rn > 2 { x.2 = x.2.addingProduct(a.2, b) }
            if rn > 3 { x.3 = x.3.addingProduct(a.3, b) }
        }
        // Elements q ..< q + n of the rows (n == w but for the last k % w).
        @inline(__always) func step(_ q: Int, _ n: Int, _ c0: inout Four, _ c1: inout Four, _ c2: inout Four, _ c3: inout Four) {
            @inline(__always) func load(_ p: UnsafePointer<V.Scalar>) -> V {
                n == w ? VectorIO.load(p + q) : VectorIO.loadPartial(p + q, count: n, fill: 0)
            }
            let a: Four = (load(g0), rn > 1 ? load(g1) : V(), rn > 2 ? load(g2) : V(), rn > 3 ? load(g3) : V())
            col(load(s0), a, &c0)
            if sn > 1 { col(load(s1), a, &c1) }
            if sn > 2 { col(load(s2), a, &c2) }
            if sn > 3 { col(load(s3), a, &c3) }
        }
        var q = 0
        while q &+ w <= k {
            step(q, w, &c0, &c1, &c2, &c3)
            q &+= w
        }
        if q < k { step(q, k &- q, &c0, &c1, &c2, &c3) }
        let alpha = s.alpha, beta = s.beta
        @inline(__always) func put(_ t: Int, _ r: Int, _ x: V) {
            if t >= sn || r >= rn { return }
            let o = s.o + (t0 &+ t) &* s.os + (r0 &+ r) &* s.or
            let y = alpha * total(x)
            o.pointee = beta == 0 ? y : y + beta * o.pointee
        }
        put(0, 0, c0.0); put(0, 1, c0.1); put(0, 2, c0.2); put(0, 3, c0.3)
        put(1, 0, c1.0); put(1, 1, c1.1); put(1, 2, c1.2); put(1, 3, c1.3)
        put(2, 0, c2.0); put(2, 1, c2.1); put(2, 2, c2.2); put(2, 3, c2.3)
        put(3, 0, c3.0); put(3, 1, c3.1); put(3, 2, c3.2); put(3, 3, c3.3)
    }

    /// The sum of a vector's lanes as a tree (halves added), not the stdlib's lane-by-lane chain.
    @inline(__always)
    static func total<V: SIMD>(_ v: V) -> V.Scalar where V.Scalar: KernelFloat {
        if V.self == SIMD16<Float>.self {
            let x = unsafeBitCast(v, to: SIMD16<Float>.self)
            let h = x.lowHalf + x.highHalf, q = h.lowHalf + h.highHalf, e = q.lowHalf + q.highHalf
            return V.Scalar(e.x + e.y)
        }
        if V.self == SIMD8<Double>.self {
            let x = unsafeBitCast(v, to: SIMD8<Double>.self)
            let h = x.lowHalf + x.highHalf, q = h.lowHalf + h.highHalf
            return V.Scalar(q.x + q.y)
        }
        return v.sum()
    }
}
