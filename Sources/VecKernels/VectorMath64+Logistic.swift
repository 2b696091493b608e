import CVecShim

// sigmoid, tanh and softplus on SIMD8<Double>, forward and backward, and exp's backward (the
// activations built on them are in VectorMath64+Activations.swift). Each sees e = e^-|z| as
// (h + l) 2^n, carries 1 + e as dh + dl, takes r = 1/dh (reciprocalOneTwo) and corrects with
// err = r (dh + dl) - 1, so that products are split exactly and only the last addition rounds. The 2^n scaling is exact in the
// normal range; vectors with a lane whose result may be denormal take a two-factor scaling
// behind a branch. These careful forms now serve only vectors off the common path of
// VectorMath64+LogisticFast.swift (a lane beyond |x| = 700, ±inf, NaN, an infinite gy).
extension VectorMath {
    /// 1/(1 + e) as r (1 - err), e = eh + el in [0, 1], to ~2^-100 relative: err = r (1 + e) - 1
    /// (~1e-11), with 1 + e carried as dh + dl.
    @inlinable @inline(__always)
    static func reciprocalOnePlus(_ eh: VD, _ el: VD) -> (r: VD, err: VD) {
        let dh = 1 + eh
        let dl = ((1 - dh) + eh) + el  // Fast2Sum: 1 >= e
        let r = reciprocalOneTwo(dh)
        return (r, productMinusOne(r, dh) + r * dl)
    }

    /// gy (t + c) rounded once in effect: g = gy t plus gy c and the exact error of g. Where g
    /// is not finite (gy infinite or NaN, or an overflow) g itself is returned: the split
    /// would turn inf into NaN.
    @inlinable @inline(__always)
    static func productFinish(_ gy: VD, _ t: VD, _ c: VD) -> VD {
        let g = gy * t
        let v = g + fmaD(gy, c, productError(gy, t, g))
        // |g|'s bits above the largest finite double's: one compare (`.!(|g| .< .infinity)` took
        // an equality and a greater-than under AVX2).
        return v.replacing(with: g, where: bits(absolute(g)) .> 0x7FEF_FFFF_FFFF_FFFF)
    }

    /// v 2^n: one multiply when every lane stays normal, two factors otherwise (n >= -2044).
    @inlinable @inline(__always)
    static func scaled(_ v: VD, _ n: VL, rare: Bool) -> VD {
        rare ? scaledWide(v, n) : v * pow2(n)
    }

    /// e^t = (h + l) 2^n for t <= 0, and 2^n clamped to the normal range, whether any lane
    /// needs it (t < -708), and e's parts scaled by that 2^n.
    @_transparent @usableFromInline
    static func logisticTail(_ t: VD) -> (h: VD, l: VD, n: VL, rare: Bool) {
        // expNonPositiveParts written out (see softplus).
        let (r, rLo, n) = reduceLn2(t.replacing(with: -1400, where: t .< -1400))
        let (h, l) = expReducedParts(r, rLo)
        return (h, l, n, anyTrue(t .< -708))
    }

    /// gy 2^k e/(1 + e)^2 with e = e^t (t <= 0) and l's correction `lAdjust` (see softplus):
    /// sigmoid' (t = -|x|, k = 0) and tanh' (t = -2|x|, k = 2).
    @inlinable @inline(__always)
    static func logisticSlope(_ gy: VD, exponent t: VD, log2Scale k: Int64) -> VD {
        let (h, l, n, rare) = logisticTail(t)
        let s = pow2(rare ? atLeast(n, -1022) : n)
        let (r, err) = reciprocalOnePlus(h * s, l * s)
        // e r^2 (1 - 2 err): (h + l) r = t1 + c1, then (t1 + c1) r = u + k1, halved so that
        // gy u cannot overflow before the 2^n (u may reach 1.42).
        let t1 = h * r
        let c1 = fmaD(l, r, productError(h, r, t1))
        let u = t1 * r
        let k1 = fmaD(c1, r, productError(t1, r, u))
        let corr = k1 - (err + err) * u
        return scaled(productFinish(gy, 0.5 * u, 0.5 * corr), n &+ (k + 1), rare: rare)
    }

