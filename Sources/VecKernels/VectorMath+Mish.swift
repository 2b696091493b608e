// Mish, x tanh(softplus(x)) (torch.nn.functional.mish), on SIMD16<Float> in float64 lanes.
// With u = e^x, tanh(log(1 + u)) = u (u + 2) / (u (u + 2) + 2); for x > 0 the same ratio in
// e = e^-x is (1 + 2e) / (1 + 2e + 2e^2). Either way one exponential of -|x| <= 0 and no
// cancellation, so tanh(softplus) keeps its relative precision in both tails.
extension VectorMath {
    /// The zero of mish', x0 = -1.19243121451549521214, and mish' about it.
    @usableFromInline static let mishRoot: DerivativeRoot = (
        -0x1.31432c0d12d84p+0, -0x1.bf319154da210p-55,
        (0x1.115acb42500bbp-2, 0x1.a34a251d8ad7bp-3, 0x1.574f121a868dbp-5,
         -0x1.4c222fe64d4fbp-6, -0x1.03369d4ac90fap-6, -0x1.b87ddfb51b745p-9))

    /// tanh(softplus(x)) = n / d with d - n = 2 (x <= 0) or 2 e^2 (x > 0), and sech^2(softplus) *
    /// sigmoid(x) = 4 q / d^2 with q = u (1 + u) or e^2 (1 + e).
    @_transparent @usableFromInline
    static func mishParts(_ x: VD) -> (n: VD, d: VD, q: VD) {
        let e = expD(-absoluteD(x))
        let positive = x .> 0
        let ee = e * e
        let twoE = e + e
        let n = select(positive, twoE + 1, e * (e + 2))
        let d = select(positive, fmaD(ee, VD(repeating: 2), n), n + 2)
        let q = select(positive, fmaD(ee, e, ee), fmaD(e, e, e))
        return (n, d, q)
    }

    /// Mish x tanh(softplus(x)), float32; within 0.51 ulp, denormal results in the left tail
    /// included. mish(-inf) = -0, the limit (PyTorch's formula gives -inf * 0 = NaN).
    @inlinable @inline(__always)
    public static func mish(_ x: V) -> V {
        V(lowHalf: narrow(mishD(widen(x.lowHalf))), highHalf: narrow(mishD(widen(x.highHalf))))
    }

    @_transparent @usableFromInline
    static func mishD(_ x: VD) -> VD {
        let (n, d, _) = mishParts(x)
        return select(x .== -.infinity, -0.0, x * n * reciprocalD(d))
    }

    /// gy * mish'(x), mish' = tanh(sp) + x sech^2(sp) sigmoid(x), sp = softplus(x); float32 x and
    /// gy; within 0.51 ulp, including around mish's minimum at x0 = -1.1924 (Taylor series in
    /// x - x0 there). mish'(+inf) = 1, mish'(-inf) = -0.
    @inlinable @inline(__always)
    public static func mishBackward(x: V, gy: V) -> V {
        let near = anyNearRoot(x, mishRoot.hi)
        return V(lowHalf: narrow(mishBackwardD(widen(x.lowHalf), widen(gy.lowHalf), near: near)),
                 highHalf: narrow(mishBackwardD(widen(x.highHalf), widen(gy.highHalf), near: near)))
    }

    @_transparent @usableFromInline
    static func mishBackwardD(_ x: VD, _ gy: VD, near: Bool) -> VD {
        let (n, d, q) = mishParts(x)
        let r = reciprocalD(d)
        return activationGradient(fmaD(n, d, 4 * x * q) * (r * r), x: x, gy: gy, near: near, root: mishRoot)
    }
}
