import CVecShim
import Foundation

/// Float32 backward of the logistic family (sigmoid', tanh', softplus' and the activations built
/// on them), from x, in one SIMD16<Float> path (no float64).
@usableFromInline
enum Logistic {
    @usableFromInline typealias VF = SIMD16<Float>
    typealias VD = SIMD8<Double>

    // e = e^-|x| = (h + l) 2^n from reduceLn2/expReducedParts, d = 1 + e carried as dh + dl, and
    // r = 1/dh rounded; the residual res = 1 - r (dh + dl) then corrects everything to first order.
    // Products are split exactly (productError) so that only the last addition rounds: ~0.5 ulp before the 2^n
    // scaling, which rounds once in the normal range (a denormal result rounds at most 3 times).

    /// e^x for x <= 0 (NaN passes), unscaled: (h + l) 2^n. Clamped at -200, where
    /// FLT_MAX e^x still rounds to 0 (so ±inf give 0 for any finite gy). `xLo` is a low part of x
    /// (the -0 default folds away).
    @inline(__always)
    static func expTail(_ x: VF, _ xLo: VF = VF(repeating: -0.0)) -> (h: VF, l: VF, n: SIMD16<Int32>) {
        let xc = x.replacing(with: -200, where: x .< -200)
        let (r, rLo, n) = VectorMath.reduceLn2(xc)
        let (h, l) = VectorMath.expReducedParts(r, rLo + xLo)
        return (h, l, n)
    }

    /// 1/(1 + e) as r (1 + res), e = (h + l) s with s = 2^n (clamped to a normal power).
    @inline(__always) @usableFromInline
    static func reciprocalOnePlus(_ h: VF, _ l: VF, _ s: VF) -> (r: VF, res: VF) {
        let eh = h * s, el = l * s
        let dh = 1 + eh
        let dl = ((1 - dh) + eh) + el  // exact part first (Fast2Sum, e <= 1)
        // The 14-bit estimate: res corrects it (a linear guess and two Newton steps measured 1.7x
        // slower than vdivps, the estimate is one instruction).
        let r = VectorMath.reciprocalEstimate(dh)
        let p = r * dh  // ~1, so 1 - p is exact; productError is exact with or without FMA
        let res = ((1 - p) - VectorMath.productError(r, dh, p)) - r * dl
        return (r, res)
    }

    /// (a + b) r as t + c, t = a r rounded and c its error plus b r.
    @inline(__always) @usableFromInline
    static func productSum(_ a: VF, _ b: VF, _ r: VF) -> (t: VF, c: VF) {
        let t = a * r
        let c = VectorMath.fma(b, r, VectorMath.productError(a, r, t))
        return (t, c)
    }

    /// gy (t + c) = g + (gy c + the error of g = gy t): rounds once in effect. Callers pass gy / 2
    /// (and scale by 2 later): t may reach 1.42 before its 2^n, and FLT_MAX * 1.42 would overflow.
    @inline(__always)
    static func finish(_ gy: VF, _ t: VF, _ c: VF) -> VF {
        let g = gy * t
        return g + VectorMath.fma(gy, c, VectorMath.productError(gy, t, g))
    }

    /// max(n, m) by sign masks: Int32 lane compares and selects compile to per-lane loops here.
    @inline(__always)
    static func atLeast(_ n: SIMD16<Int32>, _ m: Int32) -> SIMD16<Int32> {
        let below = (n &- m) &>> 31  // all ones where n < m
        return (n & ~below) | (SIMD16<Int32>(repeating: m) & below)
    }

    /// v * 2^n for any n in [-300, 127] (n >= -126 takes the one-multiply fast path per vector).
    @inline(__always)
    static func scaled(_ v: VF, _ n: SIMD16<Int32>, rare: Bool) -> VF {
        if !rare { return v * VectorMath.pow2(n) }
        let n1 = atLeast(n, -100)
        let m = n &- n1, m1 = m &>> 1
        return v * VectorMath.pow2(n1) * VectorMath.pow2(m1) * VectorMath.pow2(m &- m1)
    }

