import CVecShim

// mish on SIMD8<Double>, forward and backward. With e = e^-|x| (e^x for x < 0), tanh(softplus(x))
// is N/D with no cancellation on either side: N = 2e + e^2, D = N + 2 for x < 0, and N = 1 + 2e,
// D = N + 2e^2 for x >= 0; mish' = (N D + 4 x P)/D^2 with P = e (1 + e), resp. e^2 (1 + e).
// N, D, P and the quotients are double-doubles, so each result rounds once but for e's ~2^-60;
// at the zero of mish' (x0 = -1.1924), where N D + 4 x P cancels, a Taylor series takes over.
extension VectorMath {
    /// a + b exactly as s + e (Knuth's TwoSum: no ordering of |a|, |b| needed).
    @inlinable @inline(__always)
    static func twoSum(_ a: VD, _ b: VD) -> (s: VD, e: VD) {
        let s = a + b
        let bb = s - a
        return (s, (a - (s - bb)) + (b - bb))
    }

    /// (ah + al) / (bh + bl) as hi + lo to ~2^-100 relative: one vdivpd, then the exact
    /// remainder of the quotient's first rounding (FMA).
    @inlinable @inline(__always)
    static func quotientParts(_ ah: VD, _ al: VD, _ bh: VD, _ bl: VD) -> (hi: VD, lo: VD) {
        let r = 1 / bh
        let t = ah * r
        let rem = fmaD(0 - t, bh, ah)
        return (t, fmaD(0 - t, bl, rem + al) * r)
    }

    /// mishTanhParts' result, which mish and mish' share (the grad-mode forward computes it once).
    @usableFromInline typealias MishParts = (n: (VD, VD), d: (VD, VD), e: (VD, VD), f: (VD, VD), tail: (VD, VD, VL), rare: Bool)

    /// The parts of mish from e = e^-|x|: tanh(softplus(x)) = N/D (double-doubles), e and the
    /// factor F (e for x < 0, e^2 otherwise) that P = F (1 + e) needs. Lanes below x = -708 (`rare`)
    /// hold garbage: e is clamped to the normal range there and the callers' tails take over.
    @_transparent @usableFromInline
    static func mishTanhParts(_ x: VD) -> MishParts {
        let (h, l, k, rare) = logisticTail(negativeAbsolute(x))
        let s = pow2(rare ? atLeast(k, -1022) : k)
        let eh = h * s, el = l * s
        let e2h = eh * eh
        let e2l = fmaD(eh + eh, el, productError(eh, eh, e2h))
        let positive = .!(x .< 0)
        // N = A + B: 2e + e^2, or 1 + 2e.
        let ah = (eh + eh).replacing(with: 1, where: positive), al = (el + el).replacing(with: 0, where: positive)
        let bh = e2h.replacing(with: eh + eh, where: positive), bl = e2l.replacing(with: el + el, where: positive)
        let (ns, ne) = twoSum(ah, bh)
        let nl0 = ne + (al + bl)
        let nh = ns + nl0, nl = (ns - nh) + nl0
        // D = N + C: C = 2, or 2e^2.
        let ch = VD(repeating: 2).replacing(with: e2h + e2h, where: positive)
        let cl = VD(repeating: 0).replacing(with: e2l + e2l, where: positive)
        let (ds, de) = twoSum(nh, ch)
        let dl0 = de + (nl + cl)
        let dh = ds + dl0, dl = (ds - dh) + dl0
        let f = (eh.replacing(with: e2h, where: positive), el.replacing(with: e2l, where: positive))
        return ((nh, nl), (dh, dl), (eh, el), f, (h, l, k), rare)
    }

    /// mish(x) = x tanh(softplus(x)) (torch.nn.functional.mish): x times N/D, rounded once;
    /// below x = -708, x e^x (the next term is e^x/2 smaller), scaled once into the denormal
    /// range. Within 1 ulp (measured). ±0 keep their sign, mish(-inf) = -0 (the limit, as the
    /// reference; below -800 the result rounds to -0), x above 40 is returned as is, NaN passes.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func mish(_ x: SIMD8<Double>) -> SIMD8<Double> { mishValue(x, mishTanhParts(x)) }

