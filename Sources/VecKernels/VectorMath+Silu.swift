// SiLU (swish) and log-sigmoid on SIMD16<Float>: the two activations built directly on the
// logistic function, in float32 lanes; float64 lanes (VectorMath+Float64Lanes) only for the rare
// vectors whose results approach the denormal range.
extension VectorMath {
    /// The zero of silu', x0 = -1.27846454276107379510936, and silu' about it.
    @usableFromInline static let siluRoot: DerivativeRoot = (
        -0x1.474973c84120bp+0, -0x1.f8d74bc9ac154p-54,
        (0x1.be1410460527fp-3, 0x1.2c563458cc0adp-3, 0x1.353eb573ca457p-6,
         -0x1.f2d0e32bc2994p-7, -0x1.b0f82c498fd2fp-8, 0x1.098e92b8f076dp-13))

    /// SiLU x sigmoid(x) (torch.nn.functional.silu), float32: x times VectorMath's float32
    /// sigmoid, 1.98 ulp max measured, ~3x faster than the float64 path. Below x = -80 sigmoid
    /// nears the denormal range and loses relative precision, so a vector with such a lane takes
    /// the float64 path (0.5 ulp, denormal results included, -0 below x ~ -108). silu(-inf) = -0,
    /// the limit (PyTorch's x / (1 + e^-x) gives NaN there).
    @inlinable @inline(__always)
    public static func silu(_ x: V) -> V {
        if _slowPath(anyTrue(x .< -80)) {
            return V(lowHalf: narrow(siluD(widen(x.lowHalf))), highHalf: narrow(siluD(widen(x.highHalf))))
        }
        return x * sigmoid(x)
    }

    @_transparent @usableFromInline
    static func siluD(_ x: VD) -> VD {
        select(x .== -.infinity, -0.0, x * logisticD(x).value)
    }

    /// e^-x and d = 1 + e^-x, each rounded once, for |x| <= 16 (sigmoid's fast path: 2^n + 1 is
    /// exact there): 1/d is sigmoid(x) within 1.6 ulp and e^-x/d is sigmoid(-x) within 2.
    @inlinable @inline(__always)
    static func logisticParts(_ x: V) -> (e: V, d: V) {
        let (r, _, n) = reduceLn2(negate(x))
        let s = fma(expPolynomial(r), r * r, r)  // e^r - 1
        let sc = pow2(n)
        return (fma(sc, s, sc), fma(sc, s, sc + 1))
    }

    /// Horner's rule for c.0 + c.1 t + ... + c.8 t^8 in float32.
    @inlinable @inline(__always)
    static func poly9(_ t: V, _ c: (Float, Float, Float, Float, Float, Float, Float, Float, Float)) -> V {
        var q = fma(V(repeating: c.8), t, V(repeating: c.7))
        q = fma(q, t, V(repeating: c.6))
        q = fma(q, t, V(repeating: c.5))
        q = fma(q, t, V(repeating: c.4))
        q = fma(q, t, V(repeating: c.3))
        q = fma(q, t, V(repeating: c.2))
        q = fma(q, t, V(repeating: c.1))
        return fma(q, t, V(repeating: c.0))
    }

