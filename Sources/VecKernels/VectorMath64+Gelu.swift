import CVecShim

// gelu (PyTorch approximate="none") on SIMD8<Double>, forward and backward.
extension VectorMath {
    /// 1 - (h + l) 2^n as hi + lo for h + l <= 1/2: where 2^n leaves the normal range the term is
    /// below 2^-1000 and 1 absorbs it, so the factor clamps.
    @_transparent @usableFromInline
    static func oneMinusScaled(_ h: VD, _ l: VD, _ n: VL) -> (hi: VD, lo: VD) {
        let s = pow2(atLeast(n, -1022))
        let ah = h * s, al = l * s
        let sh = 1 - ah
        return (sh, ((1 - sh) - ah) - al)
    }

    /// What gelu and gelu' share: t = |x| clamped at 40 (or NaN), e^(-t^2/2) = (eh + el) 2^n and
    /// the scaled normal tail F(t) = fh + fl. The grad-mode forward (VectorMath64+GeluComplement)
    /// evaluates it once for both.
    @_transparent @usableFromInline
    static func geluParts(_ x: VD) -> (t: VD, eh: VD, el: VD, n: VL, fh: VD, fl: VD) {
        let t0 = absolute(x)
        let t = t0.replacing(with: 40, where: t0 .> 40)
        let (eh, el, n) = gaussParts(t)
        let (fh, fl) = normalTailParts(t)
        return (t, eh, el, n, fh, fl)
    }

    /// gelu(x) = x Phi(x) (torch gelu, approximate "none"): Phi(x) = e^(-x^2/2) F(-x) for x < 0 and
    /// 1 - e^(-x^2/2) F(x) otherwise, F the scaled normal tail (VectorMath64+NormalTail), as
    /// double-doubles, and x times it rounded once: within 1 ulp (measured). No erfc of a rounded
    /// x/sqrt 2, and one exponential. gelu(±0) = ±0; below x = -40 (and at -inf) -0, the limit;
    /// +inf gives +inf.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func gelu(_ x: SIMD8<Double>) -> SIMD8<Double> { geluValue(x, geluParts(x)) }

    /// gelu from its parts (geluParts).
    @_transparent @usableFromInline
    static func geluValue(_ x: VD, _ parts: (t: VD, eh: VD, el: VD, n: VL, fh: VD, fl: VD)) -> VD {
        let (eh, el, n, fh, fl) = (parts.eh, parts.el, parts.n, parts.fh, parts.fl)
        let qh = eh * fh
        let ql = fmaD(eh, fl, fmaD(el, fh, productError(eh, fh, qh)))  // Phi(-t) = (qh + ql) 2^n
        let (sh, sl) = oneMinusScaled(qh, ql, n)
        let sign = bits(x) &>> 63  // all ones on negative lanes
        let negative = x .< 0
        let hi = sh.replacing(with: qh, where: negative), lo = sl.replacing(with: ql, where: negative)
        let p = x * hi
        let v = productFinishSplit(p, fmaD(x, lo, productError(x, hi, p)))
        let y = scaled(v, n & sign, rare: anyTrue(x .< -37))  // Phi(-37.5) ~ 2^-1022
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

    /// gy gelu'(x) = gy (Phi(x) + x phi(x)). With t = |x|, F the scaled normal tail and G(t) =
    /// F(t) - k t (k = 1/sqrt(2 pi)): gelu'(x) = e^(-t^2/2) G(t) for x < 0 and 1 - e^(-t^2/2) G(t)
    /// otherwise, every factor a double-double rounding once with gy, so the left tail keeps
    /// relative precision down to its denormal results: within 1 ulp (measured). G cancels at the
    /// zero of gelu' (t0 = 0.7518): within 1/8 of it a Taylor series. -inf gives -0 (the limit, as
    /// the reference), +inf gy.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func geluBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        geluSlope(x, gy, geluParts(x))
    }

    /// gy gelu'(x) from gelu's parts (geluParts).
    @_transparent @usableFromInline
    static func geluSlope(_ x: VD, _ gy: VD, _ parts: (t: VD, eh: VD, el: VD, n: VL, fh: VD, fl: VD)) -> VD {
        let (t, eh, el, n, fh, fl) = parts
        let k = VD(repeating: normalDensityScale.hi)
        let kt = k * t
        let ktl = fmaD(VD(repeating: normalDensityScale.lo), t, productError(k, t, kt))
        let gh = fh - kt
        let bb = gh - fh
        let gl = (((fh - (gh - bb)) - (kt + bb)) + fl) - ktl  // G = F - k t
        let qh = eh * gh
        let ql = fmaD(eh, gl, fmaD(el, gh, productError(eh, gh, qh)))
        let (sh, sl) = oneMinusScaled(qh, ql, n)
        let negative = x .< 0
        let hi = sh.replacing(with: qh, where: negative), lo = sl.replacing(with: ql, where: negative)
        var g = scaled(productFinish(gy, hi, lo), n & (bits(x) &>> 63), rare: anyTrue(x .< -37))
        // G as hi + lo keeps ~0.85 ulp down to 2^-9 from x0 (a float64 model of this code against
        // mpmath), the series 2^-58 on all of |x - x0| < 1/8.
        let near = absolute(x - VD(repeating: geluRootD.hi)) .< 0.125
        if anyTrue(near) {
            let series = nearRootSeries(gy, x, root: geluRootD, slope: geluRootSlope, geluRootTaylor)
            g = g.replacing(with: series, where: near)
        }
        g = g.replacing(with: gy * 0, where: x .<= -50).replacing(with: gy * -0.0, where: x .== -.infinity)
        return g.replacing(with: gy, where: x .>= 50)
    }
}
