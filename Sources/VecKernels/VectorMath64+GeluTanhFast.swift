import CVecShim

// gelu(approximate="tanh") on SIMD8<Double> for |x| <= 20, where w = 2 sqrt(2/pi) (x + 0.044715 x^3)
// stays within 603 in magnitude and e^-w within the fast logistic core's range (|w| <= 700,
// VectorMath64+LogisticFast): one table-driven exp and one or two divisions instead of the
// double-double e^w and its refined reciprocal (VectorMath64+GeluTanh, kept for the other lanes).
// w's low part wl (up to 603 2^-53, which moves e^-w by ~300 ulp) enters to first order:
// e^-(w + wl) = E (1 - wl), sigmoid(w + wl) = a (1 + b wl), sigmoid(-(w + wl)) = b (1 - a wl), with
// a = sigmoid(w), b = sigmoid(-w); the dropped terms are ~wl^2 < 2^-86. `vecbench ab`, 2^20, 1
// thread, against the double-double forms: see docs/measurements.md.
extension VectorMath {
    /// The fast forms' bound on |x|: |w| = 602.7 at 20.
    @usableFromInline static let geluTanhFastBound = 20.0

    /// Whether every lane of x takes the fast forms (NaN does not): the same test in the forward,
    /// the backward and the grad-mode forward, whose y must be the forward's bit for bit.
    @inlinable @inline(__always)
    static func geluTanhAllFast(_ x: VD) -> Bool { !anyTrue(.!(absolute(x) .<= VD(repeating: geluTanhFastBound))) }

    /// gelu(x, approximate="tanh"), PyTorch's gelu: 1.31 ulp measured (VectorMath64MishTests; bound 2).
    /// ±0 keep their sign; below -30 (and at -inf) -0, the limit; above 30 x; NaN passes.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func geluTanh(_ x: SIMD8<Double>) -> SIMD8<Double> {
        guard _fastPath(geluTanhAllFast(x)) else { return geluTanhWide(x) }
        let a = geluTanhArgument(x)
        return geluTanhFast(x, a.wl, logisticDenominator(a.w))
    }

    /// gy gelu'(x) (PyTorch's gelu_backward(approximate="tanh")): 1.21 ulp measured over -35...35,
    /// 1.07 over |x| <= 20 (VectorMath64MishTests; bound 2); above
    /// 30 (and at inf) gy, below -30 gy 0, at -inf gy (-0).
    @inlinable @inline(__always)
    @_disfavoredOverload public static func geluTanhBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        guard _fastPath(geluTanhAllFast(x)), _fastPath(!anyTrue(.!(absolute(gy) .< 0x1p1000))) else { return geluTanhBackwardWide(x, gy) }
        let a = geluTanhArgument(x)
        return geluTanhSlopeFast(gy, x, a, logisticDenominator(a.w))
    }

    /// y = gelu(x) (bit for bit the no-grad forward's) and c = gelu'(x) for the grad-mode forward:
    /// the backward is then gy c: 1.40 ulp from gy gelu'(x) in VectorMath64MishTests' sweep, 1.49 in
    /// a scalar model over [-20, -5] (c's rounding and the product's; bound 2).
    @inlinable @inline(__always)
    static func geluTanhWithComplement(_ x: SIMD8<Double>) -> (y: SIMD8<Double>, c: SIMD8<Double>) {
        guard _fastPath(geluTanhAllFast(x)) else { return (geluTanhWide(x), geluTanhBackwardWide(x, VD(repeating: 1))) }
        let a = geluTanhArgument(x)
        let d = logisticDenominator(a.w)
        return (geluTanhFast(x, a.wl, d), geluTanhSlopeFast(VD(repeating: 1), x, a, d))
    }

    /// w = 2 sqrt(2/pi) (x + 0.044715 x^3) as w + wl, and x^2 as x2 + x2l, for |x| <= 20.
    @inlinable @inline(__always)
    static func geluTanhArgument(_ x: VD) -> (w: VD, wl: VD, x2: VD, x2l: VD) {
        let x2 = x * x
        let x2l = productError(x, x, x2)
        let (w, wl) = geluTanhCubicParts(x, x2, x2l, geluTanhKC)
        return (w, wl, x2, x2l)
    }

    /// x sigmoid(w + wl) = x / (1 + E (1 - wl)), E = e^-w, as silu's forward: the denominator's low
    /// part dl - E wl reaches 2^-44 of it through E wl (hence quotientOverDenominator's 2^-14
    /// reciprocal). d = logisticDenominator(w); the result has x's sign (±0 too).
    @inlinable @inline(__always)
    static func geluTanhFast(_ x: VD, _ wl: VD, _ d: (dh: VD, dl: VD, e: VD, q: VD, sc: VD)) -> VD {
        quotientOverDenominator(x, d.dh, fmaD(negate(d.e), wl, d.dl))
    }

    /// gy sigmoid(w + wl) (1 + x w' sigmoid(-(w + wl))) with x w' = 2 sqrt(2/pi) (x + 3 0.044715 x^3)
    /// (a double-double), each factor a double-double and the product rounded once with gy, as
    /// siluSlopeFast; within 1/16 of the zero of gelu' the Taylor series there.
    @inlinable @inline(__always)
    static func geluTanhSlopeFast(_ gy: VD, _ x: VD, _ arg: (w: VD, wl: VD, x2: VD, x2l: VD),
                                  _ d: (dh: VD, dl: VD, e: VD, q: VD, sc: VD)) -> VD {
        let (sh, sl) = geluTanhCubicParts(x, arg.x2, arg.x2l, geluTanhK3C)  // x w'
        let r = 1 / d.dh
        let err = fmaD(r, d.dl, productMinusOne(r, d.dh))
        let (b, bl0) = logisticComplementParts((d.e, d.q, d.sc, r, err))  // sigmoid(-w)
        let ab = r * b  // sigmoid'(w), for the first-order terms in wl
        let a = r, al = fmaD(ab, arg.wl, negate(err * r))  // sigmoid(w + wl) = a + al
        let bl = fmaD(negate(ab), arg.wl, bl0)  // sigmoid(-(w + wl)) = b + bl
        let qh = sh * b
        let ql = fmaD(sh, bl, fmaD(sl, b, productError(sh, b, qh)))
        var g = logisticSlopeProduct(gy, a, al, qh, ql)
        let near = absolute(x - VD(repeating: geluTanhRootD.hi)) .< 0.0625
        if anyTrue(near) {
            g = g.replacing(with: nearRootSeries(gy, x, root: geluTanhRootD, slope: geluTanhRootSlope, geluTanhRootTaylor),
                            where: near)
        }
        return g
    }
}
