import CVecShim

// Vectorised float64 math on SIMD8<Double>, the float32 file's ideas at double precision:
// Cody-Waite reduction with FMA, polynomials, exponents built from integer bits, explicit edges,
// and rare paths (denormal results, overflow, huge arguments) behind a vector-wide branch. Where
// a result needs more than one rounding of precision (the exp tail inside sigmoid, 1 + e, the
// log's argument) it is carried as an unevaluated sum hi + lo. Divisions are a cubic guess plus
// Newton steps: vdivpd on zmm has a throughput of ~16 cycles, longer than all the rest of exp.
// Errors against Float80 are measured in Tests/VecKernelsTests/VectorMath64Tests.swift.
// Functions that share a name with a float32 one are @_disfavoredOverload: with no argument type
// to decide (`[VectorMath.exp, VectorMath.log]`) the name still means the float32 function.
extension VectorMath {
    @usableFromInline typealias VL = SIMD8<Int64>

    // MARK: helpers

    @inlinable @inline(__always) @_disfavoredOverload static func bits(_ x: VD) -> VL { x.bits }
    @inlinable @inline(__always) static func double(_ i: VL) -> VD { VD(bits: i) }
    @inlinable @inline(__always) @_disfavoredOverload static func absolute(_ x: VD) -> VD { double(bits(x) & Int64.max) }
    /// -x by flipping the sign bit (keeps -0 and NaN payloads, unlike 0 - x).
    @inlinable @inline(__always) @_disfavoredOverload static func negate(_ x: VD) -> VD { x.negated }
    @inlinable @inline(__always) @_disfavoredOverload static func negativeAbsolute(_ x: VD) -> VD { x.negativeAbsolute }
    /// The sign bit of `from` XOR-ed into `value`.
    @inlinable @inline(__always) static func flipSign(_ value: VD, by from: VD) -> VD {
        double(bits(value) ^ (bits(from) & Int64.min))
    }

    /// Whether any lane of the mask is set, without `any(_:)`'s out-of-line reduction.
    @inlinable @inline(__always)
    @_disfavoredOverload static func anyTrue(_ m: SIMDMask<VL>) -> Bool {
        let v = unsafeBitCast(m, to: VL.self)
        let a = v.lowHalf | v.highHalf
        let b = a.lowHalf | a.highHalf
        return (b[0] | b[1]) != 0
    }

    /// The rounding error of p = a*b, exactly (fmaD(a, b, -p)). negate, not prefix -: SIMD's -p
    /// is 0 - p, one more vsubpd per call, where the sign flip folds into vfmsub (the results are
    /// the same: p = 0 only where a*b is that same zero).
    @inlinable @inline(__always)
    @_disfavoredOverload static func productError(_ a: VD, _ b: VD, _ p: VD) -> VD { fmaD(a, b, negate(p)) }

    /// 2^n for n in [-1022, 1023], from the exponent bits.
    @inlinable @inline(__always)
    @_disfavoredOverload static func pow2(_ n: VL) -> VD { double((n &+ 1023) &<< 52) }

    /// v * 2^n for n in [-2044, 2046] in two factors, so that a denormal result rounds once and
    /// an overflowing one becomes inf instead of wrapping the exponent bits.
    @inlinable @inline(__always)
    static func scaledWide(_ v: VD, _ n: VL) -> VD {
        let n1 = n &>> 1
        return v * pow2(n1) * pow2(n &- n1)
    }

    /// v 2^n for |n| <= 3000 in three factors (the first clamped to ±1000): gradients multiply a
    /// small gy by an e^z beyond the float64 range. A denormal result may round twice (< 1 ulp).
    @inlinable @inline(__always)
    static func scaledWide3(_ v: VD, _ n: VL) -> VD {
        let a = atLeast(atMost(n, 1000), -1000)
        let rest = n &- a, b = rest &>> 1
        return v * pow2(a) * pow2(b) * pow2(rest &- b)
    }