    /// gy * silu'(x), silu'(x) = s (1 + x (1 - s)) with s = sigmoid(x); float32 x and gy, in
    /// float32 lanes: within 3.04 ulp measured (2.49 with gy = 1), silu'(+inf) = 1, silu'(-inf) = -0. For x < 0 the
    /// factor is (1 + x) - x s (1 + x exact), so sigmoid's error enters scaled by |x s / g| < 0.55
    /// outside |x - x0| < 0.5 around silu's minimum x0 = -1.2785; inside, (x - x0) Q(x - x0) with
    /// Q a degree-7 fit of silu'(x) / (x - x0) on |x - x0| <= 0.5 (mpmath Taylor, reweighted least
    /// squares; 0.40 2^-24 relative with float32 coefficients, where the degree-9 fit on 0.75 was
    /// 0.42; float32 emulation: 3.02 ulp max either way, outside the window) keeps the relative
    /// precision where the factor cancels. Vectors with a lane
    /// beyond |x| = 16 (denormal gradients below -87) take the float64 path (0.51 ulp).
    @inline(__always)
    public static func siluBackward(x: V, gy: V) -> V {
        if _slowPath(anyTrue(.!(absolute(x) .<= 16))) {
            let near = anyNearRoot(x, siluRoot.hi)
            return V(lowHalf: narrow(siluBackwardD(widen(x.lowHalf), widen(gy.lowHalf), near: near)),
                     highHalf: narrow(siluBackwardD(widen(x.highHalf), widen(gy.highHalf), near: near)))
        }
        let (e, den) = logisticParts(x)
        return gy * siluSlope(x, e: e, s: reciprocal(den))
    }

    /// silu'(x) for |x| <= 16 from the logistic parts e = e^-x and s = sigmoid(x) (siluBackward's
    /// common path, and the complement of the grad-mode forward).
    @inline(__always)
    static func siluSlope(_ x: V, e: V, s: V) -> V {
        let negative = fma(negate(x), s, 1 + x)
        let positive = fma(x, e * s, V(repeating: 1))
        let d = s * negative.replacing(with: positive, where: x .>= 0)
        let t0 = x - V(repeating: -0x1.474974p+0)  // x0's float32 head: exact (Sterbenz) in the window
        // Every vector evaluates the series: a branch on the window (a lane in it in ~60% of
        // vectors of uniform data on [-8, 8]) mispredicted often enough to cost more.
        let t = t0 - V(repeating: 0x1.bdf6fap-27)  // x0's tail
        var q = fma(V(repeating: 0x1.669a12p-13), t, V(repeating: 0x1.97af10p-11))
        q = fma(q, t, V(repeating: 0x1.0e7b50p-13))
        q = fma(q, t, V(repeating: -0x1.b0c0eap-8))
        q = fma(q, t, V(repeating: -0x1.f2d1f0p-7))
        q = fma(q, t, V(repeating: 0x1.353e04p-6))
        q = fma(q, t, V(repeating: 0x1.2c5634p-3))
        q = fma(q, t, V(repeating: 0x1.be1410p-3))
        return d.replacing(with: t * q, where: absolute(t0) .< 0.5)
    }

    @_transparent @usableFromInline
    static func siluBackwardD(_ x: VD, _ gy: VD, near: Bool) -> VD {
        let (s, sc) = logisticD(x)
        return activationGradient(fmaD(x * s, sc, s), x: x, gy: gy, near: near, root: siluRoot)
    }

    /// log(sigmoid(x)) = -softplus(-x) (torch.nn.functional.logsigmoid), float32: VectorMath's
    /// float32 softplus with no threshold, negated: within 1.5 ulp, -inf at -inf, and -0 at +inf
    /// (the sign of the limit from below; PyTorch's min(x, 0) - log1p(e^-|x|) gives +0). NaN passes.
    @inlinable @inline(__always)
    public static func logSigmoid(_ x: V) -> V { logSigmoidWithComplement(x).y }

    /// gy * (1 - sigmoid(x)) = gy sigmoid(-x), the derivative of logSigmoid; float32 x and gy, in
    /// float32 lanes: gy e / (1 + e) for x > 0 and gy / (1 + e) otherwise, e = e^-|x| from
    /// VectorMath.exp (denormal results round once), so neither tail cancels: within 2.9 ulp
    /// measured (2.02 with gy = 1). logSigmoid'(-inf) = 1, logSigmoid'(+inf) = 0.
    @inlinable @inline(__always)
    public static func logSigmoidBackward(x: V, gy: V) -> V {
        let e = exp(negativeAbsolute(x))
        let numerator = V(repeating: 1).replacing(with: e, where: x .> 0)
        return gy * divide(numerator, 1 + e)
    }
}
