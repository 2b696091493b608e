import CVecShim

// The common path of the float64 logistic family (sigmoid, tanh, their gradients, softplus' and
// logSigmoid'): vectors whose lanes all have e = e^-|z| >= e^-700 (every intermediate normal) and
// a finite gy. e comes from a table-driven exp as 2^n (1 + q), and 1 + e as dh + dl to 2^-106
// (logisticCore; sigmoid's forward and silu's gradient take e^-z for either sign,
// logisticDirect, and silu's forward its denominator alone); r = 1/dh (one vdivpd) and
// err = r (dh + dl) - 1; the
// products are split exactly by FMA and their corrections folded into one last FMA. The few
// roundings left (q's, the reduction's last bits) keep these within the bounds measured in
// VectorMath64Tests. Lanes off that path (NaN, ±inf, the denormal tail, an infinite gy) take the
// careful double-double forms of VectorMath64+Logistic.swift for the whole vector.
extension VectorMath {
    /// (e^r - 1 - r)/r^2 on |r| <= ln2/2 + 2^-40: Sleef's minimax polynomial (xexp: ten
    /// coefficients of (e^r - 1 - r - r^2/2)/r^3, relative error ~2^-57) in Horner form, 10 FMAs
    /// where Estrin takes 13 operations: exp's short loop is bound by the ports, not by this chain.
    @inlinable @inline(__always)
    static func expPolyFast(_ r: VD) -> VD {
        func c(_ v: Double) -> VD { VD(repeating: v) }
        var p = fmaD(r, c(0.2081276378237164457e-8), c(0.2511210703042288022e-7))
        p = fmaD(p, r, c(0.2755762628169491192e-6))
        p = fmaD(p, r, c(0.2755723402025388239e-5))
        p = fmaD(p, r, c(0.2480158687479686264e-4))
        p = fmaD(p, r, c(0.0001984126989855865850))
        p = fmaD(p, r, c(0.001388888888914497797))
        p = fmaD(p, r, c(0.008333333333314938210))
        p = fmaD(p, r, c(0.04166666666666602598))
        p = fmaD(p, r, c(0.1666666666666669072))
        return fmaD(p, r, c(0.5))
    }

    /// e^t = (h + l) 2^n for -700 <= t <= 0: expMinusOneFast (r rounded once, no low part), h =
    /// 1 + q rounded and l its exact error. Relative error ~2^-54 (q's and r's roundings).
    @inlinable @inline(__always)
    static func expPartsFast(_ t: VD) -> (h: VD, l: VD, n: VL) {
        let (q, n) = expMinusOneFast(t)
        let h = 1 + q
        return (h, (1 - h) + q, n)
    }

    /// e^t = 2^n (1 + q) for |t| <= 700, q unrounded against 1: callers scale 1 + q with one
    /// FMA and keep its error where they need it. t = (16 n + j) ln2/16 + r, j in -8...7, |r| <=
    /// ln2/32: 2^(j/16) from a 16-entry table as th + tl (vpermt2pd, off the FMA pipes), e^r - 1
    /// by a degree-7 polynomial (relative error 2^-64 on the interval, where Sleef's ten-term
    /// one on |r| <= ln2/2 took four more FMAs: these loops are bound by the FMA pipes), and
    /// 1 + q = th + (th (e^r - 1) + tl) with th - 1 exact (Sterbenz): q rounds once, 2^-54 of
    /// 1 + q at most, as the untabled form's. 1 + q stays in [0.69, 1.39].
    @inlinable @inline(__always)
    static func expMinusOneFast(_ t: VD) -> (q: VD, n: VL) {
        // The magic plus 8 leaves 16 n + j + 8 in the low bits: its low four bits index the table.
        let tt = fmaD(t, VD(repeating: log2eD * 16), VD(repeating: roundMagicD + 8))
        let nf = tt - VD(repeating: roundMagicD + 8)
        let r = fmaD(nf, VD(repeating: -ln2LoD / 16), fmaD(nf, VD(repeating: -ln2HiD / 16), t))
        // (e^r - 1 - r)/r^2: Chebyshev fit (mpmath chebyfit) on |r| <= 1.0005 ln2/32.
        // Estrin: three FMAs deep after r^2 where Horner is five (the loops are latency-bound).
        let r2 = r * r
        let p01 = fmaD(r, VD(repeating: 0.16666666666666669), VD(repeating: 0.5000000000000001))
        let p23 = fmaD(r, VD(repeating: 0.008333333332991407), VD(repeating: 0.04166666666358933))
        let p45 = fmaD(r, VD(repeating: 0.000198414639814658), VD(repeating: 0.0013889063615251755))
        let p = fmaD(fmaD(p45, r2, p23), r2, p01)
        let em1 = fmaD(r2, p, r)
        let k = bits(tt)
        let th = vg_permute2_f64x8(exp2SixteenthsHi.low, exp2SixteenthsHi.high, k)
        let tl = vg_permute2_f64x8(exp2SixteenthsLo.low, exp2SixteenthsLo.high, k)
        return ((th - 1) + fmaD(th, em1, tl), (k &- roundMagicDBits) &>> 4)
    }