    /// 1.5 * 2^52: adding it rounds to an integer, which then sits in the low mantissa bits.
    @usableFromInline static let roundMagicD: Double = 6_755_399_441_055_744
    @usableFromInline static let roundMagicDBits: Int64 = 0x4338_0000_0000_0000
    @usableFromInline static let log2eD: Double = 1.4426950408889634074
    // fdlibm's split of ln 2: the high part has 32 significant bits, so n*ln2HiD is exact for
    // |n| < 2^21 and x - n*ln2HiD is exact, with or without FMA.
    @usableFromInline static let ln2HiD: Double = 6.93147180369123816490e-01
    @usableFromInline static let ln2LoD: Double = 1.90821492927058770002e-10

    /// Integer lanes (|k| < 2^51) as doubles: `VD(k)` compiles to an out-of-line lane loop.
    @inlinable @inline(__always)
    static func doubleValue(_ k: VL) -> VD { double(k &+ roundMagicDBits) - VD(repeating: roundMagicD) }

    /// r d - 1 for r ~ 1/d (|r d - 1| < 2^-40), exactly but for a final rounding (r d rounded
    /// alone loses 2^-53).
    @inlinable @inline(__always)
    static func productMinusOne(_ r: VD, _ d: VD) -> VD { fmaD(r, d, VD(repeating: -1)) }

    /// 1/d to 2^-14 relative for normal positive d with a normal reciprocal: vrcp14pd under
    /// AVX-512; elsewhere the exponent-bit estimate (5.1%, vg_reciprocal_estimate_f64x8) and two
    /// Newton steps (0.26%, then 7e-6). The estimate alone let gelu(tanh)'s correction (geluTanhFast) of up to 2^-44
    /// reach 21 ulp (VectorMath64MishTests, a build without -march=native).
    @inlinable @inline(__always)
    static func reciprocal14(_ d: VD) -> VD {
        let e = vg_reciprocal_estimate_f64x8(d)
        if vg_compiled_isa_level() >= 2 { return e }
        let e1 = fmaD(e, fmaD(negate(d), e, VD(repeating: 1)), e)
        return fmaD(e1, fmaD(negate(d), e1, VD(repeating: 1)), e1)
    }

    /// max(n, m) with sign masks: Int64 lane compares and selects compile to per-lane branches.
    @inlinable @inline(__always)
    static func atLeast(_ n: VL, _ m: Int64) -> VL {
        let below = (n &- m) &>> 63  // all ones where n < m (no overflow for |n|, |m| < 2^62)
        return (n & ~below) | (VL(repeating: m) & below)
    }

    /// min(n, m) with sign masks.
    @inlinable @inline(__always)
    static func atMost(_ n: VL, _ m: Int64) -> VL {
        let above = (m &- n) &>> 63  // all ones where n > m
        return (n & ~above) | (VL(repeating: m) & above)
    }

    /// 1/d for d in [1, 2], correctly rounded. A vdivpd: a cubic guess and two Newton steps
    /// (10 vector ops) measured 25% slower in sigmoid (2.75 vs 2.15 ms per 2^20) and a float32
    /// vdivps plus one step 15% slower; the division's latency hides behind the exp polynomial.
    /// Callers finish with one correction on d as hi + lo. vrcp14pd's estimate and two Newton
    /// steps in its place (here, in log and in the logistic quotients), on the Xeon (family 6
    /// model 207), where vdivpd zmm issues once per 16 cycles: written in Swift, LLVM split them
    /// into xmm and scalar pieces (sigmoid forward 1.16 -> 2.86 ms per 2^20); as one C function
    /// of AVX-512 builtins they stayed whole and were still 2-8% slower (`vecbench ab`, 5 rounds;
    /// log 1.04 -> 1.12 ms): these loops are bound by their count of FMA-pipe operations, which
    /// the four FMAs raise, not by the divider.
    @inlinable @inline(__always)
    static func reciprocalOneTwo(_ d: VD) -> VD { 1 / d }

