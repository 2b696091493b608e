import Foundation

// Softmax and log-softmax over the middle dim of [outer, size, inner], forward and backward.
// inner == 1 (the last dim, the common case): SIMD lanes run along one contiguous row, read three
// times (max; exp and sum; scale) while it is hot in L1/L2. inner > 1: lanes run along j, one unit
// being up to `columnChunk` neighbouring j of one outer index walked row by row, per-lane max and
// sum kept in a small buffer. Whole 4 KiB rows per step: with 1 KiB pieces of rows 4 KiB apart the
// prefetcher (which stops at page ends) left [4, 1024, 1024] over dim 1 at 4-8 ms instead of 2.

enum SoftmaxKernels {
    static let columnChunk = 1024

    @inline(__always)
    static func live<V: KernelVector>(_: V.Type, _ count: Int) -> V.Mask {
        V.less(V.lanes, V(repeating: V.Scalar(count)))
    }

    // MARK: last dim (inner == 1)

    /// Max of a contiguous row of n > 0 elements, ignoring NaN (a NaN still makes the row NaN
    /// through exp).
    @inline(__always)
    static func rowMax<V: KernelVector>(_: V.Type, _ x: UnsafePointer<V.Scalar>, _ n: Int) -> V.Scalar {
        let w = V.scalarCount, full = n / w * w
        var m0 = V(repeating: -.infinity), m1 = m0
        var i = 0
        while i + 2 * w <= full {
            let v0: V = VectorIO.load(x, i), v1: V = VectorIO.load(x, i + w)
            m0 = V.blend(m0, v0, where: V.greater(v0, m0))
            m1 = V.blend(m1, v1, where: V.greater(v1, m1))
            i += 2 * w
        }
        if i < full {
            let v: V = VectorIO.load(x, i)
            m0 = V.blend(m0, v, where: V.greater(v, m0))
        }
        m0 = V.blend(m0, m1, where: V.greater(m1, m0))
        var mx = m0[0]
        for l in 1..<w where m0[l] > mx { mx = m0[l] }
        for i in full..<n where x[i] > mx { mx = x[i] }
        return mx
    }

    /// Sum of exp(x - mx) over a row, storing the exps into y when `store`.
    @inline(__always)
    static func rowExpSum<V: KernelVector>(_: V.Type, _ x: UnsafePointer<V.Scalar>, _ y: UnsafeMutablePointer<V.Scalar>,
                                           _ n: Int, _ mx: V.Scalar, store: Bool) -> V.Scalar {
        let w = V.scalarCount, full = n / w * w, rest = n - full
        let mv = V(repeating: mx)
        var s0 = V(), s1 = V()
        var i = 0
        while i + 2 * w <= full {
            let e0 = V.exp((VectorIO.load(x, i) as V) - mv), e1 = V.exp((VectorIO.load(x, i + w) as V) - mv)
            if store {
                VectorIO.store(e0, y, i)
                VectorIO.store(e1, y, i + w)
            }
            s0 += e0
            s1 += e1
            i += 2 * w
        }
        if i < full {
            let e = V.exp((VectorIO.load(x, i) as V) - mv)
            if store { VectorIO.store(e, y, i) }
            s0 += e
        }
        if rest > 0 {
            let v: V = VectorIO.loadPartial(x + full, count: rest, fill: -.infinity)
            let e = V.blend(V(), V.exp(v - mv), where: live(V.self, rest))
            if store { VectorIO.storePartial(e, y + full, count: rest) }
            s0 += e
        }
        return (s0 + s1).sum()
    }

    /// softmax of one contiguous row of n > 0 elements (x and y may be the same buffer).
    static func softmaxRow<V: KernelVector>(_: V.Type, _ x: UnsafePointer<V.Scalar>,
                                            _ y: UnsafeMutablePointer<V.Scalar>, _ n: Int) {
        let mx = rowMax(V.self, x, n)
        let sum = rowExpSum(V.self, x, y, n, mx, store: true)
        let inv = 1 / sum
        let w = V.scalarCount, full = n / w * w
        for i in stride(from: 0, to: full, by: w) {
            VectorIO.store((VectorIO.load(y, i) as V) * inv, y, i)
        }
        for i in full..<n { y[i] *= inv }
    }

    /// log-softmax of one contiguous row: (x - max) - log(sum exp(x - max)).
    static func logSoftmaxRow<V: KernelVector>(_: V.Type, _ x: UnsafePointer<V.Scalar>,
                                               _ y: UnsafeMutablePointer<V.Scalar>, _ n: Int) {
        let mx = rowMax(V.self, x, n)
        let sum = rowExpSum(V.self, x, y, n, mx, store: false)
        let shift = V.Scalar(Foundation.log(Double(sum)))
        let mv = V(repeating: mx), sv = V(repeating: shift)
        let w = V.scalarCount, full = n / w * w
        for i in stride(from: 0, to: full, by: w) {
            VectorIO.store(((VectorIO.load(x, i) as V) - mv) - sv, y, i)
        }
        for i in full..<n { y[i] = (x[i] - mx) - shift }
    }

