import Foundation

// Float32 softmax / log-softmax backward, accurate where the result cancels.
// softmax:     gx = y * (gy - s),      s = sum(y * gy)
// log-softmax: gx = gy - exp(y) * s,   s = sum(gy)
// Both subtract two nearly equal terms wherever gy is close to s (or to exp(y) * s), which turns
// the rounding errors of a float32 row sum (~n * 2^-24 of sum |terms|) and of a float32 exp (~1
// ulp) into hundreds of thousands of ulp of a result near 0 (measured: 432271 ulp for softmax,
// 120 for log-softmax, on [-5, 5] logits). So s is summed in float64 lanes (float32 products are
// exact there, 1024 terms lose ~2^-43), the softmax difference uses s as hi + lo (gy - hi is exact
// near the cancellation), and exp(y) * s - gy is formed with its errors carried on 16 float32
// lanes (SoftmaxBackwardLog32.swift), or here in float64 and rounded once where it cancels.

enum SoftmaxBackward32 {
    typealias V = SIMD16<Float>
    typealias VD = SIMD8<Double>

    // MARK: building blocks (shared by rows and column chunks)

    // Halves lane by lane: SIMD16's lowHalf, highHalf and init(lowHalf:highHalf:) stay out-of-line
    // calls (measured: a third of softmax backward's time), lane loops become vcvtps2pd / vcvtpd2ps.
    @inline(__always) static func widen(_ v: V) -> (VD, VD) {
        var lo = VD(), hi = VD()
        for l in 0..<8 {
            lo[l] = Double(v[l])
            hi[l] = Double(v[l + 8])
        }
        return (lo, hi)
    }

    @inline(__always) static func narrow(_ lo: VD, _ hi: VD) -> V {
        var v = V()
        for l in 0..<8 {
            v[l] = Float(lo[l])
            v[l + 8] = Float(hi[l])
        }
        return v
    }

    /// s as a float32 pair hi + lo, |lo| <= ulp(hi) / 2; lo = 0 where hi is infinite (s beyond
    /// float32 range): inf - inf would turn an infinite gradient into NaN.
    @inline(__always) static func split(_ s0: VD, _ s1: VD) -> (hi: V, lo: V) {
        let hi = narrow(s0, s1)
        let (h0, h1) = widen(hi)
        let (l0, l1) = (s0 - h0, s1 - h1)
        let finite = VD(repeating: .greatestFiniteMagnitude)
        return (hi, narrow(l0.replacing(with: 0, where: .!(VectorMath.absolute(l0) .<= finite)),
                           l1.replacing(with: 0, where: .!(VectorMath.absolute(l1) .<= finite))))
    }

    /// y * (gy - s): within ~1.5 ulp (gy - hi is exact where it cancels, Sterbenz).
    @inline(__always) static func softmaxGrad(_ y: V, _ g: V, _ hi: V, _ lo: V) -> V { y * ((g - hi) - lo) }

    /// gx = gy - exp(y) * s over n contiguous floats, s[i] (Contiguous) or s[0] (Repeated) the row
    /// sum of lane i; exp(y) * s - gy formed in float64 and rounded once. Eight lanes per step and
    /// one exp per loop body: with two inlined copies (16 lanes, or a vector tail) the optimizer
    /// stopped inlining them and ran the float64 exp as an out-of-line call on xmm pieces (4x slower).
    /// The < 8 tail goes through libm in float64.
    static func logSoftmaxGrad<S: VectorIO.Access>(_ y: UnsafePointer<Float>, _ gy: UnsafePointer<Float>,
                                                   _ gx: UnsafeMutablePointer<Float>, _ n: Int,
                                                   _ s: UnsafePointer<Double>, _: S.Type) {
        let full = n / 8 * 8
        for i in stride(from: 0, to: full, by: 8) {
            let yv: SIMD8<Float> = VectorIO.load(y, i), g: SIMD8<Float> = VectorIO.load(gy, i)
            let r = VectorMath.fmaD(-exp(VectorMath.widen(yv)), S.vector(s, i), VectorMath.widen(g))
            VectorIO.store(VectorMath.narrow(r), gx, i)
        }
        for i in full..<n { gx[i] = Float(Double(gy[i]) - Foundation.exp(Double(y[i])) * S.scalar(s, i)) }
    }