    /// 2^(j/16) for j = -8...7 as hi + lo (mpmath), entry j + 8: lanes 0-7 in `low`, 8-15 in
    /// `high`. Computed properties: a stored static would be read through its lazy initializer.
    @inlinable @inline(__always)
    static var exp2SixteenthsHi: (low: VD, high: VD) { (
        low: VD(0x1.6a09e667f3bcdp-1, 0x1.7a11473eb0187p-1, 0x1.8ace5422aa0dbp-1, 0x1.9c49182a3f090p-1,
                0x1.ae89f995ad3adp-1, 0x1.c199bdd85529cp-1, 0x1.d5818dcfba487p-1, 0x1.ea4afa2a490dap-1),
        high: VD(0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
                 0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0)) }
    @inlinable @inline(__always)
    static var exp2SixteenthsLo: (low: VD, high: VD) { (
        low: VD(-0x1.bdd3413b26456p-55, -0x1.41577ee04992fp-56, 0x1.6e9f156864b27p-55, 0x1.c7c46b071f2bep-57,
                0x1.7a1cd345dcc81p-55, 0x1.11065895048ddp-56, 0x1.2ed02d75b3707p-56, -0x1.e9c23179c2893p-55),
        high: VD(0, 0x1.8a62e4adc610bp-54, -0x1.19041b9d78a76p-55, 0x1.9b07eb6c70573p-54,
                 0x1.6f46ad23182e4p-55, 0x1.ada0911f09ebcp-55, 0x1.d4397afec42e2p-56, 0x1.6324c054647adp-54)) }

    /// Whether a vector must leave the common path: t = -|z| below -700 or NaN, or gy beyond
    /// 2^1000 in magnitude, infinite or NaN (the exact product splits would give NaN).
    @inlinable @inline(__always)
    static func logisticOffFast(_ t: VD, _ gy: VD) -> Bool {
        anyTrue(.!(t .>= -700) .| .!(absolute(gy) .< 0x1p1000))
    }

    /// e = e^t scaled (t in [-700, 0]) as e + el, and 1/(1 + e) as r (1 - err), err ~2^-53.
    /// e = 2^n (1 + q) rounded by one FMA; 1 + 2^n (1 + q) = dh + dl, where 1 - dh and (1 - dh) + 2^n
    /// are exact (Sterbenz; 2^n plus a multiple of 2^-52 below 1), so one more FMA gives dl: five
    /// operations where h = 1 + q, its error, e, el and a Fast2Sum took nine. el (sc - e is exact:
    /// 1 + q is in [0.7, 1.42]) costs nothing where only r and err are used.
    @inlinable @inline(__always)
    static func logisticCore(_ t: VD) -> (e: VD, el: VD, r: VD, err: VD) {
        let (q, n) = expMinusOneFast(t)
        let sc = pow2(n)
        let e = fmaD(q, sc, sc)
        let dh = 1 + e
        let dl = fmaD(q, sc, (1 - dh) + sc)
        let r = 1 / dh
        return (e, fmaD(q, sc, sc - e), r, fmaD(r, dl, productMinusOne(r, dh)))
    }

