import CVecShim

// x^p for a scalar real p on SIMD8<Double>: e^(p log|x|) with log|x| as a double-double good to
// ~2^-66 relative (p log|x| reaches 745 before the result underflows, so its absolute error must
// stay below ~2^-56), the product split exactly, then exp's reduction with the low part added to
// r's. C's (and torch.pow's) edge values are selects on top; p is a scalar, so its class (zero,
// NaN, infinite, integer, odd) is decided once per call.
extension VectorMath {
    /// log(ax) as hi + lo for positive finite ax (normal or denormal): ax = 2^k (1 + f),
    /// log(1 + f) = 2 atanh(s) = 2s + (2/3)s^3 + s^5 P(s^2), s = f/(2 + f) <= 0.172, with s,
    /// s^3 and the sums carried as double-doubles; the s^5 tail is below 2^-12 of the result.
    @inlinable @inline(__always)
    static func logParts(_ ax: VD) -> (hi: VD, lo: VD) {
        let (f, k, _) = logSplit(ax)
        let dh = 2 + f
        let dl = (2 - dh) + f
        let (sh, r) = logRatioAndReciprocal(f)  // f/(2 + f) and 1/(2 + f) to 2e-16
        let p = sh * dh
        let sl = (((f - p) - productError(sh, dh, p)) - sh * dl) * r  // the quotient's remainder
        let s2h = sh * sh
        let s2l = fmaD(sh + sh, sl, productError(sh, sh, s2h))
        let s3h = s2h * sh
        let s3l = fmaD(s2l, sh, fmaD(s2h, sl, productError(s2h, sh, s3h)))
        let c3 = VD(repeating: 0x1.5555555555555p-1), c3Lo = VD(repeating: 0x1.5555555555555p-55)  // 2/3
        let t3h = c3 * s3h
        let t3l = fmaD(c3, s3l, fmaD(c3Lo, s3h, productError(c3, s3h, t3h)))
        // 2/5 + 2/7 z + ... + 2/25 z^10, z = s^2 <= 0.0295: truncation < 2^-66 of log(1 + f).
        let z = s2h, z2 = z * z, z4 = z2 * z2
        let p01 = fmaD(VD(repeating: 2.0 / 7), z, VD(repeating: 2.0 / 5))
        let p23 = fmaD(VD(repeating: 2.0 / 11), z, VD(repeating: 2.0 / 9))
        let p45 = fmaD(VD(repeating: 2.0 / 15), z, VD(repeating: 2.0 / 13))
        let p67 = fmaD(VD(repeating: 2.0 / 19), z, VD(repeating: 2.0 / 17))
        let p89 = fmaD(VD(repeating: 2.0 / 23), z, VD(repeating: 2.0 / 21))
        let pHigh = fmaD(fmaD(VD(repeating: 2.0 / 25), z2, p89), z4, fmaD(p67, z2, p45))
        let poly = fmaD(pHigh, z4, fmaD(p23, z2, p01))
        let twoS = sh + sh
        let a = twoS + t3h
        let rest = (((twoS - a) + t3h) + (sl + sl)) + fmaD(s3h * s2h, poly, t3l)
        // k ln2: the high part has 32 bits, so k * ln2HiD is exact.
        let kh = k * VD(repeating: ln2HiD)
        let b = kh + a
        let bb = b - kh
        let e = (kh - (b - bb)) + (a - bb)  // TwoSum
        let lo = fmaD(k, VD(repeating: ln2LoD), e + rest)
        let hi = b + lo
        return (hi, (b - hi) + lo)
    }