    /// The polynomial with coefficients `coefficient(0) ... coefficient(count - 1)`, highest
    /// degree first, as two Horner chains in u^2 (even and odd powers): half the latency of one
    /// chain, which bounds these long polynomials (~4 cycles per step).
    @inlinable @inline(__always)
    static func polynomial(_ u: VD, count: Int, _ coefficient: (Int) -> VD) -> VD {
        let u2 = u * u
        // Powers count-1-k: the last coefficient is u^0. Chain A takes k with count-1-k even.
        var a = coefficient((count - 1) % 2), b = coefficient(1 - (count - 1) % 2)
        var k = 2 + (count - 1) % 2
        while k < count {
            a = fmaD(a, u2, coefficient(k))
            k += 2
        }
        k = 3 - (count - 1) % 2
        while k < count {
            b = fmaD(b, u2, coefficient(k))
            k += 2
        }
        return fmaD(b, u, a)
    }

    // MARK: exp family

    /// n = round(x / ln 2) and r + rLo = x - n ln 2, |r| <= ln2/2 (a hair more at ties), rLo the
    /// rounding error of r. Valid for |x| < 2^20 (callers clamp).
    @inlinable @inline(__always)
    @_disfavoredOverload static func reduceLn2(_ x: VD) -> (r: VD, rLo: VD, n: VL) {
        let t = fmaD(x, VD(repeating: log2eD), VD(repeating: roundMagicD))
        let nf = t - VD(repeating: roundMagicD)
        let r0 = fmaD(nf, VD(repeating: -ln2HiD), x)  // exact
        let r = fmaD(nf, VD(repeating: -ln2LoD), r0)
        let rLo = fmaD(nf, VD(repeating: -ln2LoD), r0 - r)
        return (r, rLo, bits(t) &- roundMagicDBits)
    }

    /// (e^r - 1 - r - r^2/2) / r^3, Taylor to r^14 (truncation < 2^-62 relative to e^r - 1 on
    /// |r| <= 0.35), in Estrin form for a shorter dependency chain.
    @inlinable @inline(__always)
    static func expCubicTail(_ r: VD) -> VD {
        let r2 = r * r, r4 = r2 * r2
        let a = fmaD(VD(repeating: 1.0 / 24), r, VD(repeating: 1.0 / 6))
        let b = fmaD(VD(repeating: 1.0 / 720), r, VD(repeating: 1.0 / 120))
        let c = fmaD(VD(repeating: 1.0 / 40320), r, VD(repeating: 1.0 / 5040))
        let d = fmaD(VD(repeating: 1.0 / 3_628_800), r, VD(repeating: 1.0 / 362_880))
        let e = fmaD(VD(repeating: 1.0 / 479_001_600), r, VD(repeating: 1.0 / 39_916_800))
        let f = fmaD(VD(repeating: 1.0 / 87_178_291_200), r, VD(repeating: 1.0 / 6_227_020_800))
        let ef = fmaD(f, r2, e)
        let cd = fmaD(d, r2, c)
        let cdef = fmaD(ef, r4, cd)
        return fmaD(cdef, r4, fmaD(b, r2, a))
    }

    /// e^r - 1 - r (|r| <= 0.35), within ~1.5 ulp of itself.
    @inlinable @inline(__always)
    static func expQuadratic(_ r: VD) -> VD {
        (r * r) * fmaD(expCubicTail(r), r, VD(repeating: 0.5))
    }

    /// e^(r + rLo) as hi + lo with |lo| <= ulp(hi)/2: 1 + r split exactly, q and rLo added in,
    /// then renormalised. Error ~2^-60 relative.
    @inlinable @inline(__always)
    @_disfavoredOverload static func expReducedParts(_ r: VD, _ rLo: VD) -> (hi: VD, lo: VD) {
        let h = 1 + r
        let hl = (1 - h) + r
        let m = fmaD(rLo, h, hl + expQuadratic(r))
        let hi = h + m
        return (hi, (h - hi) + m)
    }

    /// e^x as (hi + lo) * 2^n for x <= 0 or NaN, clamped at -1400: every use rounds to 0 there,
    /// and n >= -2020 keeps scaledWide's two factors in range.
    @inlinable @inline(__always)
    @_disfavoredOverload static func expNonPositiveParts(_ x: VD) -> (hi: VD, lo: VD, n: VL) {
        let xc = x.replacing(with: -1400, where: x .< -1400)
        let (r, rLo, n) = reduceLn2(xc)
        let (h, l) = expReducedParts(r, rLo)
        return (h, l, n)
    }

