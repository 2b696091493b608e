// The grad-mode forward of sigmoid, tanh and silu on SIMD8<Double>: y and the complement c that
// the backward reads (see VectorMath+LogisticComplement.swift for the float32 forms and the why).
// y is bit for bit the no-grad forward's.
extension VectorMath {
    /// sigmoid(x) and c = sigmoid(-|x|), from sigmoid's own exponential and division
    /// (logisticDirect): c is y where x < 0 and E/(1 + E), rounded once, elsewhere. Vectors with
    /// a lane below -|x| = -700, ±inf or NaN take sigmoidWide twice.
    @inlinable @inline(__always)
    static func sigmoidWithComplement(_ x: VD) -> (y: VD, c: VD) {
        if _slowPath(anyTrue(.!(negativeAbsolute(x) .>= -700))) { return sigmoidWithComplementWide(x) }
        let d = logisticDirect(x)
        let y = fmaD(negate(d.err), d.r, d.r)
        let (a, c) = logisticComplementParts(d)
        return (y, (a + c).replacing(with: y, where: x .< 0))
    }

    /// tanh(x) and c = 1 - |tanh x| = 2 sigmoid(-2|x|) (2|x| and the doubling are exact). For
    /// |x| <= 25 (every lane) both come from tanhFast's one exponential and one division.
    /// Otherwise (NaN included) tanh and sigmoidWide.
    @inlinable @inline(__always)
    static func tanhWithComplement(_ x: VD) -> (y: VD, c: VD) {
        if _slowPath(anyTrue(.!(absolute(x) .<= 25))) { return tanhWithComplementWide(x) }
        return tanhFastWithComplement(x)
    }

    /// tanhWithComplement off the common path.
    @inline(never) @usableFromInline
    static func tanhWithComplementWide(_ x: VD) -> (y: VD, c: VD) {
        let a = absolute(x)
        let c = sigmoidWide(0 - (a + a))
        return (tanhFast(x), c + c)
    }

    /// sigmoidWithComplement off the common path.
    @inline(never) @usableFromInline
    static func sigmoidWithComplementWide(_ x: VD) -> (y: VD, c: VD) {
        (sigmoidWide(x), sigmoidWide(negativeAbsolute(x)))
    }

    /// silu(x) and c = silu'(x) (siluBackward's value at gy = 1, within its 1.15 ulp) from silu's
    /// own exponential (y divides x by 1 + e^-x, c needs 1/(1 + e^-x): two divisions), so that
    /// the backward is gy c: two streams, as PyTorch's silu_backward(gy, x). Vectors off
    /// the common path (a lane below -|x| = -700, ±inf or NaN) take siluWide and siluBackwardWide.
    @inlinable @inline(__always)
    static func siluWithComplement(_ x: VD) -> (y: VD, c: VD) {
        let one = VD(repeating: 1)
        if _slowPath(logisticOffFast(negativeAbsolute(x), one)) { return siluWithComplementWide(x) }
        return (siluValueFast(x), siluSlopeNearRoot(one, x))
    }

    /// siluWithComplement off the common path.
    @inline(never) @usableFromInline
    static func siluWithComplementWide(_ x: VD) -> (y: VD, c: VD) {
        (siluWide(x), siluBackwardWide(x, VD(repeating: 1)))
    }

    /// gy silu'(x) from c = silu'(x): gy c, one more rounding than siluBackward from x: 1.49 ulp
    /// measured (VectorMath64Tests; 1.15 from x). Where c is 0 (x below -800) or -0 (x = -inf) gy c
    /// is what siluBackward gives there; zeros take IEEE's sign of gy c, as PyTorch's.
    @inlinable @inline(__always)
    static func siluBackward(complement c: VD, gy: VD) -> VD { gy * c }

    /// gy sigmoid'(x) from c = sigmoid(-|x|): gy c (1 - c), c - c^2 as p + its rounding error
    /// (see the float32 form), one rounding in effect.
    @inlinable @inline(__always)
    static func sigmoidBackward(complement c: VD, gy: VD) -> VD {
        let p = fmaD(negate(c), c, c)
        return complementProduct(gy, p, fmaD(negate(c), c, c - p))
    }

    /// gy (p + pLo) with one rounding in effect; gy p itself where that is 0 (keeps -0, as gy p
    /// does), infinite or NaN (gy pLo would turn an infinite gy into NaN where pLo = 0).
    @inlinable @inline(__always)
    static func complementProduct(_ gy: VD, _ p: VD, _ pLo: VD) -> VD {
        let g = gy * p
        return g.replacing(with: g + fmaD(gy, pLo, productError(gy, p, g)), where: finiteNonzero(g))
    }

    /// The lanes where 0 < |v| < inf, in one integer compare (see the float32 form).
    @inlinable @inline(__always)
    @_disfavoredOverload static func finiteNonzero(_ v: VD) -> SIMDMask<VL> {
        (bits(v) & Int64.max) &+ Int64.max .< VL(repeating: Int64.min &+ 0x7FEF_FFFF_FFFF_FFFF)
    }

    /// gy tanh'(x) from c = 1 - |tanh x|: gy c (2 - c), 2c - c^2 as p + its rounding error.
    @inlinable @inline(__always)
    static func tanhBackward(complement c: VD, gy: VD) -> VD {
        let c2 = c + c
        let p = fmaD(negate(c), c, c2)
        return complementProduct(gy, p, fmaD(negate(c), c, c2 - p))
    }
}