    /// ax^(qh + ql) = (hi + lo) 2^n for positive finite ax, from logParts; `rare` when a lane
    /// may need a multi-factor scaling (|q log ax| > 708). Overflow and underflow come from the
    /// clamps at `upper` (710 for x^q itself; 1500 where the caller multiplies by a small
    /// factor first) and -1400. Transparent: as @inline(__always) the loops of pow and its
    /// gradient called it once per vector (`objdump -d`), its SIMD8<Double> arguments passed in
    /// xmm quarters and its four results through memory.
    @_transparent @usableFromInline
    static func powParts(_ ax: VD, _ qh: Double, _ ql: Double, upper: Double) -> (hi: VD, lo: VD, n: VL, rare: Bool) {
        let (lh, ll) = logParts(ax)
        let vq = VD(repeating: qh)
        let zh = vq * lh
        var zl = fmaD(vq, ll, fmaD(VD(repeating: ql), lh, productError(vq, lh, zh)))
        zl = zl.replacing(with: 0, where: .!(absolute(zh) .< 1400))
        var zc = zh.replacing(with: upper, where: zh .> VD(repeating: upper))
        zc = zc.replacing(with: -1400, where: zc .< -1400)
        let (r0, rLo, n) = reduceLn2(zc)
        // zl reaches ~1e-13 (|z| ~ 700): added to r first, so that the low part expReducedParts
        // scales by 1 + r instead of e^r stays at the 2^-55 of a rounding.
        let w = rLo + zl
        let r = r0 + w
        let (hi, lo) = expReducedParts(r, (r0 - r) + w)
        return (hi, lo, n, anyTrue(.!(absolute(zh) .<= 708)))
    }

    /// x^q by C's rules where ax = |x| is 0, inf or NaN, or x < 0 with q not an integer (NaN);
    /// `special` marks those lanes. q is finite and nonzero.
    @_transparent @usableFromInline
    static func powEdges(_ x: VD, _ q: Double, integer: Bool) -> (special: SIMDMask<VL>, value: VD) {
        let ax = absolute(x)
        let zero = ax .== 0, infinite = ax .== .infinity
        var v = VD(repeating: q > 0 ? 0 : .infinity).replacing(with: q > 0 ? .infinity : 0, where: infinite)
        v = v.replacing(with: .nan, where: x .!= x)
        var special = zero .| infinite .| (x .!= x)
        if !integer {
            let negative = (x .< 0) .& .!infinite
            v = v.replacing(with: .nan, where: negative)
            special = special .| negative
        }
        return (special, v)
    }

    /// The class of a finite nonzero exponent: integer, odd integer.
    @inlinable @inline(__always)
    static func exponentClass(_ q: Double) -> (integer: Bool, odd: Bool) {
        let integer = q.rounded(.towardZero) == q
        return (integer, integer && q.magnitude < 0x1p53 && q.truncatingRemainder(dividingBy: 2) != 0)
    }

    /// x^p for p = ±inf or NaN (C's rules: |x| = 1 gives 1, NaN p gives NaN otherwise).
    @inline(never) @usableFromInline
    static func powNonFinite(_ x: VD, _ p: Double) -> VD {
        let ax = absolute(x)
        var y: VD
        if p.isNaN {
            y = VD(repeating: .nan)
        } else {
            y = VD(repeating: p > 0 ? 0 : .infinity).replacing(with: p > 0 ? .infinity : 0, where: ax .> 1)
            y = y.replacing(with: .nan, where: x .!= x)
        }
        return y.replacing(with: 1, where: x .== 1 .| (ax .== 1 .& VD(repeating: p) .== VD(repeating: p)))
    }

    /// x^p (torch.pow with a scalar exponent; C pow's edges): within 1 ulp (measured 0.82) for
    /// every finite x and p, denormal results included; p == 0 gives 1 for every x, NaN too;
    /// x < 0 gives NaN unless p is an integer (then the sign of x for odd p); x = ±0 and ±inf
    /// give 0 or inf by the sign of p; p == 1 and 2 are exact shortcuts.
    @inlinable @inline(__always)
    public static func pow(_ x: SIMD8<Double>, _ p: Double) -> SIMD8<Double> {
        if p == 0 { return VD(repeating: 1) }
        if p == 1 { return x }
        if p == 2 { return x * x }
        if !p.isFinite { return powNonFinite(x, p) }
        let (integer, odd) = exponentClass(p)
        let (hi, lo, n, rare) = powParts(absolute(x), p, 0, upper: 710)
        var y = scaled(hi + lo, n, rare: rare)
        let (special, edge) = powEdges(x, p, integer: integer)
        y = y.replacing(with: edge, where: special)
        return odd ? double(bits(y) ^ (bits(x) & Int64.min)) : y
    }

