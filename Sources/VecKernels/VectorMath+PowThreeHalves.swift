// x^1.5 and its gradient 1.5 x^0.5 from one correctly rounded square root s and its exact residual
// d = x - s^2 (an FMA): sqrt(x) = s + d / (2s) to 2^-48 relative in float32, so a single product
// corrected by that term rounds once. The general pow (e^(1.5 ln x)) took 2.8 ms per 2^20 float32
// elements; float32 through float64 lanes spent two vsqrtpd per vector, 10 cycles each on the
// Zen 4, where one vsqrtps is as slow as both of them and float32 gets all 16 lanes from it (a C
// model of the loops on the Zen 4: forward 571 -> 188 us, backward 573 -> 233 us, max error 0.50
// ulp over random floats of every binade above 2^-60).

import CVecShim

extension VectorMath {
    /// Float32 lanes below this (or not finite, or negative) take the float64-lane path: the
    /// residual d ~ 2^-24 x, and the forward's correction ~2^-24 x^1.5, underflow into denormals
    /// below ~2^-100 and ~2^-66, and the residual of an infinite or NaN x is NaN. So do lanes from
    /// 2^100 (forward; the correction overflows from 2^101, where x^1.5 already does) and 2^126
    /// up (backward; 2.25 x overflows).
    @usableFromInline static let powThreeHalvesLeast: Float = 0x1p-60

    /// Whether some lane of x (after x + 0) is neither +0 nor in [2^-60, below): a vector the
    /// float32 forms below do not handle within 0.5 ulp.
    @inlinable @inline(__always)
    static func powThreeHalvesOutOfRange(_ x: V, below: Float) -> SIMDMask<VI> {
        .!(((x .>= V(repeating: powThreeHalvesLeast)) .& (x .< V(repeating: below))) .| (x .== 0))
    }

    /// x^1.5 for float32 lanes (torch.pow(x, 1.5)): x s + (s / 2) d with one rounding, within 0.5
    /// ulp plus 2^-46 relative where x is +-0 or in [2^-60, 2^100); a vector with other lanes goes
    /// through float64. Edges as pow's: -0 gives +0, -inf gives +inf, x < 0 NaN.
    @inlinable @inline(__always)
    static func powThreeHalves(_ x: V) -> V {
        let xp = x + 0  // -0 -> +0
        if _slowPath(anyTrue(powThreeHalvesOutOfRange(xp, below: 0x1p100))) { return powThreeHalvesWide(x) }
        let s = sqrtOfMagnitude(xp)
        let d = fma(negate(s), s, xp)  // exact: s is the correctly rounded root
        // x d / (2 s) = (s / 2) d to 2^-24 of a term that is itself 2^-24 of the result.
        return fma(xp, s, (0.5 * s) * d)
    }

    /// gy * 1.5 x^0.5 for float32 lanes (PowBackward0 at exponent 1.5): gy sqrt(2.25 x), with
    /// 2.25 x split exactly (q + ql) and the root corrected by its residual; within 0.5 ulp plus
    /// 2^-37 relative where x is +-0 or in [2^-60, 2^126), gy is finite and the result is above
    /// 2^-100 (below, within 1 ulp: gy delta rounds to the denormal spacing); other vectors go
    /// through float64. Not (1.5 gy) s with 1.5 gy split exactly: 1.5 gy overflows for |gy|
    /// above 2^127.4, where the gradient need not.
    @inlinable @inline(__always)
    static func powThreeHalvesBackward(x: V, gy: V) -> V {
        let xp = x + 0
        // An infinite gy would make gy delta inf - inf where delta < 0. A result that overflows
        // is inf all the same: gy delta is 2^-23 of gy s.
        if _slowPath(anyTrue(powThreeHalvesOutOfRange(xp, below: 0x1p126) .| .!(absolute(gy) .< .infinity))) {
            return powThreeHalvesBackwardWide(x: x, gy: gy)
        }
        let q = 2.25 * xp, ql = fma(V(repeating: 2.25), xp, negate(q))
        let s = sqrtOfMagnitude(q)
        let d = fma(negate(s), s, q) + ql  // 2.25 x - s^2: the FMA's part exact, as s is rounded once
        // 1/(2s) to 2^-14 (vrcp14ps) is enough for a term 2^-24 of s; x = 0 (d = 0) takes 1/1
        // instead of 1/0 = inf, which would make delta NaN.
        let delta = d * reciprocalEstimate((s + s).replacing(with: 1, where: xp .== 0))
        // gy's sign, which the exact gy (s + delta) has: for gy = -0 and delta < 0 the sum
        // is -0 + +0 = +0 (one vpternlogd).
        return float((bits(fma(gy, s, gy * delta)) & 0x7FFF_FFFF) | (bits(gy) & Int32.min))
    }

    /// powThreeHalves's rare vectors: the float64 form below, rounded to float32 (the same edges).
    @inline(never) @usableFromInline
    static func powThreeHalvesWide(_ x: V) -> V { inDouble(x, x) { x, _ in powThreeHalves(x) } }

    /// powThreeHalvesBackward's rare vectors: the float64 form below, rounded to float32.
    @inline(never) @usableFromInline
    static func powThreeHalvesBackwardWide(x: V, gy: V) -> V {
        inDouble(x, gy) { x, g in powThreeHalvesBackward(x: x, gy: g) }
    }

