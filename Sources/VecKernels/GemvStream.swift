// The stream form of Gemv.swift's combine: G read row after row.

extension Gemv {
    /// Rows `rows` of O over columns `big`, G read row after row (contiguous streams the hardware
    /// prefetcher follows; the combine form's column panels jump a whole row of G per step): each
    /// step adds 4 rows of G, scaled by S, into an accumulator panel of at most 4 x 4 KiB in L1,
    /// which is scaled into O at the end of its columns. A panel a whole 4 KiB page wide: each row's
    /// piece is one page the prefetcher runs through to its end (C model of the 1-row loop, 1x1024 by
    /// 1024x1024: 157-160 us against 166-178 with 2 KiB panels; PyTorch 166-170 in its own timing).
    @inline(never)
    static func stream<V: SIMD>(_ s: SkinnyProduct<V.Scalar>, _ rows: Range<Int>, _ big: Range<Int>, _: V.Type)
    where V.Scalar: KernelFloat {
        var t = rows.lowerBound
        while t < rows.upperBound {
            switch rows.upperBound - t {
            case 1: streamRows(s, t, big, V.self, Rows1.self)
            case 2: streamRows(s, t, big, V.self, Rows2.self)
            case 3: streamRows(s, t, big, V.self, Rows3.self)
            default: streamRows(s, t, big, V.self, Rows4.self)
            }
            t += 4
        }
    }

    @inline(__always)
    static func streamRows<V: SIMD, S: TileRows>(_ s: SkinnyProduct<V.Scalar>, _ t0: Int, _ big: Range<Int>,
                                                    _: V.Type, _: S.Type) where V.Scalar: KernelFloat {
        let w = V.scalarCount, sn = S.rows, panel = 4096 / MemoryLayout<V.Scalar>.stride
        let (ldg, ss, sq, k) = (s.ldg, s.ss, s.sq, s.k)
        withUnsafeTemporaryAllocation(of: V.self, capacity: 4 * panel / w) { buffer in
            let acc = buffer.baseAddress!
            var c0 = big.lowerBound
            while c0 < big.upperBound {
                let width = min(panel, big.upperBound - c0), full = width / w, nv = (width + w - 1) / w
                acc.initialize(repeating: V(), count: sn * nv)
                // acc[t][j] += sum over the rows q of the step of S(t, q) * G[q, c0 + j * w ..< + w].
                @inline(__always) func step(_ q: Int, _ rowsInStep: Int) {
                    let g0 = s.g + (q &* ldg &+ c0)
                    let sp = s.s + t0 &* ss + q &* sq
                    @inline(__always) func coef(_ t: Int, _ i: Int) -> V {
                        t < sn && i < rowsInStep ? V(repeating: sp[t &* ss &+ i &* sq]) : V()
                    }
                    let b00 = coef(0, 0), b01 = coef(0, 1), b02 = coef(0, 2), b03 = coef(0, 3)
                    let b10 = coef(1, 0), b11 = coef(1, 1), b12 = coef(1, 2), b13 = coef(1, 3)
                    let b20 = coef(2, 0), b21 = coef(2, 1), b22 = coef(2, 2), b23 = coef(2, 3)
                    let b30 = coef(3, 0), b31 = coef(3, 1), b32 = coef(3, 2), b33 = coef(3, 3)
                    @inline(__always) func columns(_ j: Int, _ load: (UnsafePointer<V.Scalar>) -> V) {
                        let x0 = load(g0), x1 = rowsInStep > 1 ? load(g0 + ldg) : V()
                        let x2 = rowsInStep > 2 ? load(g0 + 2 &* ldg) : V(), x3 = rowsInStep > 3 ? load(g0 + 3 &* ldg) : V()
                        @inline(__always) func add(_ t: Int, _ c0: V, _ c1: V, _ c2: V, _ c3: V) {
                            if t >= sn { return }
                            let a = acc + (t &* nv &+ j)
                            var y = a.pointee.addingProduct(c0, x0)
                            if rowsInStep > 1 { y = y.addingProduct(c1, x1) }
                            if rowsInStep > 2 { y = y.addingProduct(c2, x2) }
                            if rowsInStep > 3 { y = y.addingProduct(c3, x3) }
                            a.pointee = y
                        }
                        add(0, b00, b01, b02, b03)
                        add(1, b10, b11, b12, b13)
                        add(2, b20, b21, b22, b23)
                        add(3, b30, b31, b32, b33)
                    }
                    for j in 0..<full { columns(j) { VectorIO.load($0 + j &* w) } }
                    if full < nv {
                        let n = width - full * w
                        columns(full) { VectorIO.loadPartial($0 + full &* w, count: n, fill: 0) }
                    }
                }
                var q = 0
                while q + 4 <= k { step(q, 4); q += 4 }
                while q < k { step(q, 1); q += 1 }
                // O = alpha * acc + beta * O over the panel.
                let alpha = s.alpha, beta = s.beta
                for t in 0..<sn {
                    let o = s.o + (t0 &+ t) &* s.os + c0 &* s.or
                    for j in 0..<nv {
                        let x = acc[t &* nv &+ j]
                        if j < full && s.or == 1 {
                            let y = alpha == 1 ? x : V(repeating: alpha) * x
                            let d = o + j &* w
                            VectorIO.store(beta == 0 ? y : y.addingProduct(V(repeating: beta), VectorIO.load(d) as V), d)
                        } else {
                            for l in 0..<min(w, width - j &* w) {
                                let d = o + (j &* w &+ l) &* s.or
                                d.pointee = beta == 0 ? alpha * x[l] : alpha * x[l] + beta * d.pointee
                            }
                        }
                    }
                }
                c0 += width
            }
        }
    }
}