    /// sigmoid(z + zLo) = (t + c) 2^m unscaled, for a tiny zLo (the rounding error of z = beta x):
    /// e/(1 + e) for z < 0 and 1/(1 + e) otherwise, e = e^-|z + zLo| = e^-|z| (1 - zLo sign(z)).
    /// Transparent: as @inline(__always) the float64 tanh-form gelu's loop called it per vector.
    @_transparent @usableFromInline
    static func logisticParts(_ z: VD, _ zLo: VD) -> (t: VD, c: VD, m: VL, rare: Bool) {
        let (h, l0, n, rare) = logisticTail(negativeAbsolute(z))
        let l = fmaD(h, negate(flipSign(zLo, by: z)), l0)
        let s = pow2(rare ? atLeast(n, -1022) : n)
        let (r, err) = reciprocalOnePlus(h * s, l * s)
        let (a, b) = logisticNumerator(z, e: h, el: l)
        let t1 = a * r
        let c1 = fmaD(b, r, productError(a, r, t1))
        let m = n & (bits(z) &>> 63)  // n where z < 0 (z = -0 has n = 0 anyway)
        return (t1, c1 - err * t1, m, rare)
    }

    /// gy sigmoid(z + zLo) with one rounding in effect (softplus').
    @inlinable @inline(__always)
    static func logisticValue(_ gy: VD, _ z: VD, _ zLo: VD) -> VD {
        let (t, c, m, rare) = logisticParts(z, zLo)
        return scaled(productFinish(gy, 0.5 * t, 0.5 * c), m &+ 1, rare: rare)
    }

