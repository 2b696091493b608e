import CVecShim
import Foundation

// Vectorised float32 math on SIMD16<Float>. Linux has no vector libm, and Foundation's scalar exp
// per lane runs ~0.35 G elem/s, so these are Cephes-style: Cody-Waite range reduction, rounding by
// adding 1.5*2^23, exponents built with integer shifts, and explicit edge values (clamping alone
// gets inf, 0, NaN and -0 wrong). No `SIMD16<Int32>(x, rounding:)` or `clamped`: both compile to
// out-of-line traps. Errors against float64 are measured in Tests/VecKernelsTests/VectorMathTests.
public enum VectorMath {
    public typealias V = SIMD16<Float>
    @usableFromInline typealias VI = SIMD16<Int32>
    @usableFromInline typealias VD = SIMD8<Double>

    // MARK: helpers

    /// a*b + c. With FMA hardware (x86-64-v3 or better at compile time) this is one fused
    /// instruction; without it `addingProduct` lowers to 16 `fmaf` calls per vector (a 10-70x cliff),
    /// so a plain multiply-add is used instead. The test folds to a constant in optimised builds.
    /// No algorithm below needs the fused rounding for correctness, only for the last bit.
    @inlinable @inline(__always)
    static func fma(_ a: V, _ b: V, _ c: V) -> V {
        if vg_compiled_isa_level() >= 1 { return c.addingProduct(a, b) }
        return a * b + c
    }

    @inlinable @inline(__always)
    static func fmaD(_ a: VD, _ b: VD, _ c: VD) -> VD {
        if vg_compiled_isa_level() >= 1 { return c.addingProduct(a, b) }
        return a * b + c
    }

    @inlinable @inline(__always) static func bits(_ x: V) -> VI { unsafeBitCast(x, to: VI.self) }
    @inlinable @inline(__always) static func float(_ i: VI) -> V { unsafeBitCast(i, to: V.self) }
    @inlinable @inline(__always) static func absolute(_ x: V) -> V { float(bits(x) & 0x7FFF_FFFF) }
    /// The sign bit of `from` OR-ed into `magnitude` (which must be non-negative).
    @inlinable @inline(__always) static func withSign(_ magnitude: V, of from: V) -> V {
        float(bits(magnitude) | (bits(from) & VI(repeating: Int32(bitPattern: 0x8000_0000))))
    }

    // Cody-Waite split of ln 2: C1 has 9 significant bits, so n*C1 is exact for |n| < 2^15 and
    // x - n*C1 is exact even without FMA.
    @usableFromInline static let ln2Hi: Float = 0.693359375
    @usableFromInline static let ln2Lo: Float = -2.12194440e-4
    @usableFromInline static let log2e: Float = 1.44269504088896341
    /// 1.5 * 2^23: adding it rounds to an integer, which then sits in the low mantissa bits.
    @usableFromInline static let roundMagic: Float = 12582912.0
    @usableFromInline static let roundMagicBits: Int32 = 0x4B40_0000

    /// n = round(x / ln 2) and r = x - n ln 2 with |r| <= ln2/2 (a hair more at ties).
    /// Valid for |x| < 2^21; callers clamp first.
    @inlinable @inline(__always)
    static func reduceLn2(_ x: V) -> (r: V, n: VI) {
        let t = fma(x, V(repeating: log2e), V(repeating: roundMagic))
        let nf = t - V(repeating: roundMagic)
        var r = fma(nf, V(repeating: -ln2Hi), x)
        r = fma(nf, V(repeating: -ln2Lo), r)
        return (r, bits(t) &- roundMagicBits)
    }

    /// expm1(r) for |r| <= ~0.35: r + r^2 P(r), Cephes expf coefficients (< 1 ulp for e^r).
    @inlinable @inline(__always)
    static func expm1Reduced(_ r: V) -> V {
        var p = fma(V(repeating: 1.9875691500e-4), r, V(repeating: 1.3981999507e-3))
        p = fma(p, r, V(repeating: 8.3334519073e-3))
        p = fma(p, r, V(repeating: 4.1665795894e-2))
        p = fma(p, r, V(repeating: 1.6666665459e-1))
        p = fma(p, r, V(repeating: 5.0000001201e-1))
        return fma(p, r * r, r)
    }