    /// e^x for float32 values held in float64 lanes, to ~2^-40 relative: only as accurate as
    /// `logSoftmaxGrad` needs (the product with s is rounded to float32 after a cancellation of up
    /// to ~2^15), about half the work of the full-precision VectorMath.exp. Degree-8 Chebyshev fit
    /// of e^r on |r| <= 0.347 (mpmath.chebyfit, error 8.1e-13). x < -300 gives e^-300: times any
    /// float32 row sum (< 2^170) that rounds to 0 next to gy, as the true product does, and an
    /// infinite one gives inf as well; below -745.2 (where the float64 exp is 0) it gives 0, so
    /// that 0 * inf is NaN as in the reference. x > 709 gives inf (the float64 exp overflows
    /// there too), NaN stays NaN.
    @inline(__always) static func exp(_ x: VD) -> VD {
        var xc = x.replacing(with: -300, where: x .< -300)
        xc = xc.replacing(with: 709, where: xc .> 709)
        let magic = VD(repeating: VectorMath.roundMagicD)
        let t = VectorMath.fmaD(xc, VD(repeating: VectorMath.log2eD), magic)
        let n = t - magic
        var r = VectorMath.fmaD(n, VD(repeating: -VectorMath.ln2HiD), xc)  // exact
        r = VectorMath.fmaD(n, VD(repeating: -VectorMath.ln2LoD), r)
        var p = VectorMath.fmaD(VD(repeating: 2.487631345479937e-05), r, VD(repeating: 0.00019916016440604505))
        p = VectorMath.fmaD(p, r, VD(repeating: 0.0013888821408139453))
        p = VectorMath.fmaD(p, r, VD(repeating: 0.0083332658283135))
        p = VectorMath.fmaD(p, r, VD(repeating: 0.041666666892307004))
        p = VectorMath.fmaD(p, r, VD(repeating: 0.16666666892396495))
        p = VectorMath.fmaD(p, r, VD(repeating: 0.49999999999796313))
        p = VectorMath.fmaD(p, r, VD(repeating: 0.9999999999796227))
        p = VectorMath.fmaD(p, r, VD(repeating: 1))
        let scale = VectorMath.double((VectorMath.bits(t) &- VectorMath.roundMagicDBits &+ 1023) &<< 52)
        return (p * scale).replacing(with: .infinity, where: x .> 709).replacing(with: 0, where: x .< -745.2)
    }

    // MARK: last dim (inner == 1)