    /// Logistic sigmoid 1/(1 + e^-x) (torch.sigmoid), within 0.98 ulp (measured) including the
    /// negative tail down to the denormal results near x = -745 (relative precision kept:
    /// e/(1 + e) with e = e^x there). ±inf give 1 and 0, NaN passes.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func sigmoid(_ x: SIMD8<Double>) -> SIMD8<Double> {
        if _slowPath(anyTrue(.!(negativeAbsolute(x) .>= -700))) { return sigmoidWide(x) }
        return logisticRoundedFast(x)
    }

    /// sigmoid for vectors with a lane below -700, ±inf or NaN: the double-double form.
    @inline(never) @usableFromInline
    static func sigmoidWide(_ x: VD) -> VD {
        let (t, c, m, rare) = logisticParts(x, VD(repeating: 0))
        return scaled(t + c, m, rare: rare)
    }

    /// gy sigmoid'(x) = gy e/(1 + e)^2, e = e^-|x|, from x (never y(1 - y), which cancels in the
    /// tails): one rounding in effect, within 0.94 ulp (measured; gy in [-1, 1]).
    @inlinable @inline(__always)
    public static func sigmoidBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        let t = negativeAbsolute(x)
        if _slowPath(logisticOffFast(t, gy)) { return logisticSlopeWide(gy, t, 0) }
        return logisticSlopeFast(gy, exponent: t, scale: 1)
    }

    /// logisticSlope out of line, for vectors off the common path (logisticOffFast).
    @inline(never) @usableFromInline
    static func logisticSlopeWide(_ gy: VD, _ t: VD, _ k: Int64) -> VD {
        logisticSlope(gy, exponent: t, log2Scale: k)
    }

    /// Hyperbolic tangent (torch.tanh) as 2/(1 + e) - 1, e = e^(-2|x|), from one refined
    /// reciprocal (tanhFastWithComplement), the sign of x OR-ed back (keeps -0). No cancellation
    /// near 0 (1 + e and the reciprocal carry their low parts); within 1.58 ulp (measured, q's
    /// rounding and the degree-9 polynomial near |x| = 0.17). ±inf give ±1.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func tanh(_ x: SIMD8<Double>) -> SIMD8<Double> { tanhFast(x) }

    /// gy tanh'(x) = gy 4t/(1 + t)^2 with t = e^(-2|x|), from x (1 - y^2 cancels): within
    /// 0.94 ulp (measured; gy in [-1, 1]).
    @inlinable @inline(__always)
    public static func tanhBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        let a = absolute(x)
        let t = 0 - (a + a)
        if _slowPath(logisticOffFast(t, gy)) { return logisticSlopeWide(gy, t, 2) }
        return logisticSlopeFast(gy, exponent: t, scale: 4)
    }

    /// beta x and its exact rounding error lo (0 where beta x is not finite and normal-sized,
    /// where the error is meaningless or irrelevant), and lo again where it may enter e^-|bx| as
    /// the factor 1 - lo (|bx| < 1024: lo <= 2^-43), 0 beyond (e^-|bx| is 0 there anyway).
    @inlinable @inline(__always)
    static func scaledInput(_ x: VD, beta: Double) -> (bx: VD, lo: VD, loExp: VD) {
        if beta == 1 { return (x, VD(repeating: 0), VD(repeating: 0)) }
        let vb = VD(repeating: beta)
        let bx = vb * x
        let lo = productError(vb, x, bx).replacing(with: 0, where: .!(absolute(bx) .< 0x1p1000))
        return (bx, lo, lo.replacing(with: 0, where: .!(absolute(bx) .< 1024)))
    }

    /// v / beta correctly rounded but for rare ties: q = v (1/beta) corrected once by the exact
    /// remainder, plus vLo / beta. No vdivpd.
    @inlinable @inline(__always)
    static func divided(_ v: VD, _ vLo: VD, by beta: Double) -> VD {
        let rb = VD(repeating: 1 / beta), vb = VD(repeating: beta)
        let q = v * rb
        let p = q * vb
        let rem = ((v - p) - productError(q, vb, p)) + vLo  // v - p is exact: p ~ v
        return fmaD(rem, rb, q).replacing(with: q, where: .!(absolute(q) .< .infinity))
    }

    /// PyTorch softplus (torch.nn.functional.softplus): log(1 + e^(beta x))/beta, and x itself
    /// where beta x > threshold. Computed as (max(bx, 0) + log1p(e^-|bx|))/beta with the rounding
    /// error of bx = beta x folded into both parts; log1p's argument is e as h + l. Within 1.2 ulp
    /// for beta = 1 and 1.55 for other betas (measured; two roundings: log1p's and the sum's or
    /// the division's), denormal results of the negative tail included.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func softplus(_ x: SIMD8<Double>, beta: Double, threshold: Double) -> SIMD8<Double> {
        softplusWithSlope(x, beta: beta, threshold: threshold, slope: false).y
    }

    /// softplus(x) and, when `slope`, c = softplus'(x) = sigmoid(beta x) (1 where beta x >
    /// threshold) from y's own e = e^-|beta x| (with beta x's rounding error): its grad-mode
    /// forward (UnarySaved.complement), so that the backward is gy c. c is e/(1 + e) or 1/(1 + e)
    /// as logisticValueFast forms it, one division, rounded once: within 0.73 ulp. Vectors off y's
    /// common path (a lane beyond |beta x| = 600, NaN) take softplusBackwardWide's c. `slope` is
    /// a constant at every call, so the no-grad forward carries none of c's work.
    @inlinable @inline(__always)
    static func softplusWithSlope(_ x: VD, beta: Double, threshold: Double, slope: Bool) -> (y: VD, c: VD) {
        let (bx, lo, loExp) = scaledInput(x, beta: beta)
        // expNonPositiveParts written out: the optimiser kept it out of line here (a call with
        // SIMD8 arguments in xmm pieces cost ~10% of softplus).
        let t = negativeAbsolute(bx)
        let (r, rLo, n) = reduceLn2(t.replacing(with: -1400, where: t .< -1400))
        let (h, l0) = expReducedParts(r, rLo)
        let l = fmaD(h, negate(flipSign(loExp, by: bx)), l0)  // e^-(|bx| + lo sign(bx))
        // Below bx = -600, e = e^bx carried as h 2^n + l 2^n would lose l to the denormal range;
        // there log1p(e) = e to the last bit, so the tail is (h + l) 2^n, scaled once at the end.
        let rare = anyTrue(.!(absolute(bx) .<= 600))
        let s = pow2(rare ? atLeast(n, -1022) : n)
        let e = h * s
        // log1p(e + el) for e in [0, 1]: u = 1 + e is 2^k (1 + f) with k = 1 where u >= sqrt 2
        // (f = u/2 - 1, exact) and f = e itself below; c (the rounding error of u plus el, or el)
        // adds c 2^-k/(1 + f). No general log split: u is never denormal, negative or special.
        let el = l * s
        let u = 1 + e
        let big = u .>= 1.4142135623730951
        let f = e.replacing(with: 0.5 * u - 1, where: big)
        let c = el.replacing(with: ((e - (u - 1)) + el) * 0.5, where: big)
        let k = VD(repeating: 0).replacing(with: 1, where: big)
        let sr = logRatio(f)
        let inv = fmaD(sr, fmaD(sr, fmaD(sr, VD(repeating: -2), VD(repeating: 2)), VD(repeating: -2)), VD(repeating: 1))
        let log1pe = logCombine(f: f, s: sr, k: k, extra: c * inv)
        let positive = bx .> 0
        let linear = VD(repeating: 0).replacing(with: bx, where: positive)
        let linearLo = VD(repeating: 0).replacing(with: lo, where: positive)
        var y: VD
        if beta == 1 {
            y = linear + log1pe
        } else {
            let sum = linear + log1pe
            let bb = sum - linear
            let sumLo = ((linear - (sum - bb)) + (log1pe - bb)) + linearLo  // TwoSum
            y = divided(sum, sumLo, by: beta)
        }
        if rare {
            let tail = scaledWide(beta == 1 ? h + l : divided(h, l, by: beta), n)
            y = y.replacing(with: tail, where: bx .< -600)
        }
        let above = bx .> VD(repeating: threshold)
        var slopeValue = VD()
        if slope {
            if rare {
                slopeValue = softplusBackwardWide(x: x, gy: VD(repeating: 1), beta: beta, threshold: threshold)
            } else {
                // 1 + e = dh + dl (Fast2Sum: e <= 1), rd = 1/dh and err = rd (dh + dl) - 1.
                let dh = 1 + e
                let dl = ((1 - dh) + e) + el
                let rd = 1 / dh
                let (a, ac) = logisticQuotient(bx, e: e, el: el, r: rd, err: fmaD(rd, dl, productMinusOne(rd, dh)))
                slopeValue = (a + ac).replacing(with: 1, where: above)
            }
        }
        return (y.replacing(with: x, where: above), slopeValue)
    }

    /// gy sigmoid(beta x), and gy where beta x > threshold (torch softplus_backward), with the
    /// rounding error of beta x folded in (it would cost up to |beta x|/2 ulp in the tail).
    /// Within 1.03 ulp for beta = 1 (the common path) and 0.73 for other betas (measured, gy in [-1, 1]).
    @inlinable @inline(__always)
    public static func softplusBackward(x: SIMD8<Double>, gy: SIMD8<Double>, beta: Double,
                                        threshold: Double) -> SIMD8<Double> {
        if beta == 1 && !logisticOffFast(negativeAbsolute(x), gy) {
            return logisticTimesFast(gy, x).replacing(with: gy, where: x .> VD(repeating: threshold))
        }
        return softplusBackwardWide(x: x, gy: gy, beta: beta, threshold: threshold)
    }

    /// softplusBackward for beta != 1 and for vectors off the common path: the double-double form.
    @inline(never) @usableFromInline
    static func softplusBackwardWide(x: VD, gy: VD, beta: Double, threshold: Double) -> VD {
        let (bx, _, loExp) = scaledInput(x, beta: beta)
        return logisticValue(gy, bx, loExp).replacing(with: gy, where: bx .> VD(repeating: threshold))
    }

    /// gy * e^x given y = exp(x) (torch's exp backward, gy * result). Where y overflowed to inf
    /// but x is finite, gy e^x is recomputed as (gy (h + l)) 2^n in three factors, so that it is
    /// finite when |gy| is small enough (x up to ~1455 for denormal gy); rare, behind a branch.
    /// Within 1.45 ulp (measured, gy in [-1, 1]): exp's error and the product's rounding.
    @inlinable @inline(__always)
    public static func expBackward(x: SIMD8<Double>, y: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        let gx = gy * y
        // x is read only behind the branch, so that the common loop need not load it.
        if _fastPath(!anyTrue(y .== .infinity)) { return gx }
        return gx.replacing(with: expProductWide(x, gy), where: (y .== .infinity) .& (x .< .infinity))
    }

    /// gy e^x for 0 <= x < 1500 without intermediate overflow: gy is scaled up by 2^a first (so
    /// that a denormal gy keeps its bits), then multiplied by e^r exactly, then by 2^(n - a).
    @inline(never) @usableFromInline
    static func expProductWide(_ x: VD, _ gy: VD) -> VD {
        let xc = x.replacing(with: 1500, where: .!(x .< 1500))
        let (r, rLo, n) = reduceLn2(xc)
        let (h, l) = expReducedParts(r, rLo)
        let a = atMost(n, 1000)
        let gs = gy * pow2(a)
        let g = gs * h
        let gl = fmaD(gs, l, productError(gs, h, g))
        let rest = n &- a, b = rest &>> 1
        return (g + gl) * pow2(b) * pow2(rest &- b)
    }
}