    /// 2^n for n in [-126, 127], from the exponent bits.
    @inlinable @inline(__always)
    static func pow2(_ n: VI) -> V { float((n &+ 127) &<< 23) }

    // MARK: exp family

    /// e^x. Inputs are clamped to [-104, 88.8] (beyond those e^x rounds to 0 and inf); 2^n is
    /// applied as two factors so results in the denormal range round once and n = 128 overflows
    /// to inf instead of wrapping the exponent bits. NaN passes through the arithmetic.
    @inlinable @inline(__always)
    public static func exp(_ x: V) -> V {
        var xc = x.replacing(with: 88.8, where: x .> 88.8)
        xc = xc.replacing(with: -104, where: xc .< -104)
        let (r, n) = reduceLn2(xc)
        let y = expm1Reduced(r) + 1
        let n1 = n &>> 1
        return y * pow2(n1) * pow2(n &- n1)
    }

    /// e^x - 1, accurate near 0: 2^n (expm1(r) + 1) - 1 = 2^n expm1(r) + (2^n - 1), one fused
    /// rounding. Below -18 the result rounds to -1; n = 128 lanes are scaled in two steps.
    @inlinable @inline(__always)
    public static func expm1(_ x: V) -> V {
        var xc = x.replacing(with: 88.8, where: x .> 88.8)
        xc = xc.replacing(with: -18, where: xc .< -18)
        let (r, n) = reduceLn2(xc)
        let em = expm1Reduced(r)
        let top = n .> 127
        let s = pow2(n.replacing(with: 127, where: top))
        var y = fma(s, em, s - 1)
        if any(top) { y = y.replacing(with: (em + 1) * s * 2, where: top) }
        // -0 and denormals: the polynomial's +0 terms would turn -0 into +0.
        return y.replacing(with: x, where: x .== 0)
    }

    // MARK: log family

    /// Splits a positive x (normal or denormal) as 2^k * m with m in [sqrt(1/2), sqrt(2)), and
    /// returns f = m - 1 (exact) and k as a float.
    @inlinable @inline(__always)
    static func logSplit(_ x: V) -> (f: V, k: V) {
        let denormal = x .< Float.leastNormalMagnitude
        let xs = x.replacing(with: x * 8388608.0, where: denormal)
        let ix = bits(xs) &- 0x3F35_04F3  // bits of sqrt(1/2): the mantissa wraps at sqrt(2)
        var k = ix &>> 23
        k = k.replacing(with: k &- 23, where: denormal)
        let m = float((ix & 0x007F_FFFF) &+ 0x3F35_04F3)
        return (m - 1, V(k))
    }

    /// log(1 + f) + k ln 2 + extra, Cephes logf polynomial; `extra` is a tiny correction term.
    @inlinable @inline(__always)
    static func logCombine(f: V, k: V, extra: V) -> V {
        let z = f * f
        var p = fma(V(repeating: 7.0376836292e-2), f, V(repeating: -1.1514610310e-1))
        p = fma(p, f, V(repeating: 1.1676998740e-1))
        p = fma(p, f, V(repeating: -1.2420140846e-1))
        p = fma(p, f, V(repeating: 1.4249322787e-1))
        p = fma(p, f, V(repeating: -1.6668057665e-1))
        p = fma(p, f, V(repeating: 2.0000714765e-1))
        p = fma(p, f, V(repeating: -2.4999993993e-1))
        p = fma(p, f, V(repeating: 3.3333331174e-1))
        var y = fma(p * z, f, extra)
        y = fma(k, V(repeating: ln2Lo), y)
        y = fma(z, V(repeating: -0.5), y)
        return fma(k, V(repeating: ln2Hi), f + y)
    }

    /// Natural log. log(±0) = -inf, log(x < 0) = NaN, log(inf) = inf, NaN stays NaN.
    @inlinable @inline(__always)
    public static func log(_ x: V) -> V {
        let (f, k) = logSplit(x)
        var y = logCombine(f: f, k: k, extra: V(repeating: 0))
        y = y.replacing(with: .nan, where: x .< 0)
        y = y.replacing(with: -.infinity, where: x .== 0)
        return y.replacing(with: x, where: .!(x .< .infinity))  // +inf and NaN
    }

