// GELU on SIMD16<Float>, both of PyTorch's forms (torch.nn.functional.gelu with approximate
// "none" and "tanh"), forward and gradient from x, evaluated in float64 lanes and rounded once
// (see VectorMath+Float64Lanes), except the exact form's forward (VectorMath+GeluTail). At -inf every form here returns its limit (-0 for the value,
// -0 for the gradient) where PyTorch's formula evaluates -inf * 0 = NaN; +inf gives +inf and 1.
extension VectorMath {
    /// The zero of gelu', x0 = -0.75179152469356445745790, and gelu' about it.
    @usableFromInline static let geluRoot: DerivativeRoot = (
        -0x1.80ead197f00b4p-1, 0x1.13e74c58cada8p-56,
        (0x1.b9d98fa5a3215p-2, 0x1.8d9a941de3ac5p-2, -0x1.2a2ef9bb865aep-6,
         -0x1.d2fa4c17c7e84p-4, -0x1.e4088244f901dp-7, 0x1.3e346def42057p-6))

    /// The zero of the tanh form's derivative, x0 = -0.75246142207101625849, and the series about it.
    @usableFromInline static let geluTanhRoot: DerivativeRoot = (
        -0x1.81429f9e97e4dp-1, 0x1.4f523ed77dbdcp-55,
        (0x1.b8bacd2c96b91p-2, 0x1.8cd1a2b2fff33p-2, -0x1.029615edb077ap-6,
         -0x1.d2b77346470abp-4, -0x1.104a83edc0ddcp-6, 0x1.427996dc249cep-6))

    @_transparent @usableFromInline
    static func geluD(_ x: VD) -> VD {
        let e = erfcD(absoluteD(x) * VD(repeating: 0.70710678118654752440), squared: x * x * 0.5).erfc
        let half = x * 0.5
        let y = select(x .>= 0, x * fmaD(VD(repeating: -0.5), e, VD(repeating: 1)), half * e)
        return select(x .== -.infinity, -0.0, y)
    }

    /// gy * gelu'(x), gelu'(x) = Phi(x) + x phi(x), phi the standard normal density; float32 x and
    /// gy. Within 0.51 ulp in float64 evaluation, including around gelu's minimum at x0 = -0.7518
    /// where Phi and x phi cancel (a Taylor series in x - x0 there).
    @inlinable @inline(__always)
    public static func geluBackward(x: V, gy: V) -> V {
        let near = anyNearRoot(x, geluRoot.hi)
        return V(lowHalf: narrow(geluBackwardD(widen(x.lowHalf), widen(gy.lowHalf), near: near)),
                 highHalf: narrow(geluBackwardD(widen(x.highHalf), widen(gy.highHalf), near: near)))
    }

    @_transparent @usableFromInline
    static func geluBackwardD(_ x: VD, _ gy: VD, near: Bool) -> VD {
        let (e, gauss) = erfcD(absoluteD(x) * VD(repeating: 0.70710678118654752440), squared: x * x * 0.5)
        let cdf = select(x .>= 0, fmaD(VD(repeating: -0.5), e, VD(repeating: 1)), e * 0.5)
        let d = fmaD(x, gauss * VD(repeating: 0.39894228040143267794), cdf)  // 1/sqrt(2 pi)
        return activationGradient(d, x: x, gy: gy, near: near, root: geluRoot)
    }

    /// The argument w = 2 sqrt(2/pi) (x + 0.044715 x^3) of the tanh form, written as x sigmoid(w)
    /// (0.5 (1 + tanh(w/2)) = sigmoid(w)), and its derivative dw/dx.
    @_transparent @usableFromInline
    static func geluTanhArgument(_ x: VD) -> (w: VD, slope: VD) {
        let k2 = VD(repeating: 1.5957691216057307117)  // 2 sqrt(2/pi)
        let xx = x * x
        let w = k2 * fmaD(VD(repeating: 0.044715), xx * x, x)
        return (w, k2 * fmaD(VD(repeating: 3 * 0.044715), xx, VD(repeating: 1)))
    }

    /// GELU's tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), torch's gelu
    /// with approximate "tanh", float32. Within 0.51 ulp (as x sigmoid(w): no cancellation in
    /// either tail); results underflow to -0 below x ~ -10.9.
    @inlinable @inline(__always)
    public static func geluTanh(_ x: V) -> V {
        V(lowHalf: narrow(geluTanhD(widen(x.lowHalf))), highHalf: narrow(geluTanhD(widen(x.highHalf))))
    }

    @_transparent @usableFromInline
    static func geluTanhD(_ x: VD) -> VD {
        select(x .== -.infinity, -0.0, x * logisticD(geluTanhArgument(x).w).value)
    }

    /// gy * d/dx of geluTanh: sigmoid(w) (1 + x (1 - sigmoid(w)) w'), float32 x and gy; within
    /// 0.51 ulp, including around its zero at x0 = -0.7525 (Taylor series in x - x0 there).
    @inlinable @inline(__always)
    public static func geluTanhBackward(x: V, gy: V) -> V {
        let near = anyNearRoot(x, geluTanhRoot.hi)
        return V(lowHalf: narrow(geluTanhBackwardD(widen(x.lowHalf), widen(gy.lowHalf), near: near)),
                 highHalf: narrow(geluTanhBackwardD(widen(x.highHalf), widen(gy.highHalf), near: near)))
    }

    @_transparent @usableFromInline
    static func geluTanhBackwardD(_ x: VD, _ gy: VD, near: Bool) -> VD {
        let (w, slope) = geluTanhArgument(x)
        let (s, sc) = logisticD(w)
        return activationGradient(fmaD(x * s, sc * slope, s), x: x, gy: gy, near: near, root: geluTanhRoot)
    }
}