    /// gx of one contiguous row: softmax y*(gy - sum(gy*y)); log-softmax gy - exp(y)*sum(gy).
    /// `log` is dispatched outside the loops, so that plain softmax never computes exp.
    static func backwardRow<V: KernelVector>(_: V.Type, _ y: UnsafePointer<V.Scalar>, _ gy: UnsafePointer<V.Scalar>,
                                             _ gx: UnsafeMutablePointer<V.Scalar>, _ n: Int, log: Bool) {
        let w = V.scalarCount, full = n / w * w, rest = n - full
        if log {
            let s = V(repeating: rowDot(V.self, gy, nil, n))
            for i in stride(from: 0, to: full, by: w) {
                VectorIO.store((VectorIO.load(gy, i) as V) - V.exp(VectorIO.load(y, i)) * s, gx, i)
            }
            if rest > 0 {
                let yv: V = VectorIO.loadPartial(y + full, count: rest, fill: 0)
                let g: V = VectorIO.loadPartial(gy + full, count: rest, fill: 0)
                VectorIO.storePartial(g - V.exp(yv) * s, gx + full, count: rest)
            }
        } else {
            // gy - s cancels where gy is close to s, so on short rows s is carried as an
            // unevaluated sum hi + lo (compensated dot): gy - hi is then exact near the
            // cancellation, and the result within ~1 ULP instead of inheriting s's rounding error
            // magnified. Long rows keep the plain dot: the compensated one doubled their time.
            let (hi, lo) = n <= compensatedRowLimit ? compensatedDot(V.self, gy, y, n) : (rowDot(V.self, gy, y, n), 0)
            let h = V(repeating: hi), l = V(repeating: lo)
            for i in stride(from: 0, to: full, by: w) {
                VectorIO.store((VectorIO.load(y, i) as V) * (((VectorIO.load(gy, i) as V) - h) - l), gx, i)
            }
            for i in full..<n { gx[i] = y[i] * ((gy[i] - hi) - lo) }
        }
    }

    /// Rows up to this long get the compensated softmax dot (`backwardRow`, `backwardChunk`).
    static let compensatedRowLimit = 64

    /// sum(a * b) as hi + lo with |lo| <= ulp(hi)/2: Ogita-Rump-Oishi's Dot2 (exact products by
    /// FMA, exact sums by TwoSum), about as accurate as a dot product in twice the precision.
    @inline(__always)
    static func compensatedDot<V: KernelVector>(_: V.Type, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
                                                _ n: Int) -> (V.Scalar, V.Scalar) {
        let w = V.scalarCount, full = n / w * w
        var s = V(), c = V()
        for i in stride(from: 0, to: full, by: w) {
            Dot2.accumulate(&s, &c, VectorIO.load(a, i), VectorIO.load(b, i))
        }
        // Lanes and tail in float64: exact products and (for float32) as good as exact sums;
        // for float64 as accurate as the lanes' own rounding. Cheap on short rows, where a
        // vector TwoSum per lane would cost more than the row.
        var total = 0.0
        if full > 0 { for k in 0..<w { total += Double(s[k]) + Double(c[k]) } }
        for i in full..<n { total += Double(a[i]) * Double(b[i]) }
        let hi = V.Scalar(total)
        return (hi, V.Scalar(total - Double(hi)))
    }

    /// sum(a * b) over a row, or sum(a) when b is nil.
    @inline(__always)
    static func rowDot<V: KernelVector>(_: V.Type, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>?,
                                        _ n: Int) -> V.Scalar {
        let w = V.scalarCount, full = n / w * w
        var s0 = V(), s1 = V()
        var i = 0
        if let b {
            while i + 2 * w <= full {
                s0 += (VectorIO.load(a, i) as V) * (VectorIO.load(b, i) as V)
                s1 += (VectorIO.load(a, i + w) as V) * (VectorIO.load(b, i + w) as V)
                i += 2 * w
            }
            if i < full { s0 += (VectorIO.load(a, i) as V) * (VectorIO.load(b, i) as V) }
        } else {
            while i + 2 * w <= full {
                s0 += VectorIO.load(a, i) as V
                s1 += VectorIO.load(a, i + w) as V
                i += 2 * w
            }
            if i < full { s0 += VectorIO.load(a, i) as V }
        }
        var sum = (s0 + s1).sum()
        for i in full..<n { sum += b.map { a[i] * $0[i] } ?? a[i] }
        return sum
    }

    // MARK: other dims (inner > 1): lanes along j

