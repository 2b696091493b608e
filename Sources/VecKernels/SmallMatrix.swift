// Products of tiny matrices (bmm of 4096 8x8 matrices, attention heads of a few rows): packing
// would cost as much as the product, so register tiles are computed straight from the operands.
// A tile is 4 rows of C by one or two vectors: each step broadcasts 4 values of op(A) and loads
// the vectors of one row of op(B). Columns go 32/16-wide (float) down to 8, 4 and scalar leftovers.
// A transposed B (its rows are not contiguous) is first copied transposed into the workspace,
// which is tiny by definition here.

enum SmallMatrix {
    /// Whether the register-tile path beats the packed one (measured on Zen 5: up to ~40^3 for
    /// cubes; thin shapes with k or n small also gain, since packing pads them to 14 x 32 tiles).
    static func suits(m: Int, n: Int, k: Int) -> Bool {
        m * n * k <= 48 * 48 * 48 && n <= 128 && k <= 256
    }

    static func gemm<T: KernelFloat>(_ p: GemmProblem<T>, scratch ws: GemmWorkspace<T>?) {
        var p = p
        if p.transB {
            // op(B) as a row-major k x n copy.
            let ws = ws ?? GemmWorkspace<T>()
            let t = ws.sideBuffer(count: p.n * p.k)
            for q in 0..<p.k { for j in 0..<p.n { t[q * p.n + j] = p.b[j * p.ldb + q] } }
            p.b = UnsafePointer(t)
            p.ldb = p.n
            p.transB = false
            return run(p)
        }
        run(p)
    }

    @inline(__always)
    static func run<T: KernelFloat>(_ p: GemmProblem<T>) {
        if T.self == Float.self {
            floats(unsafeBitCast(p, to: GemmProblem<Float>.self))
        } else {
            doubles(unsafeBitCast(p, to: GemmProblem<Double>.self))
        }
    }

    static func floats(_ p: GemmProblem<Float>) {
        var j = 0
        while j + 32 <= p.n { strip(p, j, SIMD16<Float>.self, twin: true); j += 32 }
        if j + 16 <= p.n { strip(p, j, SIMD16<Float>.self, twin: false); j += 16 }
        if j + 8 <= p.n { strip(p, j, SIMD8<Float>.self, twin: false); j += 8 }
        if j + 4 <= p.n { strip(p, j, SIMD4<Float>.self, twin: false); j += 4 }
        scalarColumns(p, from: j)
    }

    static func doubles(_ p: GemmProblem<Double>) {
        var j = 0
        while j + 16 <= p.n { strip(p, j, SIMD8<Double>.self, twin: true); j += 16 }
        if j + 8 <= p.n { strip(p, j, SIMD8<Double>.self, twin: false); j += 8 }
        if j + 4 <= p.n { strip(p, j, SIMD4<Double>.self, twin: false); j += 4 }
        if j + 2 <= p.n { strip(p, j, SIMD2<Double>.self, twin: false); j += 2 }
        scalarColumns(p, from: j)
    }

    /// Columns j0 ..< j0 + (twin ? 2 : 1) * V.scalarCount of C, all rows.
    @inline(__always)
    static func strip<V: SIMD>(_ p: GemmProblem<V.Scalar>, _ j0: Int, _: V.Type, twin: Bool)
    where V.Scalar: KernelFloat {
        let w = V.scalarCount
        let b = p.b + j0, c = p.c + j0
        let va = V(repeating: p.alpha), vb = V(repeating: p.beta)
        // op(A)[i, q] at a + i * rs + q * ks.
        let (rs, ks) = p.transA ? (1, p.lda) : (p.lda, 1)
        @inline(__always) func out(_ acc: V, _ r: UnsafeMutablePointer<V.Scalar>) {
            if p.beta == 0 {
                VectorIO.store(va * acc, r)
            } else {
                VectorIO.store((va * acc).addingProduct(vb, VectorIO.load(r) as V), r)
            }
        }
        var i = 0
        while i + 4 <= p.m {
            let a = p.a + i * rs
            var c0 = V(), c1 = V(), c2 = V(), c3 = V()
            var d0 = V(), d1 = V(), d2 = V(), d3 = V()
            for q in 0..<p.k {
                let bq = b + q * p.ldb, aq = a + q * ks
                let b0: V = VectorIO.load(bq)
                let x0 = V(repeating: aq[0]), x1 = V(repeating: aq[rs])
                let x2 = V(repeating: aq[2 * rs]), x3 = V(repeating: aq[3 * rs])
                c0 = c0.addingProduct(x0, b0); c1 = c1.addingProduct(x1, b0)
                c2 = c2.addingProduct(x2, b0); c3 = c3.addingProduct(x3, b0)
                if twin {
                    let b1: V = VectorIO.load(bq, w)
                    d0 = d0.addingProduct(x0, b1); d1 = d1.addingProduct(x1, b1)
                    d2 = d2.addingProduct(x2, b1); d3 = d3.addingProduct(x3, b1)
                }
            }
            let r = c + i * p.ldc
            out(c0, r); out(c1, r + p.ldc); out(c2, r + 2 * p.ldc); out(c3, r + 3 * p.ldc)
            if twin { out(d0, r + w); out(d1, r + p.ldc + w); out(d2, r + 2 * p.ldc + w); out(d3, r + 3 * p.ldc + w) }
            i += 4
        }
        while i < p.m {
            let a = p.a + i * rs
            var c0 = V(), d0 = V()
            for q in 0..<p.k {
                let bq = b + q * p.ldb
                let x0 = V(repeating: a[q * ks])
                c0 = c0.addingProduct(x0, VectorIO.load(bq) as V)
                if twin { d0 = d0.addingProduct(x0, VectorIO.load(bq, w) as V) }
            }
            let r = c + i * p.ldc
            out(c0, r)
            if twin { out(d0, r + w) }
            i += 1
        }
    }

    /// The last n % 4 (float) or n % 2 (double) columns.
    static func scalarColumns<T: KernelFloat>(_ p: GemmProblem<T>, from j0: Int) {
        if j0 >= p.n { return }
        for i in 0..<p.m {
            for j in j0..<p.n {
                var s: T = 0
                for q in 0..<p.k { s += p.aElement(i, q) * p.b[q * p.ldb + j] }
                let o = p.c + i * p.ldc + j
                o.pointee = p.beta == 0 ? p.alpha * s : p.alpha * s + p.beta * o.pointee
            }
        }
    }
}