    /// sum(a * b), or sum(a) when b is nil, over n floats in float64 lanes: each 16-float vector's
    /// halves into (s0, s1), then (s0 + s1).sum() and the n mod 16 tail, the order in which the
    /// fused row loops add the next row, so that every row's sum rounds alike.
    @inline(__always)
    static func rowSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>?, _ n: Int) -> Double {
        let full = n / 16 * 16
        var s0 = VD(), s1 = VD()
        for i in stride(from: 0, to: full, by: 16) {
            let (a0, a1) = widen(VectorIO.load(a, i))
            if let b {
                let (b0, b1) = widen(VectorIO.load(b, i))
                s0 = VectorMath.fmaD(a0, b0, s0)
                s1 = VectorMath.fmaD(a1, b1, s1)
            } else {
                s0 += a0
                s1 += a1
            }
        }
        return finishRowSum(s0, s1, a, b, full, n)
    }

    /// rowSum's last step, shared with the fused row loops that accumulate s0 and s1 themselves:
    /// (s0 + s1).sum(), then elements full..<n one at a time.
    @inline(__always)
    static func finishRowSum(_ s0: VD, _ s1: VD, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>?,
                             _ full: Int, _ n: Int) -> Double {
        var sum = (s0 + s1).sum()
        for i in full..<n { sum += Double(a[i]) * (b.map { Double($0[i]) } ?? 1) }
        return sum
    }

    /// Floats ahead (a page) that the fused row loops prefetch the streams they read first: the
    /// hardware prefetcher starts over at every page, so each row's first lines waited on memory.
    /// `vecbench ab`, 6 rounds, Zen 5, against no hint: [4096, 1024] softmax backward 999 -> 717
    /// us (1 thread, -28%), 615 -> 486 us (2, -21%), log-softmax -7 to -11%; [256, 1000] unchanged
    /// to -8%. (Softmax rows beyond the caches now take two passes, without it: `softmaxRows`.)
    /// On the Zen 4, rows within the caches ([64 | 256 | 1024, 1000]) without the hint: -4% to +1%
    /// (6 rounds, UNCHANGED); kept.
    static var prefetchAhead: Int { prefetchPageBytes / MemoryLayout<Float>.stride }

    /// Softmax gx of `count` contiguous rows of n floats. Within the caches (`twoPass` false) the
    /// dot of row k + 1 is summed in the loop that writes row k, with a prefetch a page ahead
    /// (two passes per row left each row's first reads, a new 4 KiB page where the prefetcher
    /// starts over, waiting on L3 with nothing to overlap them; measured on the Zen 5). Beyond
    /// them (`Elementwise.exceedsCaches`) each row takes two passes, the dot from memory and then
    /// gx from L1: on the Zen 4 the fused loop, which reads two streams from memory while it
    /// writes a third, ran [4096, 1024] in 1.54 ms against 885 us (`vecbench ab`, 6 rounds; 2
    /// threads 730 -> 614 us; a C model: 1.6 ms fused with or without prefetch, 1.0 ms in two
    /// passes, 1.3 ms with the next row prefetched during the second pass). Both forms add each
    /// row's products in `rowSum`'s order, so gx does not depend on the form, the thread split or
    /// the store.
    static func softmaxRows<St: VectorStore>(_ y: UnsafePointer<Float>, _ gy: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>,
                                             _ count: Int, _ n: Int, twoPass: Bool, _: St.Type) {
        defer { St.fence() }
        var s = count > 0 ? rowSum(y, gy, n) : 0
        let full = n / 16 * 16, rest = n - full
        for k in 0..<count {
            let o = k * n
            if twoPass && k > 0 { s = rowSum(y + o, gy + o, n) }
            let (hi, lo) = split(VD(repeating: s), VD(repeating: s))
            @inline(__always) func write(_ i: Int) {
                St.store(softmaxGrad(VectorIO.load(y + o, i), VectorIO.load(gy + o, i), hi, lo), gx + o, i)
            }
            if twoPass || k + 1 == count {
                for i in stride(from: 0, to: full, by: 16) { write(i) }
            } else {
                // Row k + 1's dot, added as rowSum adds it.
                let (yn, gn) = (y + o + n, gy + o + n)
                var s0 = VD(), s1 = VD()
                for i in stride(from: 0, to: full, by: 16) {
                    write(i)
                    prefetch(yn, i &+ prefetchAhead)
                    prefetch(gn, i &+ prefetchAhead)
                    let (a0, a1) = widen(VectorIO.load(yn, i)), (b0, b1) = widen(VectorIO.load(gn, i))
                    s0 = VectorMath.fmaD(a0, b0, s0)
                    s1 = VectorMath.fmaD(a1, b1, s1)
                }
                s = finishRowSum(s0, s1, yn, gn, full, n)
            }
            if rest > 0 {
                let yv: V = VectorIO.loadPartial(y + o + full, count: rest, fill: 0)
                let g: V = VectorIO.loadPartial(gy + o + full, count: rest, fill: 0)
                VectorIO.storePartial(softmaxGrad(yv, g, hi, lo), gx + o + full, count: rest)
            }
        }
    }

    // MARK: other dims (inner > 1): lanes along j, float64 sums per lane

    static func chunk(_ y: UnsafePointer<Float>, _ gy: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>,
                      _ c: SoftmaxKernels.Chunk<V>, log: Bool) {
        let nv = c.vectors
        withUnsafeTemporaryAllocation(of: VD.self, capacity: 2 * nv) { buf in
            let s = buf.baseAddress!
            s.initialize(repeating: VD(), count: 2 * nv)
            for k in 0..<c.size {
                for v in 0..<nv {
                    let (g0, g1) = widen(c.load(gy, k, v, fill: 0))
                    if log {
                        s[2 * v] += g0
                        s[2 * v + 1] += g1
                    } else {
                        let (y0, y1) = widen(c.load(y, k, v, fill: 0))
                        s[2 * v] = VectorMath.fmaD(g0, y0, s[2 * v])
                        s[2 * v + 1] = VectorMath.fmaD(g1, y1, s[2 * v + 1])
                    }
                }
            }
            if log {
                // The lane sums in j order: s[2v] holds lanes 16v..<16v+8, s[2v+1] the next eight.
                let lanes = UnsafeRawPointer(s).assumingMemoryBound(to: Double.self)
                for k in 0..<c.size {
                    let at = k * c.step
                    logSoftmaxGrad(y + at, gy + at, gx + at, c.width, lanes, VectorIO.Contiguous.self)
                }
                return
            }
            withUnsafeTemporaryAllocation(of: V.self, capacity: 2 * nv) { parts in
                let hi = parts.baseAddress!, lo = hi + nv
                for v in 0..<nv { (hi + v).initialize(to: split(s[2 * v], s[2 * v + 1]).hi) }
                for v in 0..<nv { (lo + v).initialize(to: split(s[2 * v], s[2 * v + 1]).lo) }
                for k in 0..<c.size {
                    for v in 0..<nv {
                        c.store(softmaxGrad(c.load(y, k, v, fill: 0), c.load(gy, k, v, fill: 0), hi[v], lo[v]), gx, k, v)
                    }
                }
            }
        }
    }
}