    /// log(1 + x). u = 1 + x is split as for log; when 2^k = 1 the polynomial takes x itself (no
    /// rounding), otherwise the rounding error c of 1 + x (a Fast2Sum) adds c / u.
    @inlinable @inline(__always)
    public static func log1p(_ x: V) -> V {
        let one = V(repeating: 1)
        let u = one + x
        let xBig = absolute(x) .> 1
        var c = (x - (u - one)).replacing(with: one - (u - x), where: xBig)
        var (f, k) = logSplit(u)
        let unscaled = k .== 0
        f = f.replacing(with: x, where: unscaled)
        c = c.replacing(with: 0, where: unscaled)
        var y = logCombine(f: f, k: k, extra: c / u)
        y = y.replacing(with: .nan, where: x .< -1)
        y = y.replacing(with: -.infinity, where: x .== -1)
        y = y.replacing(with: x, where: .!(x .< .infinity))  // +inf and NaN
        return y.replacing(with: x, where: x .== 0)  // keeps -0
    }

    // MARK: activations

    /// num / (1 + e) for e in [0, 1], where `inv` approximates 1 / (1 + e): the rounding error of
    /// 1 + e (recovered exactly by Fast2Sum) is divided back out, so only one division rounds.
    @inlinable @inline(__always)
    static func divideOnePlus(_ num: V, _ e: V, inverse: (V) -> V) -> V {
        let d = 1 + e
        let err = e - (d - 1)
        let q = num / d
        return q - q * err * inverse(q)
    }

    /// Hyperbolic tangent. |x| < 0.625: odd Cephes polynomial; beyond, 1 - 2t/(1+t) with
    /// t = e^(-2|x|) <= 0.29, which cannot overflow. The sign is OR-ed back in (keeps -0).
    @inlinable @inline(__always)
    public static func tanh(_ x: V) -> V {
        let a = absolute(x)
        let z = a * a
        var p = fma(V(repeating: -5.70498872745e-3), z, V(repeating: 2.06390887954e-2))
        p = fma(p, z, V(repeating: -5.37397155531e-2))
        p = fma(p, z, V(repeating: 1.33314422036e-1))
        p = fma(p, z, V(repeating: -3.33332819422e-1))
        let small = fma(p, a * z, a)
        let t = exp(-(a + a))
        // 1/(1+t) = 1 - (2t/(1+t))/2
        let q = divideOnePlus(t + t, t) { q in 1 - 0.5 * q }
        let large = 1 - q
        return withSign(small.replacing(with: large, where: .!(a .< 0.625)), of: x)
    }