    /// mish from its parts (mishTanhParts).
    @_transparent @usableFromInline
    static func mishValue(_ x: VD, _ parts: MishParts) -> VD {
        let (q, ql) = quotientParts(parts.n.0, parts.n.1, parts.d.0, parts.d.1)
        let p = x * q
        var y = productFinishSplit(p, fmaD(x, ql, productError(x, q, p)))
        if parts.rare {
            let (h, l, k) = parts.tail
            let pt = x * h
            let tail = scaledWide(productFinishSplit(pt, fmaD(x, l, productError(x, h, pt))), k)
            y = y.replacing(with: tail, where: x .< -708)
        }
        y = y.replacing(with: x, where: x .> 40).replacing(with: -0.0, where: x .< -800)
        return y.replacing(with: x, where: x .== 0)
    }

    /// The zero of mish' (x0 = -1.1924312145154952) as hi + lo, and the Taylor series of mish' there
    /// (mpmath): a1 as hi + lo, then a13 ... a2 (highest first): within 2^-60 on |x - x0| < 1/16.
    @usableFromInline static let mishRootD = (hi: -0x1.31432c0d12d84p+0, lo: -0x1.bf319154da210p-55)
    @usableFromInline static let mishRootSlope = (hi: 0.2669479140495345, lo: 1.5332816617135587e-17)
    @usableFromInline static let mishRootTaylor: [Double] = [
        9.427361327376651e-07, -1.72992708103044e-05, -5.582891567360688e-05, -4.1961496031696126e-05,
        0.00025412936386191073, 0.0009898181021289196, 0.0010924055409445854, -0.0033606849270232685,
        -0.01582112656173338, -0.020271822716684245, 0.04190782104360987, 0.20473126408010586,
    ]

    /// gy mish'(x) = gy (N D + 4 x P)/D^2, numerator and quotient as double-doubles, rounded once
    /// with gy; within 1/16 of the zero of mish' a Taylor series in x - x0; below x = -708,
    /// gy e^x (1 + x), scaled once. Within 1 ulp (measured). Above 40 (and at inf) gy; below
    /// -800 gy 0 (the result rounds to 0); at -inf gy (-0), the limit.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func mishBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        mishSlope(x, gy, mishTanhParts(x))
    }

    /// gy mish'(x) from mish's parts (mishTanhParts).
    @_transparent @usableFromInline
    static func mishSlope(_ x: VD, _ gy: VD, _ parts: MishParts) -> VD {
        let (nh, nl) = parts.n, (dh, dl) = parts.d, (eh, el) = parts.e, (fh, fl) = parts.f
        let oh = 1 + eh
        let ol = ((1 - oh) + eh) + el  // 1 + e (Fast2Sum: e <= 1)
        let ph = fh * oh
        let pl = fmaD(fh, ol, fmaD(fl, oh, productError(fh, oh, ph)))
        let x4 = 4 * x
        let qh = x4 * ph
        let ql = fmaD(x4, pl, productError(x4, ph, qh))
        let mh = nh * dh
        let ml = fmaD(nh, dl, fmaD(nl, dh, productError(nh, dh, mh)))
        let (us, ue) = twoSum(mh, qh)
        let sh = dh * dh
        let sl = fmaD(dh + dh, dl, productError(dh, dh, sh))
        let (t, c) = quotientParts(us, ue + (ml + ql), sh, sl)
        var g = productFinish(gy, t, c)
        if parts.rare {
            let (h, l, k) = parts.tail
            let (bh, bl) = twoSum(VD(repeating: 1), x)
            let vh = h * bh
            let vl = fmaD(h, bl, fmaD(l, bh, productError(h, bh, vh)))
            g = g.replacing(with: scaledWide(productFinish(gy, vh, vl), k), where: x .< -708)
        }
        let d0 = x - VD(repeating: mishRootD.hi)  // exact near the root (Sterbenz)
        let near = absolute(d0) .< 0.0625
        if anyTrue(near) {
            let series = nearRootSeries(gy, x, root: mishRootD, slope: mishRootSlope, mishRootTaylor)
            g = g.replacing(with: series, where: near)
        }
        g = g.replacing(with: gy * 0, where: x .< -800).replacing(with: gy * -0.0, where: x .== -.infinity)
        return g.replacing(with: gy, where: x .> 40)
    }
}
