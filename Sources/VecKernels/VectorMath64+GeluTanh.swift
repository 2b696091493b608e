import CVecShim

// gelu(approximate="tanh") on SIMD8<Double>, forward and backward, as x sigmoid(w) with
// w = 2 sqrt(2/pi) (x + 0.044715 x^3) (0.5 (1 + tanh(w/2)) = sigmoid(w)). w reaches -745 where the
// result underflows, so w is carried as a double-double (a rounded w would move e^w by up to
// 745 2^-53, ~370 ulp); the logistic factors are VectorMath64+Logistic's double-doubles, and the
// gradient sigmoid(w) (1 + x w' sigmoid(-w)) is silu's with x w' (a double-double) in place of x.
// These are the forms for any x (the lanes beyond |x| = 20 and the edges); VectorMath64+GeluTanhFast
// has the ones for |x| <= 20, which the public functions take when every lane is there.
extension VectorMath {
    /// 2 sqrt(2/pi), 2 sqrt(2/pi) 0.044715 and three times that, each as hi + lo (mpmath).
    @usableFromInline static let geluTanhK = (hi: 1.5957691216057308, lo: -9.96930880911092e-17)
    @usableFromInline static let geluTanhKC = (hi: 0.07135481627260025, lo: -6.175149918155315e-19)
    @usableFromInline static let geluTanhK3C = (hi: 0.21406444881780073, lo: 1.2025242832367862e-17)

    /// x (k + a x^2) as hi + lo for |x| <= 30, given x^2 = x2 + x2l and a = (ah, al).
    @inlinable @inline(__always)
    static func geluTanhCubic(_ x: VD, _ x2: VD, _ x2l: VD, _ a: (hi: Double, lo: Double)) -> (hi: VD, lo: VD) {
        let (wh, wl) = geluTanhCubicParts(x, x2, x2l, a)
        let w = wh + wl
        return (w, (wh - w) + wl)
    }

    /// geluTanhCubic's x (k + a x^2) left unnormalised (|lo| within ~2^-50 of |hi|), for the fast
    /// forms, which take lo to first order only: three operations fewer.
    @inlinable @inline(__always)
    static func geluTanhCubicParts(_ x: VD, _ x2: VD, _ x2l: VD, _ a: (hi: Double, lo: Double)) -> (hi: VD, lo: VD) {
        let ah = VD(repeating: a.hi)
        let th = ah * x2
        let tl = fmaD(ah, x2l, fmaD(VD(repeating: a.lo), x2, productError(ah, x2, th)))
        let (ss, se) = twoSum(VD(repeating: geluTanhK.hi), th)
        let sl = se + (VD(repeating: geluTanhK.lo) + tl)
        let wh = x * ss
        return (wh, fmaD(x, sl, productError(x, ss, wh)))
    }

    /// x clamped to [-30, 30] (NaN passes): beyond, sigmoid(w) is 0 or 1 to far below a rounding,
    /// and x^3 stays far from overflow.
    @inlinable @inline(__always)
    static func geluTanhClamp(_ x: VD) -> VD {
        x.replacing(with: 30, where: x .> 30).replacing(with: -30, where: x .< -30)
    }

    /// gelu(x, approximate="tanh") = x sigmoid(w) (torch gelu) for vectors with a lane beyond
    /// |x| = 20, ±inf or NaN (the others: geluTanhFast): sigmoid of w as hi + lo, times x
    /// rounded once (denormal results scaled once). Within 1 ulp (measured). ±0 keep their sign;
    /// below -30 (and at -inf) -0, the limit; above 30 x itself; NaN passes.
    @inline(never) @usableFromInline
    static func geluTanhWide(_ x: VD) -> VD {
        let xc = geluTanhClamp(x)
        let x2 = xc * xc
        let (w, wl) = geluTanhCubic(xc, x2, productError(xc, xc, x2), geluTanhKC)
        let (t, c, m, rare) = logisticParts(w, wl)
        let p = xc * t
        let y = scaled(productFinishSplit(p, fmaD(xc, c, productError(xc, t, p))), m, rare: rare)
        return y.replacing(with: x, where: x .> 30).replacing(with: -0.0, where: x .< -30).replacing(with: x, where: x .== 0)
    }

    /// The zero of the gradient (x0 = -0.7524614220710163) as hi + lo, and its Taylor series there
    /// (mpmath): a1 as hi + lo, then a13 ... a2 (highest first): within 2^-60 on |x - x0| < 1/16.
    @usableFromInline static let geluTanhRootD = (hi: -0x1.81429f9e97e4dp-1, lo: 0x1.4f523ed77dbdcp-55)
    @usableFromInline static let geluTanhRootSlope = (hi: 0.4304000910248585, lo: 2.028254970529195e-17)
    @usableFromInline static let geluTanhRootTaylor: [Double] = [
        -1.5950896871645105e-05, -3.4956171694436116e-05, 0.00012425227802639782, 0.00026392764052681053,
        -0.0009274420230205449, -0.0024227318458750974, 0.005261059254921912, 0.019682309459833118,
        -0.01661932834305256, -0.11394448308095899, -0.01578285352184803, 0.38751844613578895,
    ]

    /// gy (sigmoid(w) (1 + x w' sigmoid(-w))), PyTorch's gelu_backward(approximate="tanh"), for
    /// vectors with a lane beyond |x| = 20, ±inf, NaN or a gy beyond 2^1000 (the others:
    /// geluTanhSlopeFast): every factor a double-double, rounded once with gy; within 1/16 of the
    /// gradient's zero a Taylor series. Within 1 ulp (measured). Above 30 (and at inf) gy, below
    /// -30 gy 0, at -inf gy (-0).
    @inline(never) @usableFromInline
    static func geluTanhBackwardWide(_ x: VD, _ gy: VD) -> VD {
        let xc = geluTanhClamp(x)
        let x2 = xc * xc
        let x2l = productError(xc, xc, x2)
        let (w, wl) = geluTanhCubic(xc, x2, x2l, geluTanhKC)
        let (ah, al) = geluTanhCubic(xc, x2, x2l, geluTanhK3C)  // x w'
        let (v, u, rare) = logisticPair(w, lo: wl)
        let su = pow2(rare ? atLeast(u.m, -1022) : u.m)  // sigmoid(-w) below 2^-1022 leaves 1 + q = 1
        let ut = u.t * su, uc = u.c * su
        let qh = ah * ut
        let ql = fmaD(ah, uc, fmaD(al, ut, productError(ah, ut, qh)))
        let (oh, oe) = twoSum(VD(repeating: 1), qh)
        let ol = oe + ql
        let dh = v.t * oh
        let dl = fmaD(v.t, ol, fmaD(v.c, oh, productError(v.t, oh, dh)))
        var g = scaled(productFinish(gy, 0.5 * dh, 0.5 * dl), v.m &+ 1, rare: rare)
        let near = absolute(x - VD(repeating: geluTanhRootD.hi)) .< 0.0625
        if anyTrue(near) {
            let series = nearRootSeries(gy, x, root: geluTanhRootD, slope: geluTanhRootSlope, geluTanhRootTaylor)
            g = g.replacing(with: series, where: near)
        }
        g = g.replacing(with: gy * 0, where: x .< -30).replacing(with: gy * -0.0, where: x .== -.infinity)
        return g.replacing(with: gy, where: x .> 30)
    }
}
