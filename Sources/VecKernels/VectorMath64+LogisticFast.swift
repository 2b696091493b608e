import CVecShim

// The common path of the float64 logistic family (sigmoid, tanh, their gradients, softplus' and
// logSigmoid'): vectors whose lanes all have e = e^-|z| >= e^-700 (every intermediate normal) and
// a finite gy. e comes from Sleef's minimax exp as 2^n (1 + q), and 1 + e as dh + dl to 2^-106
// (logisticCore); r = 1/dh (one vdivpd) and err = r (dh + dl) - 1; the
// products are split exactly by FMA and their corrections folded into one last FMA. The few
// roundings left (q's, the reduction's last bits) keep these within the bounds measured in
// VectorMath64Tests. Lanes off that path (NaN, ±inf, the denormal tail, an infinite gy) take the
// careful double-double forms of VectorMath64+Logistic.swift for the whole vector.
extension VectorMath {
    /// (e^r - 1 - r)/r^2 on |r| <= ln2/2 + 2^-40: Sleef's minimax polynomial (xexp: ten
    /// coefficients of (e^r - 1 - r - r^2/2)/r^3, relative error ~2^-57) in Horner form, 10 FMAs
    /// where Estrin takes 13 operations: exp's short loop is bound by the ports, not by this chain
    /// (expMinusOneFast's longer loops use expPolyEstrin).
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

    /// e^t = (h + l) 2^n for -700 <= t <= 0: Sleef's reduction (r rounded once, no low part) and
    /// polynomial, h = 1 + q rounded and l its exact error. Relative error ~2^-54 (q's and r's
    /// roundings): the sigmoids measured 0.85 ulp with it, 0.74 with r's low part folded in.
    @inlinable @inline(__always)
    static func expPartsFast(_ t: VD) -> (h: VD, l: VD, n: VL) {
        let (q, n) = expMinusOneFast(t)
        let h = 1 + q
        return (h, (1 - h) + q, n)
    }

    /// e^t = 2^n (1 + q) for -700 <= t <= 0, q unrounded against 1 (expPartsFast's reduction and
    /// polynomial): callers scale 1 + q with one FMA and keep its error where they need it.
    @inlinable @inline(__always)
    static func expMinusOneFast(_ t: VD) -> (q: VD, n: VL) {
        let tt = fmaD(t, VD(repeating: log2eD), VD(repeating: roundMagicD))
        let nf = tt - VD(repeating: roundMagicD)
        let r = fmaD(nf, VD(repeating: -ln2LoD), fmaD(nf, VD(repeating: -ln2HiD), t))
        let r2 = r * r
        return (fmaD(r2, expPolyEstrin(r, r2), r), bits(tt) &- roundMagicDBits)
    }

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

