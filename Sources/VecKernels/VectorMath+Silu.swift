// SiLU (swish) and log-sigmoid on SIMD16<Float>: the two activations built directly on the
// logistic function. Gradients are evaluated in float64 lanes (VectorMath+Float64Lanes).
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
        if anyTrue(x .< -80) {
            return V(lowHalf: narrow(siluD(widen(x.lowHalf))), highHalf: narrow(siluD(widen(x.highHalf))))
        }
        return x * sigmoid(x)
    }

    @_transparent @usableFromInline
    static func siluD(_ x: VD) -> VD {
        select(x .== -.infinity, -0.0, x * logisticD(x).value)
    }

    /// gy * silu'(x), silu'(x) = sigmoid(x) (1 + x (1 - sigmoid(x))), float32 x and gy; within 0.51
    /// ulp, including around silu's minimum at x0 = -1.2785 (Taylor series in x - x0 there).
    /// silu'(+inf) = 1, silu'(-inf) = -0.
    @inlinable @inline(__always)
    public static func siluBackward(x: V, gy: V) -> V {
        let near = anyNearRoot(x, siluRoot.hi)
        return V(lowHalf: narrow(siluBackwardD(widen(x.lowHalf), widen(gy.lowHalf), near: near)),
                 highHalf: narrow(siluBackwardD(widen(x.highHalf), widen(gy.highHalf), near: near)))
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
    public static func logSigmoid(_ x: V) -> V {
        negate(softplusUnit(negate(x), threshold: .infinity))
    }

    /// gy * (1 - sigmoid(x)) = gy sigmoid(-x), the derivative of logSigmoid; float32 x and gy,
    /// float64 evaluation rounded once (within 0.51 ulp, denormal results included).
    @inlinable @inline(__always)
    public static func logSigmoidBackward(x: V, gy: V) -> V {
        let low = widen(gy.lowHalf) * logisticD(widen(x.lowHalf)).complement
        return V(lowHalf: narrow(low), highHalf: narrow(widen(gy.highHalf) * logisticD(widen(x.highHalf)).complement))
    }
}
