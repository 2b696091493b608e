import Foundation

// Float32 softmax / log-softmax forward. The row sum of exps is added up in float64 lanes (float32
// partial sums of four vectors at a time, then widened): a float32 sum of 1024 exps was off by up
// to ~30 ulp, which softmax passed on whole (12 ulp measured). Softmax scales by 1/sum carried as
// hi + lo (one rounding per output), and its exp skips what x - max <= 0 makes dead: the upper
// clamp, and the two-factor 2^n outside rows that reach below e^-87. log-softmax takes log1p of
// the sum less the max's exact e^0 = 1: log(sum) inherits the exps' rounding (~2^-24 absolute),
// which is many ulp of a shift near 0 (one dominant logit in a short row: 4.9 ulp measured);
// log1p of the rest keeps it relative.

enum SoftmaxForward32 {
    typealias V = SIMD16<Float>
    typealias VD = SIMD8<Double>

    /// e^x for x <= 0 or NaN (x - row max), as VectorMath.exp (0.82 ulp, denormals rounded once).
    @inline(__always) static func expNonPositive(_ x: V) -> V {
        let xc = x.replacing(with: -104, where: x .< -104)
        let (r, _, n) = VectorMath.reduceLn2(xc)
        let y = VectorMath.expReduced(r)
        if VectorMath.anyTrue(xc .< -87) {
            let n1 = n &>> 1
            return y * VectorMath.pow2(n1) * VectorMath.pow2(n &- n1)
        }
        return y * VectorMath.pow2(n)
    }

    /// 1/s as a float32 pair hi + lo.
    @inline(__always) static func reciprocal(_ s: Double) -> (hi: Float, lo: Float) {
        let r = 1 / s, hi = Float(r)
        return (hi, Float(r - Double(hi)))
    }

    // MARK: last dim (inner == 1)

    /// Sum of e^(x - mx) over a row of n > 0 floats, storing the exps into y when `store`.
    @inline(__always)
    static func expSum(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ mx: Float,
                       store: Bool) -> Double {
        let full = n / 16 * 16, rest = n - full
        let mv = V(repeating: mx)
        var t0 = VD(), t1 = VD()
        var i = 0
        while i < full {
            let end = Swift.min(full, i + 64)
            var s = V()
            while i < end {
                let e = expNonPositive((VectorIO.load(x, i) as V) - mv)
                if store { VectorIO.store(e, y, i) }
                s += e
                i += 16
            }
            let (a, b) = SoftmaxBackward32.widen(s)
            t0 += a
            t1 += b
        }
        if rest > 0 {
            let v: V = VectorIO.loadPartial(x + full, count: rest, fill: -.infinity)
            let e = V().replacing(with: expNonPositive(v - mv), where: SoftmaxKernels.live(V.self, rest))
            if store { VectorIO.storePartial(e, y + full, count: rest) }
            let (a, b) = SoftmaxBackward32.widen(e)
            t0 += a
            t1 += b
        }
        return (t0 + t1).sum()
    }

    /// softmax of one contiguous row of n > 0 floats (x and y may be the same buffer).
    static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let mx = SoftmaxKernels.rowMax(V.self, x, n)
        let (hi, lo) = reciprocal(expSum(x, y, n, mx, store: true))
        let h = V(repeating: hi), l = V(repeating: lo)
        let full = n / 16 * 16
        for i in stride(from: 0, to: full, by: 16) {
            let e: V = VectorIO.load(y, i)
            VectorIO.store(VectorMath.fma(e, h, e * l), y, i)
        }
        for i in full..<n { y[i] = (y[i] * lo).addingProduct(y[i], hi) }
    }

    /// log-softmax of one contiguous row: (x - max) - log(sum exp(x - max)).
    static func logSoftmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let mx = SoftmaxKernels.rowMax(V.self, x, n)
        let shift = Float(Foundation.log1p(expSum(x, y, n, mx, store: false) - 1))
        let mv = V(repeating: mx), sv = V(repeating: shift)
        let full = n / 16 * 16
        for i in stride(from: 0, to: full, by: 16) {
            VectorIO.store(((VectorIO.load(x, i) as V) - mv) - sv, y, i)
        }
        for i in full..<n { y[i] = (x[i] - mx) - shift }
    }

    // MARK: other dims (inner > 1): lanes along j

    /// A chunk (see SoftmaxKernels.Chunk) with per-lane max, float64 sums of exps, then the scaling.
    static func chunk(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ c: SoftmaxKernels.Chunk<V>,
                      log: Bool) {
        let nv = c.vectors
        withUnsafeTemporaryAllocation(of: V.self, capacity: 3 * nv) { buf in
            let m = buf.baseAddress!, h = m + nv, l = h + nv
            m.initialize(repeating: V(repeating: -.infinity), count: nv)
            for k in 0..<c.size {
                for v in 0..<nv {
                    let e = c.load(x, k, v, fill: 0)
                    m[v] = m[v].replacing(with: e, where: e .> m[v])
                }
            }
            withUnsafeTemporaryAllocation(of: VD.self, capacity: 2 * nv) { sums in
                let s = sums.baseAddress!
                s.initialize(repeating: VD(), count: 2 * nv)
                for k in 0..<c.size {
                    for v in 0..<nv {
                        let e = expNonPositive(c.load(x, k, v, fill: 0) - m[v])
                        if !log { c.store(e, y, k, v) }
                        let (a, b) = SoftmaxBackward32.widen(e)
                        s[2 * v] += a
                        s[2 * v + 1] += b
                    }
                }
                for v in 0..<nv {
                    var hi = V(), lo = V()
                    for lane in 0..<16 {
                        let sum = s[2 * v + lane / 8][lane % 8]
                        if log {
                            hi[lane] = Float(Foundation.log1p(sum - 1))
                        } else {
                            (hi[lane], lo[lane]) = reciprocal(sum)
                        }
                    }
                    (h + v).initialize(to: hi)
                    (l + v).initialize(to: lo)
                }
            }
            for k in 0..<c.size {
                for v in 0..<nv {
                    if log {
                        c.store((c.load(x, k, v, fill: 0) - m[v]) - h[v], y, k, v)
                    } else {
                        let e = c.load(y, k, v, fill: 0)
                        c.store(VectorMath.fma(e, h[v], e * l[v]), y, k, v)
                    }
                }
            }
        }
    }
}
