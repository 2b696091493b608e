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
        if logisticOffFast(negativeAbsolute(x), gy) { return logSigmoidBackwardWide(x, gy) }
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
        let (bx, lo, _) = scaledInput(x, beta: inputScale)
        let (mh, ml0) = expm1Parts(bx)
        let ml = fmaD(mh + 1, lo, ml0)  // expm1(z + lo) = expm1(z) + e^z lo
        let (ch, cl) = exactScalarProduct(scale, alpha)
        let vc = VD(repeating: ch)
        let p = vc * mh
        var y = p + fmaD(vc, ml, fmaD(VD(repeating: cl), mh, productError(vc, mh, p)))
        y = y.replacing(with: bx * vc, where: bx .== 0)  // ±0
        if anyTrue(bx .> 709) { y = y.replacing(with: eluWide(x, alpha: alpha, scale: scale, inputScale: inputScale), where: bx .> 709) }
        return y.replacing(with: VD(repeating: scale) * x, where: x .> 0)
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

    /// silu(x) = x sigmoid(x) (torch.nn.functional.silu), x times sigmoid's double-double:
    /// within 0.89 ulp (measured), denormal results of the left tail included. silu(-inf) = -0
    /// (the limit, as ReferenceMath; PyTorch's -inf * 0 gives NaN), silu(inf) = inf.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func silu(_ x: SIMD8<Double>) -> SIMD8<Double> {
        if anyTrue(.!(negativeAbsolute(x) .>= -700)) { return siluWide(x) }
        let (a, c) = logisticValueFast(x)
        return fmaD(x, a, x * c)
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
        if logisticOffFast(negativeAbsolute(x), gy) { return siluBackwardWide(x, gy) }
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

    // MARK: gelu

    /// gelu(x) = x Phi(x) = x erfc(-x/sqrt 2)/2 (torch gelu, approximate "none"): -x/sqrt 2 as a
    /// double-double (its rounding would move erfc by up to 2 z^2 2^-53 relative), erfc with
    /// that correction, and x times it rounded once: within 1 ulp (measured). gelu(±0) = ±0;
    /// below x = -40 (and at -inf) -0, the limit; +inf gives +inf.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func gelu(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let c = VD(repeating: -0.7071067811865476)
        let zh = x * c
        var zl = fmaD(x, VD(repeating: 4.833646656726457e-17), productError(x, c, zh))
        zl = zl.replacing(with: 0, where: .!(absolute(zh) .< 0x1p1000))
        let (h2, l2, n) = erfcParts(zh, zl)
        let hi = 0.5 * h2, lo = 0.5 * l2  // Phi; halved first so that x 2 cannot overflow
        let p = x * hi
        let v = productFinishSplit(p, fmaD(x, lo, productError(x, hi, p)))
        let y = scaled(v, n, rare: anyTrue(zh .> 26))
        return y.replacing(with: -0.0, where: x .< -40).replacing(with: x, where: x .== 0)
    }

    /// The zero of gelu' (x0 = -0.7517915246935645) as hi + lo, and the Taylor series of gelu' there
    /// (mpmath): a1 as hi + lo, then a13 ... a2: within 2^-58 on |x - x0| < 1/8.
    @usableFromInline static let geluRootD = (hi: -0x1.80ead197f00b4p-1, lo: 0x1.13e74c58cada8p-56)
    @usableFromInline static let geluRootSlope = (hi: 0.4314939923140469, lo: 2.7308688141129613e-17)
    @usableFromInline static let geluRootTaylor: [Double] = [
        -7.74846130700372e-06, -1.121438018842664e-05, 8.615947861116571e-05, 0.00018633974623233514,
        -0.0007448268386746817, -0.002239538068073497, 0.004539228379125415, 0.019421679838189067,
        -0.014771522148244337, -0.1140082332972217, -0.018199676398671087, 0.388284982990552,
    ]

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

    /// gy gelu'(x) = gy (Phi(x) + x phi(x)). For x >= -1, Phi (as in gelu) plus x phi(x) with
    /// e^(-x^2/2) from x^2 split exactly; below, phi(x) (x + R(x)) with the Mills ratio R =
    /// sqrt(pi/2) erfcx(-x/sqrt 2), so that the left tail keeps relative precision down to its
    /// denormal results; within 1/8 of the zero of gelu' a Taylor series. Every sum and product is
    /// a double-double and rounds once with gy: within 1 ulp (measured). -inf gives -0 (the
    /// limit, as the reference), +inf gy.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func geluBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        let c = VD(repeating: -0.7071067811865476)
        let zh = x * c
        var zl = fmaD(x, VD(repeating: 4.833646656726457e-17), productError(x, c, zh))
        zl = zl.replacing(with: 0, where: .!(absolute(zh) .< 0x1p1000))
        // phi(x) = k e^(-x^2/2) as (ph + pl) 2^ne.
        let xc = x.replacing(with: 0, where: .!(absolute(x) .< 50))  // e^-1250 is 0 anyway
        let x2 = xc * xc
        let w = -0.5 * x2, wl = -0.5 * productError(xc, xc, x2)
        let (r0, rLo, ne) = reduceLn2(w)
        let ww = rLo + wl
        let r = r0 + ww
        let (eh, el) = expReducedParts(r, (r0 - r) + ww)
        let kh = VD(repeating: 0.3989422804014327)
        let ph = kh * eh
        let pl = fmaD(kh, el, fmaD(VD(repeating: -2.49232720227773e-17), eh, productError(kh, eh, ph)))
        let left = x .< -1
        // erfcx(|zh|) serves both forms (on left lanes |zh| = zh > 0.7): one evaluation.
        let az = absolute(zh)
        let a = az.replacing(with: 27.5, where: az .> 27.5)
        let (fxh, fxl) = erfcxParts(a)
        var g = VD()
        if anyTrue(.!left) {
            let (h2, l2, n) = erfcParts(zh, zl, erfcx: (fxh, fxl))
            let s = pow2(n) * 0.5
            let fh = h2 * s, fl = l2 * s  // Phi
            let se = pow2(atLeast(ne, -1022))  // x phi(x) below 2^-1022 is lost against Phi ~ 1
            let qh = x * ph
            let ql = fmaD(x, pl, productError(x, ph, qh))
            let vh = qh * se, vl = ql * se
            let sh = fh + vh
            let bb = sh - fh
            let sl = (((fh - (sh - bb)) + (vh - bb)) + fl) + vl
            g = productFinish(gy, sh, sl)
        }
        if anyTrue(left) {
            let (fh, fl) = (fxh, fxl)
            let fc = fmaD(a + a, fh, VD(repeating: -1.1283791670955126)) * zl  // erfcx'(a) zl
            let sp = VD(repeating: 1.2533141373155003)  // sqrt(pi/2)
            let rh = sp * fh
            let rl = fmaD(sp, fl + fc, fmaD(VD(repeating: -9.164289990229583e-17), fh, productError(sp, fh, rh)))
            let sh = x + rh
            let bb = sh - x
            let sl = ((x - (sh - bb)) + (rh - bb)) + rl  // x + R
            let vh = ph * sh
            let vl = fmaD(ph, sl, fmaD(pl, sh, productError(ph, sh, vh)))
            let v = scaled(productFinish(gy, 0.5 * vh, 0.5 * vl), ne &+ 1, rare: anyTrue(x .< -37))
            g = g.replacing(with: v, where: left)
        }
        // 1/8: at 1/16 from x0, Phi + x phi still cancels 8-fold (3.6 ulp measured there).
        let near = absolute(x - VD(repeating: geluRootD.hi)) .< 0.125
        if anyTrue(near) {
            let series = nearRootSeries(gy, x, root: geluRootD, slope: geluRootSlope, geluRootTaylor)
            g = g.replacing(with: series, where: near)
        }
        g = g.replacing(with: gy * 0, where: x .<= -50).replacing(with: gy * -0.0, where: x .== -.infinity)
        return g.replacing(with: gy, where: x .>= 50)
    }
}
