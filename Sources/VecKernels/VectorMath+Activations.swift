// tanh, sigmoid and softplus on SIMD16<Float>, built on VectorMath's exp and log pieces. Each
// divides by or takes the log of 1 + e with e = e^-|x| carried as hi + lo, so that neither tail
// loses relative precision (PyTorch's float32 sigmoid is off by up to 2.1 million ulp there).
extension VectorMath {
    /// Hyperbolic tangent. |x| < 0.625: odd Cephes polynomial; beyond, 1 - q with
    /// q = 2t/(1+t), t = e^(-2|x|) <= 0.29 (cannot overflow). q is corrected for the rounding of
    /// 1 + t and for t's own error (t = th + tl), so only the division and 1 - q round.
    /// The sign is OR-ed back in (keeps -0).
    @inlinable @inline(__always)
    public static func tanh(_ x: V) -> V {
        let a = absolute(x)
        let z = a * a
        var p = fma(V(repeating: -5.70498872745e-3), z, V(repeating: 2.06390887954e-2))
        p = fma(p, z, V(repeating: -5.37397155531e-2))
        p = fma(p, z, V(repeating: 1.33314422036e-1))
        p = fma(p, z, V(repeating: -3.33332819422e-1))
        let small = fma(p, a * z, a)
        let (th, tl) = expNonPositiveParts(-(a + a))
        let d = 1 + th
        let err = (th - (d - 1)) + tl  // 1 + t = d + err
        let q0 = (th + th) / d
        let inv = fma(V(repeating: -0.5), q0, V(repeating: 1))  // 1/(1+t) = 1 - q/2
        let q = fma(inv, fma(-q0, err, tl + tl), q0)  // 2t/(1+t) ~ q0 + (2 tl - q0 err)/d
        let large = 1 - q
        return withSign(small.replacing(with: large, where: .!(a .< 0.625)), of: x)
    }

    /// Logistic sigmoid 1/(1+e^-x), from e = e^-|x| in both tails: x >= 0 gives 1/(1+e), x < 0
    /// gives e/(1+e), so the negative tail keeps full relative precision down to denormals.
    /// With e = eh + el and 1 + eh = d + err (Fast2Sum), num/(1+e) ~ q + (numLo - q (err + el))/d
    /// where q = num/d: one division, and 1/d for the correction is q (x >= 0) or 1 - q (x < 0).
    @inlinable @inline(__always)
    public static func sigmoid(_ x: V) -> V {
        let (eh, el) = expNonPositiveParts(negativeAbsolute(x))
        let negative = x .< 0
        let d = 1 + eh
        let err = (eh - (d - 1)) + el
        let q = V(repeating: 1).replacing(with: eh, where: negative) / d
        let inv = q.replacing(with: 1 - q, where: negative)
        let numLo = el.replacing(with: 0, where: .!negative)
        return fma(inv, fma(-q, err, numLo), q)
    }

    /// PyTorch softplus: log(1 + e^(beta x)) / beta, and x itself where beta x > threshold.
    /// Computed as max(bx, 0) + log1p(e^-|bx|), which neither overflows nor cancels.
    @inlinable @inline(__always)
    public static func softplus(_ x: V, beta: Float, threshold: Float) -> V {
        beta == 1 ? softplusUnit(x, threshold: threshold) : softplusScaled(x, beta: beta, threshold: threshold)
    }

    /// softplus with beta = 1 (PyTorch's default).
    @inlinable @inline(__always)
    static func softplusUnit(_ x: V, threshold: Float) -> V {
        let (eh, el) = expNonPositiveParts(negativeAbsolute(x))
        let y = log1pUnit(eh, el) + x.replacing(with: 0, where: .!(x .> 0))
        return y.replacing(with: x, where: x .> threshold)
    }

    /// softplus for beta != 1: the rounding error of beta*x is folded into e^-|bx| (where the tail
    /// e^(beta x) would otherwise lose |beta x| / 2 ulp) and into the linear part; then the sum
    /// is divided by beta.
    @inlinable @inline(__always)
    static func softplusScaled(_ x: V, beta: Float, threshold: Float) -> V {
        let vb = V(repeating: beta)
        let bx = vb * x
        var lo = productError(vb, x, bx)
        lo = lo.replacing(with: 0, where: .!(absolute(bx) .< 1e30))  // bx overflowed, or the split would
        // Sign tricks instead of lane selects (see log1pUnit): loAbs = lo * sign(bx) is the
        // error of |bx|, and `nonNegative` keeps bx + lo where bx >= 0.
        let signBx = bits(bx) & VI(repeating: Int32.min)
        let loAbs = float(bits(lo) ^ signBx)
        let (eh, el) = expNonPositiveParts(negativeAbsolute(bx))
        let e = fma(eh, -loAbs, el)  // e^-(|bx| + lo) ~ (eh + el)(1 - lo)
        let nonNegative = ~(bits(bx) &>> 31)
        let y = ((log1pUnit(eh, e) + float(bits(lo) & nonNegative)) + float(bits(bx) & nonNegative)) / vb
        return y.replacing(with: x, where: bx .> threshold)
    }
}