    /// gy p x^(p-1) (torch's pow_backward), 0 everywhere for p == 0 (even at NaN, inf or an
    /// infinite gy: torch masks it). p - 1 is carried exactly as a double-double, and gy p as
    /// one, so the only rounding is the last: within 1 ulp (measured; p = 1.5 takes the rounded
    /// square root, within 1.5 ulp). Edge lanes (x = 0, inf, NaN) follow pow's rules for
    /// x^(p-1) times gy p.
    @inlinable @inline(__always)
    public static func powBackward(x: SIMD8<Double>, gy: SIMD8<Double>, p: Double) -> SIMD8<Double> {
        if p == 0 { return VD(repeating: 0) }
        if p == 1 { return gy }
        if !p.isFinite { return gy * (p * powNonFinite(x, p - 1)) }
        let qh = p - 1
        let bq = qh - p
        let qErr = (p - (qh - bq)) + (-1 - bq)  // TwoSum: p - 1 = qh + qErr
        // x^1.5's gradient: x^0.5 = sqrt(x) (rounded once; PyTorch's pow takes sqrt too), times
        // gy p split exactly: within 1.5 ulp at a fraction of the double-double log's cost.
        if qh == 0.5 && qErr == 0 { return powThreeHalvesBackward(x: x, gy: gy) }
        let vp = VD(repeating: p)
        let pg = gy * vp
        let pgl = productError(gy, vp, pg)
        let (integer, odd) = exponentClass(qh)
        // x^(p-1) may overflow where gy p x^(p-1) does not: exponents up to 1500, three factors.
        let (hi, lo, n, rare) = powParts(absolute(x), qh, qErr, upper: 1500)
        let t = pg * hi
        let c = fmaD(pg, lo, fmaD(pgl, hi, productError(pg, hi, t)))
        let v = productFinishSplit(t, c)
        var g = rare ? scaledWide3(v, n) : v * pow2(n)
        let (special, edge) = powEdges(x, qh, integer: integer)
        g = g.replacing(with: pg * edge, where: special)
        return odd ? double(bits(g) ^ (bits(x) & Int64.min)) : g
    }

    /// x^0.5 with pow's edges: sqrt, except pow(-0, 0.5) = +0 and pow(-inf, 0.5) = +inf.
    /// Transparent: as @inline(__always) the float64 pow backward's loop called it per vector
    /// (`objdump -d`: a call, SIMD8<Double> passed in xmm quarters; pow(1.5) float64 backward at
    /// 2^20, when it took this root, `vecbench ab` 4 rounds, 533 -> 309 us on a Xeon).
    @_transparent @usableFromInline
    static func powHalf(_ x: VD) -> VD {
        sqrt(x + 0).replacing(with: .infinity, where: x .== -.infinity)
    }

    /// x^p for float32 values widened to float64 lanes (rounded to float32 by the caller): e^(p ln|x|)
    /// from expOfScaledLogForFloat32, within ~2^-41 of x^p for every finite nonzero float32 result,
    /// so the rounding to float32 is the only one that counts (0.50 ulp, vecbench accuracy). The double-double log
    /// of `pow` is for float64 results only. Edges as `pow`.
    @inlinable @inline(__always)
    static func powForFloat32(_ x: VD, _ p: Double) -> VD {
        if p == 0 { return VD(repeating: 1) }
        if p == 1 { return x }
        if p == 2 { return x * x }
        if !p.isFinite { return powNonFinite(x, p) }
        let (integer, odd) = exponentClass(p)
        var y = expOfScaledLogForFloat32(absolute(x), p)
        let (special, edge) = powEdges(x, p, integer: integer)
        y = y.replacing(with: edge, where: special)
        return odd ? double(bits(y) ^ (bits(x) & Int64.min)) : y
    }

    /// gy p x^(p-1) for float32 values in float64 lanes, x^(p-1) from powForFloat32 (torch's
    /// pow_backward: 0 for p == 0; p = 1.5 has its own record, PowThreeHalvesOp). x^(p-1) is held
    /// within e^±700 (expOfScaledLogForFloat32): beyond, gy p x^(p-1) is 0 or inf in float32 for
    /// every float32 gy and any |p| below 1e220.
    @inlinable @inline(__always)
    static func powBackwardForFloat32(x: VD, gy: VD, p: Double) -> VD {
        if p == 0 { return VD(repeating: 0) }
        return gy * VD(repeating: p) * powForFloat32(x, p - 1)
    }

    /// t + c, or t itself where t is not finite (an infinite gy p would make c NaN).
    @inlinable @inline(__always)
    static func productFinishSplit(_ t: VD, _ c: VD) -> VD {
        (t + c).replacing(with: t, where: .!(absolute(t) .< .infinity))
    }
}