    /// gy k e/(1 + e)^2 with e = e^t, k a power of two (1 for sigmoid', 4 for tanh'): gy k r^2
    /// split exactly as p2 + lo, then p2 (e + el)(1 - 2 err) + lo e rounded once.
    @inlinable @inline(__always)
    static func logisticSlopeFast(_ gy: VD, exponent t: VD, scale k: Double) -> VD {
        let (e, el, r, err) = logisticCore(t)
        let g = k == 1 ? gy : gy * VD(repeating: k)
        let p1 = g * r
        let p2 = p1 * r
        let lo = fmaD(productError(g, r, p1), r, productError(p1, r, p2))
        let w = fmaD(err * -2, e, el)  // (e + el)(1 - 2 err) - e
        return fmaD(p2, e, fmaD(lo, e, p2 * w))
    }

    /// sigmoid(z) for -700 <= -|z| as a + c (unrounded sum): 1/(1 + e) for z >= 0, e/(1 + e)
    /// below, each num r (1 - err) + numLo r with the product split exactly. (1 - r) + r err for
    /// z < 0 would be two operations cheaper, but where e is near 2^-53 (x ~ -37) r err's rounding
    /// is 2^-53 of the result itself: 1.3-1.7 ulp in a scalar simulation, 0.88 for this form.
    @inlinable @inline(__always)
    static func logisticValueFast(_ z: VD) -> (a: VD, c: VD) {
        let (e, el, r, err) = logisticCore(negativeAbsolute(z))
        return logisticQuotient(z, e: e, el: el, r: r, err: err)
    }

    /// 1/(1 + E) with E = e^-z = 2^n (1 + q) for |z| <= 700, as r (1 - err): e^-z itself, not
    /// e^-|z| (for z < 0, E is up to e^700 and n up to 1010), so that sigmoid(z) is the
    /// reciprocal alone for either sign, with no numerator to multiply (sigmoid 0.98 ulp over 3e6
    /// points). 1 + E = dh + dl exactly (logisticDenominator):
    /// E rounded by one FMA, dh = 1 + E, dl = q sc + ((big - dh) + small) with {big, small} =
    /// {max(1, sc), min(1, sc)} (1 for z >= 0, where n <= 0; sc for z < 0, where n >= 0): the two
    /// additions are exact (dh is within a factor 2.4 of big), up to a part below 2^-104 of 1 + E
    /// where n > 51. r = 1/dh (one vdivpd), err = r (dh + dl) - 1. Also returns E, q and sc = 2^n
    /// for callers that need E/(1 + E) (E's rounding is fma(q, sc, sc - E), exact by Sterbenz).
    @inlinable @inline(__always)
    static func logisticDirect(_ z: VD) -> (e: VD, q: VD, sc: VD, r: VD, err: VD) {
        let d = logisticDenominator(z)
        let r = 1 / d.dh
        return (d.e, d.q, d.sc, r, fmaD(r, d.dl, productMinusOne(r, d.dh)))
    }

    /// 1 + E = dh + dl, E = e^-z = 2^n (1 + q) rounded by one FMA (see logisticDirect), for
    /// |z| <= 700; also E, q and sc = 2^n. silu's forward divides by dh itself.
    @inlinable @inline(__always)
    static func logisticDenominator(_ z: VD) -> (dh: VD, dl: VD, e: VD, q: VD, sc: VD) {
        let (q, n) = expMinusOneFast(negate(z))
        let sc = pow2(n)
        let e = fmaD(q, sc, sc)
        let dh = 1 + e
        let one = VD(repeating: 1), negative = z .< 0
        let dl = fmaD(q, sc, (one.replacing(with: sc, where: negative) - dh) + sc.replacing(with: one, where: negative))
        return (dh, dl, e, q, sc)
    }

    /// sigmoid(z) for -700 <= -|z|: r (1 - err) from logisticDirect, rounded once by one FMA. The
    /// quotient of e^-|z| (logisticValueFast) took four more FMA-pipe operations for the
    /// numerator where z < 0; these loops are bound by the FMA pipes (each operation ~4% of
    /// sigmoid's time on Zen 4): `vecbench ab`, 10 rounds, 2^20, 1 thread: sigmoid forward -15%,
    /// silu forward -14% (with the tabled exp).
    @inlinable @inline(__always)
    static func logisticRoundedFast(_ z: VD) -> VD {
        let d = logisticDirect(z)
        return fmaD(negate(d.err), d.r, d.r)
    }