    /// x^1.5's gradient gy 1.5 x^0.5 for float64 lanes (`powBackward(x:gy:p:)` at p = 1.5): the
    /// root, rounded once, times gy 1.5 exactly, rounded once (`threeHalvesProduct`): within 1.5
    /// ulp (1.37 measured with random gy; 1 for gy = 1), where PyTorch's gy (1.5 sqrt(x)) rounds
    /// three times. pow's edges come from one select on the root (NaN for finite x < 0; -0 and
    /// -inf as |x|), one where gy 1.5 s is not finite, and gy's sign.
    @inlinable @inline(__always)
    static func powThreeHalvesBackward(x: VD, gy: VD) -> VD {
        let s = sqrtOfMagnitude(x).replacing(with: .nan, where: (x .< 0) .& (x .> -.infinity))
        let t = (gy * 1.5) * s
        // Where t is not finite (gy or x infinite, or the product overflows) the split's parts are
        // NaN: t itself. gy's sign, as the exact gy 1.5 s has: at x = 0, pg s - q s is -0 - -0 = +0
        // where q < 0.
        let r = threeHalvesProduct(gy: gy, root: s).replacing(with: t, where: .!(absolute(t) .< .infinity))
        return double((bits(r) & Int64.max) | (bits(gy) & Int64.min))
    }

    /// gy 1.5 s rounded once, for finite gy 1.5 s: pg s - q s, where pg = gy 1.5 rounded and
    /// q = pg - gy 1.5 exactly (an FMA), so q s is 2^-53 of the result and its own rounding 2^-106.
    /// Four operations; the split of both products (t + c) took six and a select.
    @inlinable @inline(__always)
    static func threeHalvesProduct(gy: VD, root s: VD) -> VD {
        let vp = VD(repeating: 1.5)
        let pg = gy * vp
        let q = fmaD(negate(gy), vp, pg)
        return fmaD(pg, s, negate(q * s))
    }

    /// Two vectors of `powThreeHalvesBackward(x:gy:)` (the backward driver's pairs where
    /// `UnaryDefinition.pairsBackward64`): the first root from vsqrtpd, the second from
    /// `sqrtByIteration` on the FMA pipes, so the divider and the FMA pipes work side by side (a
    /// loop of vsqrtpd waits ~16 cycles per vector on the Zen 4). A pair with every x in
    /// [2^-1000, 2^1000) and every |gy| below 2^1000 needs none of the single form's selects
    /// (which cost the gain in a C model: 35.6 -> 36.2 us per 2^16 instead of 28.6); other pairs
    /// take the single form twice. The same bits as two calls of the single form but where
    /// `sqrtByIteration` rounds the other way (0 of 2^20 random x differed in a C model), so a
    /// result does not depend on where its element falls.
    @inlinable @inline(__always)
    static func powThreeHalvesBackward(x0: VD, gy0: VD, x1: VD, gy1: VD) -> (VD, VD) {
        // min and max return one of their operands, so a NaN lane only ever sends the pair to the
        // single form (a NaN x or gy gives NaN on either path).
        let least = x0.replacing(with: x1, where: x1 .< x0), most = x0.replacing(with: x1, where: x1 .> x0)
        let g = absolute(gy0).replacing(with: absolute(gy1), where: absolute(gy1) .> absolute(gy0))
        let fast = (least .>= VD(repeating: 0x1p-1000)) .& (most .< VD(repeating: 0x1p1000)) .& (g .< VD(repeating: 0x1p1000))
        if _slowPath(vg_compiled_isa_level() < 2 || anyTrue(.!fast)) {
            return (powThreeHalvesBackward(x: x0, gy: gy0), powThreeHalvesBackward(x: x1, gy: gy1))
        }
        return (threeHalvesProduct(gy: gy0, root: sqrtOfMagnitude(x0)), threeHalvesProduct(gy: gy1, root: sqrtByIteration(x1)))
    }

    /// sqrt(x) for lanes in [2^-1000, 2^1000) without the divider: vrsqrt14pd (2^-14), two
    /// Goldschmidt steps on the root s and the half reciprocal root h together (2^-50), then s + h
    /// (x - s^2) with the residual exact by FMA, rounded once: vsqrtpd's correctly rounded root
    /// except where that lies within ~2^-100 relative of a rounding midpoint (one x in ~2^47;
    /// there the other neighbour, within 0.5 ulp plus 2^-47). AVX-512 only (elsewhere the
    /// estimate is 1/sqrt itself and the pair loop is not used).
    @inlinable @inline(__always)
    static func sqrtByIteration(_ x: VD) -> VD {
        let r = vg_rsqrt_estimate_f64x8(x)
        let half = VD(repeating: 0.5)
        var s = x * r, h = half * r
        var e = fmaD(negate(s), h, half)
        s = fmaD(s, e, s); h = fmaD(h, e, h)
        e = fmaD(negate(s), h, half)
        s = fmaD(s, e, s); h = fmaD(h, e, h)
        return fmaD(h, fmaD(negate(s), s, x), s)
    }

    /// x^1.5 for float64 lanes: x s + (s / 2) d rounded once, within 0.5 ulp plus 2^-104 relative
    /// (results below 2^-1000: within 1 ulp, the correction rounding to the denormal spacing too).
    /// Edges as pow's: +-0 gives +0, +-inf +inf, x < 0 and NaN NaN.
    @inlinable @inline(__always)
    static func powThreeHalves(_ x: VD) -> VD {
        let xp = x + 0
        let s = sqrt(xp)
        let d = fmaD(negate(s), s, xp)
        // d is NaN at +inf (inf - inf), and from 2^718 up the correction overflows (to -inf where
        // d < 0); x^1.5 overflows from 2^682.7, so every lane from 2^700, and -inf, is +inf.
        return fmaD(xp, s, (0.5 * s) * d).replacing(with: .infinity, where: (x .>= 0x1p700) .| (x .== -.infinity))
    }
}