    /// A chunk of `width` neighbouring j (of one outer index) over `size` rows `step` apart, held
    /// as `vectors` SIMD vectors per row, the last one partial.
    struct Chunk<V: KernelVector> {
        let size: Int, step: Int, width: Int

        var vectors: Int { (width + V.scalarCount - 1) / V.scalarCount }

        @inline(__always) func load(_ p: UnsafePointer<V.Scalar>, _ k: Int, _ v: Int, fill: V.Scalar) -> V {
            let w = V.scalarCount, at = k * step + v * w
            return v * w + w <= width ? VectorIO.load(p, at)
                : VectorIO.loadPartial(p + at, count: width - v * w, fill: fill)
        }

        @inline(__always) func store(_ x: V, _ p: UnsafeMutablePointer<V.Scalar>, _ k: Int, _ v: Int) {
            let w = V.scalarCount, at = k * step + v * w
            if v * w + w <= width { VectorIO.store(x, p, at) }
            else { VectorIO.storePartial(x, p + at, count: width - v * w) }
        }
    }

    static func forwardChunk<V: KernelVector>(_ x: UnsafePointer<V.Scalar>, _ y: UnsafeMutablePointer<V.Scalar>,
                                              _ c: Chunk<V>, log: Bool) {
        let nv = c.vectors
        withUnsafeTemporaryAllocation(of: V.self, capacity: 2 * nv) { buf in
            let m = buf.baseAddress!, s = m + nv
            m.initialize(repeating: V(repeating: -.infinity), count: nv)
            s.initialize(repeating: V(), count: nv)
            for k in 0..<c.size {
                for v in 0..<nv {
                    let e = c.load(x, k, v, fill: 0)
                    m[v] = V.blend(m[v], e, where: V.greater(e, m[v]))
                }
            }
            for k in 0..<c.size {
                for v in 0..<nv {
                    let e = V.exp(c.load(x, k, v, fill: 0) - m[v])
                    if !log { c.store(e, y, k, v) }
                    s[v] += e
                }
            }
            if log {
                for v in 0..<nv {
                    for l in 0..<V.scalarCount { s[v][l] = V.Scalar(Foundation.log(Double(s[v][l]))) }
                }
                for k in 0..<c.size {
                    for v in 0..<nv { c.store((c.load(x, k, v, fill: 0) - m[v]) - s[v], y, k, v) }
                }
            } else {
                for v in 0..<nv { s[v] = 1 / s[v] }
                for k in 0..<c.size {
                    for v in 0..<nv { c.store(c.load(y, k, v, fill: 0) * s[v], y, k, v) }
                }
            }
        }
    }

    static func backwardChunk<V: KernelVector>(_ y: UnsafePointer<V.Scalar>, _ gy: UnsafePointer<V.Scalar>,
                                               _ gx: UnsafeMutablePointer<V.Scalar>, _ c: Chunk<V>, log: Bool) {
        let nv = c.vectors
        withUnsafeTemporaryAllocation(of: V.self, capacity: 2 * nv) { buf in
            // s + e: the softmax dot sum(gy * y) per lane, compensated as in `compensatedDot` on
            // short rows (e stays 0 on long ones, as in `backwardRow`).
            let s = buf.baseAddress!, e = s + nv
            s.initialize(repeating: V(), count: 2 * nv)
            let compensate = c.size <= compensatedRowLimit
            for k in 0..<c.size {
                for v in 0..<nv {
                    let g = c.load(gy, k, v, fill: 0)
                    if log { s[v] += g } else if compensate {
                        Dot2.accumulate(&s[v], &e[v], g, c.load(y, k, v, fill: 0))
                    } else {
                        s[v] += g * c.load(y, k, v, fill: 0)
                    }
                }
            }
            if !log {
                for v in 0..<nv {
                    let sum = s[v] + e[v]
                    (s[v], e[v]) = (sum, e[v] - (sum - s[v]))
                }
            }
            for k in 0..<c.size {
                for v in 0..<nv {
                    let yv = c.load(y, k, v, fill: 0), g = c.load(gy, k, v, fill: 0)
                    if log {
                        c.store(g - V.exp(yv) * s[v], gx, k, v)
                    } else {
                        c.store(yv * ((g - s[v]) - e[v]), gx, k, v)
                    }
                }
            }
        }
    }
}

/// Error-free transformations for compensated dot products (Ogita, Rump, Oishi 2005).
enum Dot2 {
    /// (s, c) += a * b lane by lane: s takes the rounded running sum, c the exact rounding errors
    /// of every product (FMA) and every addition (TwoSum).
    @inline(__always)
    static func accumulate<V: KernelVector>(_ s: inout V, _ c: inout V, _ a: V, _ b: V) {
        let p = a * b
        let pe = (-p).addingProduct(a, b)
        let t = s + p, z = t - s
        c += ((s - (t - z)) + (p - z)) + pe
        s = t
    }
}
