import CVecShim
import Foundation

// logSigmoid, elu, silu and gelu on SIMD8<Double>, forward and backward, with PyTorch's
// semantics, built on the logistic pieces of VectorMath64+Logistic.swift and on erfc. Where a
// gradient crosses zero (silu', gelu') a Taylor series around the zero, taken as hi + lo, keeps
// relative accuracy; everywhere else the factors are double-doubles and the result rounds once.
extension VectorMath {
    /// log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|) (torch.nn.functional.logsigmoid) as
    /// -softplus(-x): within softplus's 1.2 ulp. +0 where the result is exactly 0 (x > ~745),
    /// as PyTorch's min(x, 0) - 0; -inf at -inf, NaN passes.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func logSigmoid(_ x: SIMD8<Double>) -> SIMD8<Double> {
        0 - softplus(negate(x), beta: 1, threshold: .infinity)
    }

    /// gy (1 - sigmoid(x)) = gy sigmoid(-x), logSigmoid's gradient: within 0.81 ulp (measured).
    @inlinable @inline(__always)
    @_disfavoredOverload public static func logSigmoidBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        if _slowPath(logisticOffFast(negativeAbsolute(x), gy)) { return logSigmoidBackwardWide(x, gy) }
        return logisticTimesFast(gy, negate(x))
    }

    /// logSigmoidBackward off the common path (logisticOffFast): the double-double form.
    @inline(never) @usableFromInline
    static func logSigmoidBackwardWide(_ x: VD, _ gy: VD) -> VD { logisticValue(gy, negate(x), VD(repeating: 0)) }

    /// a b as hi + lo (scalars, exact with FMA; Dekker's split without).
    @inlinable @inline(__always)
    static func exactScalarProduct(_ a: Double, _ b: Double) -> (hi: Double, lo: Double) {
        let p = VD(repeating: a) * VD(repeating: b)
        return (p[0], productError(VD(repeating: a), VD(repeating: b), p)[0])
    }

    /// PyTorch's elu (and selu, celu through the parameters): scale x for x > 0, else
    /// scale alpha expm1(inputScale x). inputScale x, scale alpha and expm1 are carried as
    /// double-doubles, so only the last product rounds: within 0.6 ulp (measured). x = ±0
    /// gives ±0 (expm1 keeps the sign); inputScale x > 709 (a negative inputScale) goes to libm.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func elu(_ x: SIMD8<Double>, alpha: Double, scale: Double,
                                                inputScale: Double) -> SIMD8<Double> {
        eluWithSlope(x, alpha: alpha, scale: scale, inputScale: inputScale, slope: false).y
    }

    /// elu(x) and, when `slope`, c = elu'(x) from the same reduction (eluSlope, the grad-mode
    /// forward): one function, so that the optimiser sees one exponential (as two calls it kept
    /// both). `slope` is a constant at every call.
    @inlinable @inline(__always)
    static func eluWithSlope(_ x: VD, alpha: Double, scale: Double, inputScale: Double, slope: Bool) -> (y: VD, c: VD) {
        let (bx, lo, _) = scaledInput(x, beta: inputScale)
        let reduced = expm1Reduced(bx)
        let (mh, ml0) = expm1Parts(reduced: reduced)
        let ml = fmaD(mh + 1, lo, ml0)  // expm1(z + lo) = expm1(z) + e^z lo
        let (ch, cl) = exactScalarProduct(scale, alpha)
        let vc = VD(repeating: ch)
        let p = vc * mh
        var y = p + fmaD(vc, ml, fmaD(VD(repeating: cl), mh, productError(vc, mh, p)))
        y = y.replacing(with: bx * vc, where: bx .== 0)  // ±0
        if _slowPath(anyTrue(bx .> 709)) { y = y.replacing(with: eluWide(x, alpha: alpha, scale: scale, inputScale: inputScale), where: bx .> 709) }
        y = y.replacing(with: VD(repeating: scale) * x, where: x .> 0)
        guard slope else { return (y, VD()) }
        return (y, eluSlope(x, bx: bx, lo: lo, reduced: reduced, alpha: alpha, scale: scale, inputScale: inputScale))
    }

    /// elu's exponential branch per lane with libm, for inputScale x > 709 (negative inputScale).
    @inline(never) @usableFromInline
    static func eluWide(_ x: VD, alpha: Double, scale: Double, inputScale: Double) -> VD {
        var y = x
        for i in 0..<8 { y[i] = scale * alpha * Foundation.expm1(inputScale * x[i]) }
        return y
    }

    /// gy elu'(x): gy scale for x > 0, else gy inputScale scale alpha e^(inputScale x) (PyTorch's
    /// elu_backward from the input; x = 0 takes the exponential branch). The constant, e^z and
    /// gy times them are split exactly: within 0.92 ulp (measured; 0.6 off the common path of
    /// VectorMath64+LogisticFast.swift, which inputScale 1 takes), denormal results included.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func eluBackward(x: SIMD8<Double>, gy: SIMD8<Double>, alpha: Double,
                                                        scale: Double, inputScale: Double) -> SIMD8<Double> {
        let (sh, sl) = exactScalarProduct(scale, alpha)
        if inputScale == 1 {
            let z = x.replacing(with: 0, where: x .> 0)  // those lanes take gy scale
            if !logisticOffFast(z, gy) {
                return eluSlopeFast(gy, z, sh, sl).replacing(with: gy * VD(repeating: scale), where: x .> 0)
            }
        }
        let (bx, _, loExp) = scaledInput(x, beta: inputScale)
        // z up to 1500 for a negative inputScale: gy e^z may be finite where e^z is not.
        let z = bx.replacing(with: -1400, where: bx .< -1400).replacing(with: 1500, where: bx .> 1500)
        let (r, rLo, n) = reduceLn2(z)
        let (h, l0) = expReducedParts(r, rLo)
        let l = fmaD(h, loExp, l0)  // e^(z + lo) = e^z (1 + lo)
        let (ch, chl) = exactScalarProduct(sh, inputScale)
        let vc = VD(repeating: ch)
        let g = gy * vc
        let gl = fmaD(gy, VD(repeating: sl * inputScale + chl), productError(gy, vc, g))  // gy c's low part
        let t = g * h
        let c = fmaD(g, l, fmaD(gl, h, productError(g, h, t)))
        let v = productFinishSplit(t, c)
        let rare = anyTrue(.!(absolute(bx) .<= 708))
        return (rare ? scaledWide3(v, n) : v * pow2(n)).replacing(with: gy * VD(repeating: scale), where: x .> 0)
    }

    // MARK: silu

    /// sigmoid(z) and sigmoid(-z) = 1 - sigmoid(z), each as (t + c) 2^m, from one e = e^-|z|;
    /// z + zLo when `lo` is given (a tiny zLo: e^-|z + zLo| = e^-|z| (1 - zLo sign(z))).
    @_transparent @usableFromInline
    static func logisticPair(_ z: VD, lo zLo: VD? = nil) -> (v: (t: VD, c: VD, m: VL), w: (t: VD, c: VD, m: VL), rare: Bool) {
        var (h, l, n, rare) = logisticTail(negativeAbsolute(z))
        if let zLo { l = fmaD(h, negate(flipSign(zLo, by: z)), l) }
        let s = pow2(rare ? atLeast(n, -1022) : n)
        let (r, err) = reciprocalOnePlus(h * s, l * s)
        let oneC = 0 - err * r  // 1/(1 + e) = r + oneC
        let eT = h * r
        let eC = fmaD(l, r, productError(h, r, eT)) - err * eT  // e/(1 + e) = (eT + eC) 2^n
        let negative = z .< 0
        let mask = bits(z) &>> 63  // all ones where z < 0 (z = -0: n = 0 either way)
        let v = (eT.replacing(with: r, where: .!negative), eC.replacing(with: oneC, where: .!negative), n & mask)
        let w = (r.replacing(with: eT, where: .!negative), oneC.replacing(with: eC, where: .!negative), n & ~mask)
        return (v, w, rare)
    }

    /// The zero of silu' (x0 = -1.2784645427610738) as hi + lo, and the Taylor series of silu' there
    /// (mpmath): a1 as hi + lo, then a13 ... a2 (highest first): within 2^-60 on |x - x0| < 1/16.
    @usableFromInline static let siluRootD = (hi: -0x1.474973c84120bp+0, lo: -0x1.f8d74bc9ac154p-54)
    @usableFromInline static let siluRootSlope = (hi: 0.2178117057198001, lo: -3.9743327958808616e-18)
    @usableFromInline static let siluRootTaylor: [Double] = [
        8.599695028268575e-07, 2.346029682463866e-06, -2.942631888842464e-06, -2.9733542213263917e-05,
        -4.090534237428612e-05, 0.00018570724361186496, 0.0007985218818397998, 0.000126627410081122,
        -0.006606589138356696, -0.015222655223188032, 0.018874814223782312, 0.1466487969969469,
    ]

    /// silu(x) = x sigmoid(x) (torch.nn.functional.silu), x/(1 + e^-x) with 1 + e^-x carried as a
    /// double-double: 1.17 ulp measured in VectorMath64Tests, 1.47 in a scalar simulation over 2e7
    /// points (near x = -37.8, where e^-x is 2^54); the record's bound is 2. silu(-inf) = -0
    /// (the limit, as ReferenceMath; PyTorch's -inf * 0 gives NaN), silu(inf) = inf.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func silu(_ x: SIMD8<Double>) -> SIMD8<Double> {
        if _slowPath(anyTrue(.!(negativeAbsolute(x) .>= -700))) { return siluWide(x) }
        return siluValueFast(x)
    }

    /// silu(x) = x/(1 + e^-x) for -700 <= -|x|: x over 1 + e^-x = dh + dl (logisticDenominator),
    /// `quotientOverDenominator`. x r (1 - err) from logisticDirect's reciprocal rounded once
    /// (1.08 ulp) took two more FMA-pipe operations and a chain of four FMAs after the division:
    /// `vecbench ab`, 6 rounds, 2^20, Zen 5: 582 -> 516 us (1 thread), 304 -> 271 (2).
    @inlinable @inline(__always)
    static func siluValueFast(_ x: VD) -> VD {
        let d = logisticDenominator(x)
        return quotientOverDenominator(x, d.dh, d.dl)
    }

    /// x / (dh + dl) for |dl| within ~2^-44 of dh, with x's sign (±0 too): y0 = x/dh corrected by
    /// y0 (-dl/dh), 1/dh from reciprocal14 (2^-14: the correction's own error stays below 2^-58 of
    /// the result). Two roundings, y0's and the FMA's. silu's and gelu(tanh)'s forward.
    @inlinable @inline(__always)
    static func quotientOverDenominator(_ x: VD, _ dh: VD, _ dl: VD) -> VD {
        let y0 = x / dh
        let y = fmaD(y0, negate(dl) * reciprocal14(dh), y0)
        // The FMA alone would turn a -0 quotient into +0.
        return double(bits(y) | (bits(x) & Int64.min))
    }

    /// silu for vectors with a lane beyond |x| = 700, ±inf or NaN: the double-double form.
    @inline(never) @usableFromInline
    static func siluWide(_ x: VD) -> VD {
        let (v, _, rare) = logisticPair(x)
        let p = x * v.t
        let y = scaled(productFinishSplit(p, fmaD(x, v.c, productError(x, v.t, p))), v.m, rare: rare)
        // Below -800, x e^x rounds to -0; e^x is clamped at e^-1400 there, so say it.
        return y.replacing(with: -0.0, where: x .< -800).replacing(with: x, where: x .== 0)  // ±0
    }

    /// gy silu'(x) = gy sigmoid(x) (1 + x sigmoid(-x)), every factor a double-double so the
    /// product rounds once; within 1/16 of the zero x0 of silu' a Taylor series in (x - x0), x0 as
    /// hi + lo, keeps relative accuracy where 1 + x sigmoid(-x) cancels. Within 1.15 ulp
    /// (measured). Below x = -800 (and at -inf) 0 times gy, above 708 (and at inf) gy.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func siluBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        if _slowPath(logisticOffFast(negativeAbsolute(x), gy)) { return siluBackwardWide(x, gy) }
        return siluSlopeNearRoot(gy, x)
    }

    /// siluBackward's common path (logisticOffFast false): siluSlopeFast, and the Taylor series
    /// about silu''s zero where |x - x0| < 1/16. The grad-mode forward's c is this at gy = 1.
    @inlinable @inline(__always)
    static func siluSlopeNearRoot(_ gy: VD, _ x: VD) -> VD {
        var g = siluSlopeFast(gy, x)
        let near = absolute(x - VD(repeating: siluRootD.hi)) .< 0.0625
        if anyTrue(near) {
            g = g.replacing(with: nearRootSeries(gy, x, root: siluRootD, slope: siluRootSlope, siluRootTaylor), where: near)
        }
        return g
    }

    /// siluBackward for vectors with a lane beyond |x| = 700, ±inf, NaN or an infinite gy.
    @inline(never) @usableFromInline
    static func siluBackwardWide(_ x: VD, _ gy: VD) -> VD {
        let (v, w, rare) = logisticPair(x)
        let sw = pow2(rare ? atLeast(w.m, -1022) : w.m)  // sigmoid(-x) below 2^-1022 leaves 1 + q = 1
        let wt = w.t * sw, wc = w.c * sw
        let qh = x * wt
        let ql = fmaD(x, wc, productError(x, wt, qh))
        let oh = 1 + qh
        let bb = oh - 1
        let ol = ((1 - (oh - bb)) + (qh - bb)) + ql  // 1 + q = oh + ol (TwoSum)
        let dh = v.t * oh
        let dl = fmaD(v.t, ol, fmaD(v.c, oh, productError(v.t, oh, dh)))
        var g = scaled(productFinish(gy, 0.5 * dh, 0.5 * dl), v.m &+ 1, rare: rare)
        let d0 = x - VD(repeating: siluRootD.hi)  // exact near the root (Sterbenz)
        let near = absolute(d0) .< 0.0625
        if anyTrue(near) {
            let series = nearRootSeries(gy, x, root: siluRootD, slope: siluRootSlope, siluRootTaylor)
            g = g.replacing(with: series, where: near)
        }
        g = g.replacing(with: gy * 0, where: x .< -800)  // e^x (1 + x) rounds to 0 (the reference's +0)
        g = g.replacing(with: gy * -0.0, where: x .== -.infinity)  // the limit, -0, as the reference
        return g.replacing(with: gy, where: x .> 708)  // 1 + x e^-x rounds to 1 (and sigma(-x)'s 2^n was clamped)
    }

    /// g (a1 (x - x0) + ...) near a derivative's zero x0 (root as hi + lo, a1 as hi + lo, then
    /// the remaining coefficients highest first): d, a1 and the sum carried as double-doubles,
    /// one rounding with g (silu', gelu').
    @inlinable @inline(__always)
    static func nearRootSeries(_ g: VD, _ x: VD, root: (hi: Double, lo: Double), slope: (hi: Double, lo: Double),
                               _ coefficients: [Double]) -> VD {
        let d0 = x - VD(repeating: root.hi)  // exact near the root (Sterbenz)
        let lo = VD(repeating: root.lo)
        let dh = d0 - lo
        let dl = (d0 - dh) - lo
        let q = coefficients.withUnsafeBufferPointer { c in polynomial(dh, count: c.count) { VD(repeating: c[$0]) } }
        let t = dh * q
        let a1 = VD(repeating: slope.hi)
        let ph = a1 + t
        let pl = ((a1 - ph) + t) + VD(repeating: slope.lo)
        let vh = dh * ph
        return productFinish(g, vh, fmaD(dh, pl, fmaD(dl, ph, productError(dh, ph, vh))))
    }
}