    /// sigmoid(z) for -700 <= -|z|, rounded once: num r + (numLo - err num) r with num + numLo
    /// = e + el where z < 0 and 1 otherwise, by one last FMA. The small term's two roundings are
    /// ~2^-104 of the result, so this is logisticValueFast's a + c with one FMA-pipe operation and
    /// one addition fewer (the loop is bound by the FMA pipes: 25 of its ~45 vector operations).
    @inlinable @inline(__always)
    static func logisticRoundedFast(_ z: VD) -> VD {
        let (e, el, r, err) = logisticCore(negativeAbsolute(z))
        let (num, numLo) = logisticNumerator(z, e: e, el: el)
        return fmaD(num, r, fmaD(negate(err), num, numLo) * r)
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

    /// tanh(x) for any x: tanhFastWithComplement's y (the compiler drops c).
    @inlinable @inline(__always)
    static func tanhFast(_ x: VD) -> VD { tanhFastWithComplement(x).y }

    /// expPolyFast's polynomial (the same coefficients) in Estrin's scheme: four FMAs deep after
    /// r^2 where Horner is ten, for three more operations. The sigmoid-family loops carry a long
    /// dependency chain (reduction, polynomial, a division, the corrections): on Zen 5, which
    /// issues two 512-bit FMAs per cycle, they were bound by that chain's latency, not by the
    /// ports. `vecbench ab`, 8 rounds, float64 2^16, 1 thread (2026-12-02): sigmoid forward -17%,
    /// silu forward -15%, the backwards that share expMinusOneFast within 1%. (tanh keeps
    /// expPolyPaired: with this form its forward was 7% faster but 1.33 ulp, above its 1.25 test
    /// bound.)
    @inlinable @inline(__always)
    static func expPolyEstrin(_ r: VD, _ r2: VD) -> VD {
        func c(_ v: Double) -> VD { VD(repeating: v) }
        let r4 = r2 * r2
        let p01 = fmaD(r, c(0.1666666666666669072), c(0.5))
        let p23 = fmaD(r, c(0.008333333333314938210), c(0.04166666666666602598))
        let p45 = fmaD(r, c(0.0001984126989855865850), c(0.001388888888914497797))
        let p67 = fmaD(r, c(0.2755723402025388239e-5), c(0.2480158687479686264e-4))
        let p89 = fmaD(r, c(0.2511210703042288022e-7), c(0.2755762628169491192e-6))
        let q0 = fmaD(p23, r2, p01)
        let q1 = fmaD(p67, r2, p45)
        let q2 = fmaD(r2, c(0.2081276378237164457e-8), p89)
        return fmaD(fmaD(q2, r4, q1), r4, q0)
    }

    /// (e^r - 1 - r)/r^2 as expPolyFast (the same coefficients), in two Horner chains in r^2
    /// (even and odd powers): five FMAs deep where one chain is ten, for the same operation
    /// count; tanh's loop measured ~4% faster with it.
    @inlinable @inline(__always)
    static func expPolyPaired(_ r: VD, _ r2: VD) -> VD {
        func c(_ v: Double) -> VD { VD(repeating: v) }
        var even = fmaD(r2, c(0.2081276378237164457e-8), c(0.2755762628169491192e-6))
        even = fmaD(even, r2, c(0.2480158687479686264e-4))
        even = fmaD(even, r2, c(0.001388888888914497797))
        even = fmaD(even, r2, c(0.04166666666666602598))
        even = fmaD(even, r2, c(0.5))
        var odd = fmaD(r2, c(0.2511210703042288022e-7), c(0.2755723402025388239e-5))
        odd = fmaD(odd, r2, c(0.0001984126989855865850))
        odd = fmaD(odd, r2, c(0.008333333333314938210))
        odd = fmaD(odd, r2, c(0.1666666666666669072))
        return fmaD(odd, r, even)
    }

    /// tanh(x) and c = 1 - |tanh x| from v = 2/(1 + e), e = e^w = 2^n (1 + q), w = -2|x| (held at
    /// -50: tanh rounds to 1 from 19.1): |y| = v - 1 and c = 2 - v. 1 + e is carried as d + dl
    /// (dl the exact residual of the FMA that rounded d), rr = 1/d (one vdivpd) and
    /// v = 2 rr (1 + u + u^2), u = 1 - rr (d + dl) (|u| <= 2^-52: the dropped u^3 is below 2^-156).
    /// 2 rr - 1 and 2 - 2 rr are exact (2 rr in [1, 2]), so y and c each round once. Near 0, v - 1
    /// cancels and u carries y's digits; where rr's own rounding is as large as y (|x| near
    /// 2^-53), u^2 is 2-3 ulp of y. The error left near 0 is q's own rounding (n = 0, e = 1 + q),
    /// as in expm1-based forms. No select and no numerator: 38 vector operations where
    /// -m/(2 + m), m = expm1(w) as hi + lo, had 50. Measured over 4e7 points (scalar simulation,
    /// |x| log-uniform down to 2^-70 included): 1.41 ulp for y (near |x| = 0.17), 1.39 for c (near
    /// |x| = 18.5, where e < 2^-53: dl's and u2's roundings).
    @inlinable @inline(__always)
    static func tanhFastWithComplement(_ x: VD) -> (y: VD, c: VD) {
        let na = negativeAbsolute(x)
        var w = na + na
        w = w.replacing(with: -50, where: w .< -50)  // NaN passes
        let t = fmaD(w, VD(repeating: log2eD), VD(repeating: roundMagicD))
        let nf = t - VD(repeating: roundMagicD)
        // r's own rounding (2^-54 |r|) is dropped: it moved neither maximum in the sweeps.
        let r = fmaD(nf, VD(repeating: -ln2LoD), fmaD(nf, VD(repeating: -ln2HiD), w))
        let r2 = r * r
        let q = fmaD(r2, expPolyPaired(r, r2), r)
        let sc = pow2(bits(t) &- roundMagicDBits)
        let d = fmaD(q, sc, sc + 1)
        // (1 - d) + sc is exact (d in [1, 2]); sc + 1 is not below n = -52.
        let dl = fmaD(q, sc, (1 - d) + sc)
        let rr = 1 / d
        let u = fmaD(negate(rr), dl, fmaD(negate(rr), d, VD(repeating: 1)))
        let u2 = fmaD(u, u, u)  // without u^2: c 1.6 ulp near e = 2^-53, y 3 ulp near |x| = 2^-53
        let v = rr + rr
        let y = fmaD(v, u2, v - 1)
        return (double((bits(y) & Int64.max) | (bits(x) & Int64.min)), fmaD(negate(v), u2, 2 - v))
    }

    /// gy silu'(x) = gy sigmoid(x) (1 + x sigmoid(-x)) for -700 <= -|x|: both sigmoids as
    /// double-doubles from one e, 1 + x sigmoid(-x) by TwoSum, the product rounded once. Off the
    /// zero of silu' (the caller's series covers |x - x0| < 1/16).
    @inlinable @inline(__always)
    static func siluSlopeFast(_ gy: VD, _ x: VD) -> VD {
        let (e, el, r, err) = logisticCore(negativeAbsolute(x))
        let pl = negate(err * r)  // sigmoid(|x|) = r + pl
        let s = e * r
        let sl = fmaD(negate(err), s, fmaD(el, r, productError(e, r, s)))  // sigmoid(-|x|) = s + sl
        let negative = x .< 0
        let a = r.replacing(with: s, where: negative), al = pl.replacing(with: sl, where: negative)
        let b = s.replacing(with: r, where: negative), bl = sl.replacing(with: pl, where: negative)
        let qh = x * b
        let ql = fmaD(x, bl, productError(x, b, qh))
        let oh = 1 + qh
        let bb = oh - 1
        let ol = ((1 - (oh - bb)) + (qh - bb)) + ql  // 1 + x sigmoid(-x) = oh + ol (TwoSum)
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