    /// e^x, the PyTorch function torch.exp on float64. Within 0.95 ulp (measured, VectorMath64Tests;
    /// 0.97 over 800k random points, as before the Horner change), denormal results
    /// included; overflow to inf above 709.78, 0 below -745.13, NaN passes. Vectors whose
    /// lanes all lie within |x| < 708 (all results normal) take Sleef's short form: one rounded
    /// reduction and a minimax polynomial, no double-double, no clamps, a single 2^n factor.
    /// That path is bound by the FMA ports (in cache 47 us per 2^16 with 27 vector ops per 8 lanes,
    /// PyTorch/MKL 32): Horner form (10 FMAs where Estrin takes 13 operations) and 2^n (1 + q)
    /// as one FMA leave 22, measured 41-42 us in a standalone loop.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func exp(_ x: SIMD8<Double>) -> SIMD8<Double> {
        if _slowPath(anyTrue(.!(absolute(x) .< 708))) { return expWide(x) }
        let t = fmaD(x, VD(repeating: log2eD), VD(repeating: roundMagicD))
        let nf = t - VD(repeating: roundMagicD)
        let s = fmaD(nf, VD(repeating: -ln2LoD), fmaD(nf, VD(repeating: -ln2HiD), x))
        let scale = pow2(bits(t) &- roundMagicDBits)
        return fmaD(fmaD(s * s, expPolyFast(s), s), scale, scale)
    }

    /// e^x for vectors with a lane beyond |x| < 708 (or NaN): clamped, reduced as a double-double,
    /// and scaled by two factors, so that a denormal result rounds once and an overflow gives inf.
    @inline(never) @usableFromInline
    static func expWide(_ x: VD) -> VD {
        var xc = x.replacing(with: 710, where: x .> 710)
        xc = xc.replacing(with: -746, where: xc .< -746)
        let (r, rLo, n) = reduceLn2(xc)
        let h = 1 + r
        let y = h + fmaD(rLo, h, ((1 - h) + r) + expQuadratic(r))
        return scaledWide(y, n)
    }

    /// e^x - 1 (torch.expm1), relative accuracy near 0: 2^n expm1(r) + (2^n - 1) is summed as a
    /// double-double, so nothing cancels where 2^n e^r is near 1. Within 0.58 ulp (measured);
    /// -0 stays -0, -inf gives -1, inf and x > 709.78 give inf.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func expm1(_ x: SIMD8<Double>) -> SIMD8<Double> {
        expm1(x, reduced: expm1Reduced(x))
    }

    /// expm1 from its reduction (expm1Reduced), apart so that the grad-mode forward
    /// (expm1WithExp) reads e^x off the same parts and its y is this one.
    @inlinable @inline(__always)
    @_disfavoredOverload static func expm1(_ x: VD, reduced p: (mh: VD, ml: VD, n: VL)) -> VD {
        let (hi, lo) = expm1Parts(reduced: p)
        var y = hi + lo
        if _slowPath(anyTrue(x .> 709)) { y = y.replacing(with: exp(x), where: x .> 709) }
        return y.replacing(with: x, where: x .== 0)
    }

    /// expm1(x) as hi + lo (|lo| <= ulp(hi)/2) for x <= 709 or NaN; x is clamped at -40, where
    /// e^x - 1 is -1 to 2^-57.
    @inlinable @inline(__always)
    static func expm1Parts(_ x: VD) -> (hi: VD, lo: VD) { expm1Parts(reduced: expm1Reduced(x)) }

    /// expm1Parts from its reduction (expm1Reduced): 2^n (1 + mh + ml) - 1 as hi + lo.
    @_transparent @usableFromInline
    static func expm1Parts(reduced p: (mh: VD, ml: VD, n: VL)) -> (hi: VD, lo: VD) {
        let (mh, ml, n) = p
        let sc = vg_opaque_f64x8(pow2(n))  // see vg_opaque_f64x8
        let a = sc * mh, b = sc - 1  // a exact while -969 < n, b while -54 < n < 54
        let s = a + b
        let bb = s - a
        let sumErr = (a - (s - bb)) + (b - bb)  // TwoSum
        let cb = b - sc
        let bErr = (sc - (b - cb)) + (-1 - cb)  // TwoSum: b's own error where |n| >= 54
        let err = fmaD(sc, ml, sumErr + bErr)
        let hi = s + err
        return (hi, (s - hi) + err)
    }

    /// expm1Parts's reduction: x clamped to [-40, 709] as n ln2 + r (+ rLo), and e^(r + rLo) - 1 =
    /// mh + ml. Apart so that elu's grad-mode forward reads e^x = 2^n (1 + mh + ml) off the same
    /// parts (VectorMath64+SavedSlope), where (e^x - 1) + 1 would cancel.
    @_transparent @usableFromInline
    static func expm1Reduced(_ x: VD) -> (mh: VD, ml: VD, n: VL) {
        var xc = x.replacing(with: -40, where: x .< -40)
        xc = xc.replacing(with: 709, where: xc .> 709)
        let (r, rLo, n) = reduceLn2(xc)
        // e^r - 1 = r + r^2/2 + r^3 T(r) with r^2/2 split exactly: a rounded r^2 T(r) alone
        // would be off by 2^-55, up to 0.4 ulp of results like expm1(0.36) = 2(e^r - 1) + 1.
        let r2 = r * r
        let h2 = 0.5 * r2
        let mh = r + h2
        let tail = fmaD(r2 * r, expCubicTail(r), 0.5 * productError(r, r, r2))
        return (mh, fmaD(rLo, mh, rLo) + (((r - mh) + h2) + tail), n)
    }

    // MARK: log family

    /// Splits positive x (normal or denormal) as 2^k (1 + f) with 1 + f in [sqrt(1/2), sqrt(2));
    /// f is exact. k comes as integers and as doubles.
    @inlinable @inline(__always)
    @_disfavoredOverload static func logSplit(_ x: VD) -> (f: VD, k: VD, ki: VL) {
        let denormal = x .< Double.leastNormalMagnitude
        let xs = x.replacing(with: x * 0x1p52, where: denormal)
        let sqrtHalfBits: Int64 = 0x3FE6_A09E_667F_3BCD
        let ix = bits(xs) &- sqrtHalfBits  // the mantissa wraps at sqrt(2)
        var k = ix &>> 52
        k = k.replacing(with: k &- 52, where: denormal)
        let m = double((ix & 0x000F_FFFF_FFFF_FFFF) &+ sqrtHalfBits)
        return (m - 1, doubleValue(k), k)
    }

    /// s = f/(2 + f) for f in [sqrt(1/2) - 1, sqrt(2) - 1), by a Newton reciprocal (2e-16
    /// relative: s enters the log only through its s^3 terms, so that is ample).
    @inlinable @inline(__always)
    static func logRatio(_ f: VD) -> VD { logRatioAndReciprocal(f).s }

    /// s = f/(2 + f) and 1/(2 + f), both to 2e-16 relative (one vdivpd: see reciprocalOneTwo).
    @inlinable @inline(__always)
    static func logRatioAndReciprocal(_ f: VD) -> (s: VD, r: VD) {
        let r = 1 / (2 + f)
        return (f * r, r)
    }

    /// log(1 + f) + k ln 2 + extra in fdlibm's form (< 1 ulp): R(s^2) minimax, the small terms
    /// summed before f and k ln2Hi; s = logRatio(f).
    @inlinable @inline(__always)
    @_disfavoredOverload static func logCombine(f: VD, s: VD, k: VD, extra: VD) -> VD {
        // R(z) = z (Lg1 + z (Lg2 + ... + z Lg7)) in one Horner chain: 8 operations where fdlibm's
        // two chains in z^2 (its t1 and t2) take 10. The loop is bound by its count of FMA-pipe
        // operations, and the longer chain's latency overlaps across vectors.
        let z = s * s
        var t = fmaD(z, VD(repeating: 1.479819860511658591e-01), VD(repeating: 1.531383769920937332e-01))
        t = fmaD(t, z, VD(repeating: 1.818357216161805012e-01))
        t = fmaD(t, z, VD(repeating: 2.222219843214978396e-01))
        t = fmaD(t, z, VD(repeating: 2.857142874366239149e-01))
        t = fmaD(t, z, VD(repeating: 3.999999999940941908e-01))
        t = fmaD(t, z, VD(repeating: 6.666666666666735130e-01)) * z
        let hfsq = 0.5 * f * f
        let small = fmaD(s, hfsq + t, fmaD(k, VD(repeating: ln2LoD), extra))
        return fmaD(k, VD(repeating: ln2HiD), f - (hfsq - small))
    }

    /// Natural log (torch.log), within 1 ulp (fdlibm's bound; 0.80 measured): log(±0) = -inf, log(x < 0) = NaN,
    /// log(inf) = inf, NaN passes; denormal inputs are scaled by 2^52 first.
    /// Vectors of normal positive finite lanes only (the common case) split x without the
    /// denormal scaling and skip the special-value selects.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func log(_ x: SIMD8<Double>) -> SIMD8<Double> {
        if _slowPath(anyTrue(.!((x .>= Double.leastNormalMagnitude) .& (x .< .infinity)))) { return logWide(x) }
        let sqrtHalfBits: Int64 = 0x3FE6_A09E_667F_3BCD
        let ix = bits(x) &- sqrtHalfBits  // the mantissa wraps at sqrt(2)
        let f = double((ix & 0x000F_FFFF_FFFF_FFFF) &+ sqrtHalfBits) - 1
        return logCombine(f: f, s: logRatio(f), k: doubleValue(ix &>> 52), extra: VD(repeating: 0))
    }

    /// log for vectors with a zero, negative, denormal, infinite or NaN lane.
    @inline(never) @usableFromInline
    static func logWide(_ x: VD) -> VD {
        let (f, k, _) = logSplit(x)
        var y = logCombine(f: f, s: logRatio(f), k: k, extra: VD(repeating: 0))
        y = y.replacing(with: .nan, where: x .< 0)
        y = y.replacing(with: -.infinity, where: x .== 0)
        return y.replacing(with: x, where: .!(x .< .infinity))  // +inf and NaN
    }

    /// log(1 + x) (torch.log1p), within 1 ulp: u = 1 + x is split as for log and the rounding
    /// error c of 1 + x adds c/u; where 2^k = 1 the polynomial takes x itself. -0 stays -0,
    /// log1p(-1) = -inf, x < -1 gives NaN.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func log1p(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let one = VD(repeating: 1)
        let u = one + x
        var c = (x - (u - one)).replacing(with: one - (u - x), where: absolute(x) .> 1)
        var (f, k, ki) = logSplit(u)
        let unscaled = k .== 0
        f = f.replacing(with: x, where: unscaled)
        c = c.replacing(with: 0, where: unscaled)
        // c/u = c 2^-k / (1 + f), and 1/(1 + f) = (1 - s)/(1 + s) ~ 1 - 2s + 2s^2 - 2s^3 (s =
        // f/(2+f) <= 0.172, error < 0.2%): c is at most ~2 ulp of the result, so no division.
        let kc = atMost(ki, 1000)  // c/u is negligible there
        let s = logRatio(f)
        let inv = fmaD(s, fmaD(s, fmaD(s, VD(repeating: -2), VD(repeating: 2)), VD(repeating: -2)), one)
        var y = logCombine(f: f, s: s, k: k, extra: c * pow2(0 &- kc) * inv)
        y = y.replacing(with: .nan, where: x .< -1)
        y = y.replacing(with: -.infinity, where: x .== -1)
        y = y.replacing(with: x, where: .!(x .< .infinity))  // +inf and NaN
        return y.replacing(with: x, where: x .== 0)  // keeps -0
    }
}