    /// Logistic sigmoid 1/(1+e^-x), from e = e^-|x| in both tails: x >= 0 gives 1/(1+e), x < 0
    /// gives e/(1+e), so the negative tail keeps full relative precision down to denormals.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: V) -> V {
        let e = exp(-absolute(x))
        let negative = x .< 0
        let num = V(repeating: 1).replacing(with: e, where: negative)
        // 1/(1+e) is q itself for x >= 0 and 1 - q for x < 0.
        return divideOnePlus(num, e) { q in q.replacing(with: 1 - q, where: negative) }
    }

    /// PyTorch softplus: log(1 + e^(beta x)) / beta, and x itself where beta x > threshold.
    /// Computed as max(bx, 0) + log1p(e^-|bx|), which neither overflows nor cancels. For
    /// beta != 1 the rounding error of beta*x (exact with FMA) is folded into e^-|bx|.
    @inlinable @inline(__always)
    public static func softplus(_ x: V, beta: Float, threshold: Float) -> V {
        if beta == 1 {
            let e = exp(-absolute(x))
            let y = log1p(e) + x.replacing(with: 0, where: .!(x .> 0))
            return y.replacing(with: x, where: x .> threshold)
        }
        let vb = V(repeating: beta)
        let bx = vb * x
        let lo = fma(vb, x, -bx)  // exact error of bx with FMA, 0 without
        let loAbs = lo.replacing(with: -lo, where: bx .< 0)  // error of |bx|
        var e = exp(-absolute(bx))
        e = fma(e, -loAbs, e)  // e^-(|bx| + lo) ~ e (1 - lo)
        let positive = bx .> 0
        let tail = log1p(e) + lo.replacing(with: 0, where: .!positive)
        let y = (tail + bx.replacing(with: 0, where: .!positive)) / vb
        return y.replacing(with: x, where: bx .> threshold)
    }

    // MARK: trigonometry

    /// Beyond this |x| the Cody-Waite reduction below is no longer exact (j * P1 needs j < 2^20)
    /// and each lane falls back to Foundation's scalar sin/cos (glibc: full Payne-Hanek).
    public static let trigReductionBound: Float = 1_048_576

    /// Sine. Reduces |x| by pi/2 in float64 (three-part Cody-Waite, exact products for |x| <=
    /// 2^20), evaluates the quadrant's polynomial in float64 and rounds once: < 0.6 ulp.
    @inlinable @inline(__always)
    public static func sin(_ x: V) -> V {
        let a = absolute(x)
        if any(.!(a .<= trigReductionBound)) { return perLane(x) { Foundation.sin($0) } }
        return withSign(trigAbs(a, quadrantOffset: 0), of: x)
    }

    /// Cosine: cos(|x|) = sin(|x| + pi/2), the same reduction one quadrant on.
    @inlinable @inline(__always)
    public static func cos(_ x: V) -> V {
        let a = absolute(x)
        if any(.!(a .<= trigReductionBound)) { return perLane(x) { Foundation.cos($0) } }
        return trigAbs(a, quadrantOffset: 1)
    }

    @inlinable
    static func perLane(_ x: V, _ f: (Float) -> Float) -> V {
        var y = x
        for i in 0..<V.scalarCount { y[i] = f(x[i]) }
        return y
    }

    @inlinable @inline(__always)
    static func trigAbs(_ a: V, quadrantOffset: Int64) -> V {
        let lo = trigHalf(VD(a.lowHalf), quadrantOffset)
        let hi = trigHalf(VD(a.highHalf), quadrantOffset)
        return V(lowHalf: SIMD8<Float>(lo), highHalf: SIMD8<Float>(hi))
    }

    /// sin(a + offset * pi/2) for 0 <= a <= 2^20 in float64. pi/2 = P1 + P2 + P3 with 33, 33
    /// and 53 significant bits, so j*P1 and j*P2 are exact for j < 2^20 with or without FMA.
    @inlinable @inline(__always)
    static func trigHalf(_ a: VD, _ quadrantOffset: Int64) -> VD {
        let magic = VD(repeating: 6755399441055744.0)  // 1.5 * 2^52
        let t = fmaD(a, VD(repeating: 0.63661977236758134308), magic)
        let j = t - magic
        var y = fmaD(j, VD(repeating: -0x1.921fb54400000p+0), a)
        y = fmaD(j, VD(repeating: -0x1.0b4611a600000p-34), y)
        y = fmaD(j, VD(repeating: -0x1.3198a2e037073p-69), y)
        let q = unsafeBitCast(t, to: SIMD8<Int64>.self) &+ quadrantOffset
        let z = y * y
        // Taylor series to y^9 and y^10: truncation < 3e-9 relative on |y| <= pi/4.
        var s = fmaD(VD(repeating: 1.0 / 362880), z, VD(repeating: -1.0 / 5040))
        s = fmaD(s, z, VD(repeating: 1.0 / 120))
        s = fmaD(s, z, VD(repeating: -1.0 / 6))
        s = fmaD(s * z, y, y)
        var c = fmaD(VD(repeating: -1.0 / 3628800), z, VD(repeating: 1.0 / 40320))
        c = fmaD(c, z, VD(repeating: -1.0 / 720))
        c = fmaD(c, z, VD(repeating: 1.0 / 24))
        c = fmaD(c, z, VD(repeating: -0.5))
        c = fmaD(c, z, VD(repeating: 1))
        var r = s.replacing(with: c, where: (q & 1) .!= 0)
        r = r.replacing(with: -r, where: (q & 2) .!= 0)
        return r
    }
}