    /// gy * 2^k e/(1 + e)^2 with e = e^t, t <= 0: sigmoid' (t = -|x|, k = 0), tanh' (t = -2|x|, k = 2).
    /// For t >= -16 (every lane) one float32 exponential and one division: e = 2^n (1 + s) and
    /// d = 2^n s + (2^n + 1) each round once (2^n + 1 is exact for n >= -23), and the roundings
    /// of d, d^2 and 1/d^2 are corrected to first order: sigmoid' within 2.76 ulp and tanh' within
    /// 3.14 measured with random gy (4.1 and 4.3 without the corrections). Otherwise the hi + lo
    /// form below, which keeps ~1 ulp down to denormal results.
    @inline(__always)
    static func slope(_ gy: VF, exponent t: VF, log2Scale k: Int32) -> VF {
        if _fastPath(!VectorMath.anyTrue(.!(t .>= -16))) {
            let (r, _, n) = VectorMath.reduceLn2(t)
            let s = VectorMath.fma(VectorMath.expPolynomial(r), r * r, r)  // e^r - 1
            let sc = VectorMath.pow2(n)
            let d = VectorMath.fma(sc, s, sc + 1)
            let dErr = VectorMath.fma(sc, s, (sc + 1) - d)  // (sc + 1) - d is exact (Sterbenz)
            let dd = d * d
            let ddErr = VectorMath.fma(d + d, dErr, VectorMath.productError(d, d, dd))  // (1 + e)^2 - dd
            let inv = VectorMath.reciprocalEstimate(dd)  // the residual below corrects it
            let residual = VectorMath.fma(VectorMath.negate(inv), dd, VF(repeating: 1))  // 1 - inv dd, exact
            let q = VectorMath.fma(sc, s, sc) * VectorMath.pow2(SIMD16<Int32>(repeating: k)) * inv
            return gy * VectorMath.fma(q, VectorMath.fma(VectorMath.negate(ddErr), inv, residual), q)
        }
        return slopeWide(gy, exponent: t, log2Scale: k)
    }

    /// slope for any t <= 0 (NaN passes): e = (h + l) 2^n and 1/(1 + e) = r (1 + res), products
    /// split exactly, so only the last addition and the 2^n scaling round.
    @inline(__always)
    static func slopeWide(_ gy: VF, exponent t: VF, log2Scale k: Int32) -> VF {
        let (h, l, n) = expTail(t)
        let rare = VectorMath.anyTrue(t .< -87)  // n < -126 possible (a float compare: see atLeast)
        let nd = rare ? atLeast(n, -126) : n
        let (r, res) = reciprocalOnePlus(h, l, VectorMath.pow2(nd))
        // e r^2 (1 + 2 res): (h + l) r = t1 + c1, then (t1 + c1) r = u + k1.
        let (t1, c1) = productSum(h, l, r)
        let u = t1 * r
        let k1 = VectorMath.fma(c1, r, VectorMath.productError(t1, r, u))
        let corr = VectorMath.fma(res + res, u, k1)
        return scaled(finish(gy * 0.5, u, corr), n &+ (k + 1), rare: rare)
    }

    /// gy * sigmoid(z) as VectorMath.sigmoid's fast form, gy / (2^n (1 + s) + 1) with
    /// e^-z = 2^n (1 + s), extended to z in [-87, inf): above z = 30 e^-z is held at e^-30
    /// (sigmoid rounds to 1), and beyond n = 23 (z < -16) 2^n + 1 rounds to 2^n, half an ulp
    /// of the sum at most. One division's worth of work instead of `value`'s hi + lo terms: within 2.5 ulp.
    /// Vectors with a lane below -87 (denormal results) take `value`.
    @inline(__always)
    static func sigmoidTimes(_ gy: VF, _ z: VF) -> VF {
        if _slowPath(VectorMath.anyTrue(z .< -87)) { return value(gy, z) }
        var mz = VectorMath.negate(z)
        mz = mz.replacing(with: -30, where: mz .< -30)
        let (r, _, n) = VectorMath.reduceLn2(mz)
        let s = VectorMath.fma(VectorMath.expPolynomial(r), r * r, r)  // e^r - 1
        let sc = VectorMath.pow2(n)
        return gy * VectorMath.reciprocal(VectorMath.fma(sc, s, sc + 1))
    }

    /// gy * sigmoid(z): gy e/(1 + e) for z < 0 and gy/(1 + e) otherwise, e = e^-|z| (softplus').
    /// `tLo` is a low part of -|z| (geluTanh's argument carries one; the -0 default folds away).
    @inline(__always)
    static func value(_ gy: VF, _ z: VF, tLo: VF = VF(repeating: -0.0)) -> VF {
        let t = VectorMath.negativeAbsolute(z)
        let (h, l, n) = expTail(t, tLo)
        let rare = VectorMath.anyTrue(t .< -87)
        let nd = rare ? atLeast(n, -126) : n
        let (r, res) = reciprocalOnePlus(h, l, VectorMath.pow2(nd))
        let neg = z .< 0
        let a = VF(repeating: 1).replacing(with: h, where: neg)
        let b = VF(repeating: 0).replacing(with: l, where: neg)
        let (t1, c1) = productSum(a, b, r)
        let corr = VectorMath.fma(res, t1, c1)
        let v = finish(gy * 0.5, t1, corr)
        return scaled(v, (n & (VectorMath.bits(z) &>> 31)) &+ 1, rare: rare)  // n = 0 for z >= 0 (and -0)
    }
}

extension VectorMath {
    /// f(lowHalf), f(highHalf) in float64, rounded once to float32.
    @inline(__always)
    static func inDouble(_ a: V, _ b: V, _ f: (VD, VD) -> VD) -> V {
        let lo = f(VectorMath.widen(a.lowHalf), VectorMath.widen(b.lowHalf))
        let hi = f(VectorMath.widen(a.highHalf), VectorMath.widen(b.highHalf))
        return V(lowHalf: VectorMath.narrow(lo), highHalf: VectorMath.narrow(hi))
    }
}