    /// sigmoid(-z) = E/(1 + E) from logisticDirect(z) as a + c (unrounded sum): E r (1 - err) +
    /// el r, the product split exactly. For z >= 0 this is sigmoid(-|z|).
    @inlinable @inline(__always)
    static func logisticComplementParts(_ d: (e: VD, q: VD, sc: VD, r: VD, err: VD)) -> (a: VD, c: VD) {
        let el = fmaD(d.q, d.sc, d.sc - d.e)
        let a = d.e * d.r
        return (a, fmaD(negate(d.err), a, fmaD(el, d.r, productError(d.e, d.r, a))))
    }

    /// The numerator of sigmoid(z) = num/(1 + e) as num + numLo: e + el where z < 0, 1 otherwise.
    @inlinable @inline(__always)
    static func logisticNumerator(_ z: VD, e: VD, el: VD) -> (num: VD, numLo: VD) {
        let negative = z .< 0
        return (VD(repeating: 1).replacing(with: e, where: negative), VD(repeating: 0).replacing(with: el, where: negative))
    }

    /// sigmoid(z) as a + c from e + el = e^-|z| and 1/(1 + e) = r (1 - err): (e + el) r (1 - err)
    /// where z < 0, r (1 - err) otherwise, the product split exactly (productError) so that only
    /// the last addition a + c rounds. Shared by logisticValueFast and softplus's grad-mode slope.
    @inlinable @inline(__always)
    static func logisticQuotient(_ z: VD, e: VD, el: VD, r: VD, err: VD) -> (a: VD, c: VD) {
        let (num, numLo) = logisticNumerator(z, e: e, el: el)
        let a = num * r
        return (a, fmaD(negate(err), a, fmaD(numLo, r, productError(num, r, a))))
    }

    /// gy sigmoid(z) rounded once in effect (gy (a + c) = fma(gy, a, gy c)).
    @inlinable @inline(__always)
    static func logisticTimesFast(_ gy: VD, _ z: VD) -> VD {
        let (a, c) = logisticValueFast(z)
        return fmaD(gy, a, gy * c)
    }

    /// gy silu'(x) = gy sigmoid(x) (1 + x sigmoid(-x)) for -700 <= -|x|: both sigmoids as
    /// double-doubles from logisticDirect (1/(1 + E) and E/(1 + E), E = e^-x: the grad-mode
    /// forward shares E and 1 + E with silu's value), 1 + x sigmoid(-x) by TwoSum, the
    /// product rounded once. Off the zero of silu' (the caller's series covers |x - x0| < 1/16).
    @inlinable @inline(__always)
    static func siluSlopeFast(_ gy: VD, _ x: VD) -> VD {
        let d = logisticDirect(x)
        let a = d.r, al = negate(d.err * d.r)  // sigmoid(x) = a + al
        let (b, bl) = logisticComplementParts(d)  // sigmoid(-x) = b + bl
        let qh = x * b
        return logisticSlopeProduct(gy, a, al, qh, fmaD(x, bl, productError(x, b, qh)))
    }

    /// gy (a + al)(1 + qh + ql), rounded once: the last step of silu's and gelu(tanh)'s slopes,
    /// sigmoid(w) (1 + s sigmoid(-w)) with each factor a double-double (1 + qh by TwoSum).
    @inlinable @inline(__always)
    static func logisticSlopeProduct(_ gy: VD, _ a: VD, _ al: VD, _ qh: VD, _ ql: VD) -> VD {
        let (oh, oe) = twoSum(VD(repeating: 1), qh)
        let ol = oe + ql
        let dh = a * oh
        let dl = fmaD(a, ol, fmaD(al, oh, productError(a, oh, dh)))
        return fmaD(gy, dh, gy * dl)
    }

    /// gy c e^x for -700 <= x <= 0 (c = scale alpha as ch + cl, inputScale 1): e^x as e + el
    /// scaled, gy c split exactly, one rounding in the last FMA.
    @inlinable @inline(__always)
    static func eluSlopeFast(_ gy: VD, _ z: VD, _ ch: Double, _ cl: Double) -> VD {
        let (h, l, n) = expPartsFast(z)
        let sc = pow2(n)
        let e = h * sc, el = l * sc
        let vc = VD(repeating: ch)
        let g = gy * vc
        let gl = fmaD(gy, VD(repeating: cl), productError(gy, vc, g))
        return fmaD(g, e, fmaD(g, el, gl * e))
    }
}
