// The grad-mode forward of sigmoid, tanh and silu on SIMD16<Float>: y, and the complement c that
// their backward reads instead of recomputing an exponential from x (UnarySaved.complement).
// sigmoid's c = sigmoid(-|x|) = e/(1 + e), e = e^-|x|, in [0, 1/2]; tanh's c = 1 - |tanh x| =
// 2e/(1 + e), e = e^(-2|x|), in [0, 1]. Both derivatives are even in x and read off c without
// cancellation: sigmoid' = c (1 - c) with 1 - c in [1/2, 1], tanh' = c (2 - c) with 2 - c in
// [1, 2] (PyTorch's y (1 - y) and 1 - y^2 cancel to 0 in the tails). c keeps its relative
// precision down to the denormals, which is what the gradient needs: |x| up to 104 (sigmoid) and
// near 52 (tanh) before it rounds to 0, where the exact gradient is below the smallest float too.
// y is bit for bit the no-grad forward's (VectorMath.sigmoid, VectorMath.tanh): the same parts.
extension VectorMath {
    /// sigmoid(x) and c = sigmoid(-|x|). For |x| <= 16 (every lane) one exponential: y = 1/d as
    /// in `sigmoid`, c = y where x < 0, and e/d where x >= 0 (e = e^-x rounds once, the division
    /// and d's rounding are corrected to first order). Otherwise sigmoidWide twice (its tails reach the denormals).
    @inlinable @inline(__always)
    static func sigmoidWithComplement(_ x: V) -> (y: V, c: V) {
        if _slowPath(anyTrue(absolute(x) .> 16)) { return sigmoidWithComplementWide(x) }
        let (sc, s, d) = sigmoidParts(x)
        let y = reciprocal(d)
        // For x >= 0: sc <= 1, so sc + 1 is exact (n >= -23) and (sc + 1) - d too (Sterbenz).
        // c = e/(d + dErr) as q = e y plus one residual step, (e - q d - q dErr) y. (Reusing y's
        // estimate here, as `divide` does, made LLVM split the loop into single lanes: 3x slower.)
        let dErr = fma(sc, s, (sc + 1) - d)
        let e = fma(sc, s, sc)
        let q = e * y
        let cNonNegative = fma(fma(negate(q), dErr, fma(negate(q), d, e)), y, q)
        return (y, y.replacing(with: cNonNegative, where: x .>= 0))
    }

    /// sigmoidWithComplement for vectors with a lane beyond |x| = 16, ±inf or NaN.
    @inline(never) @usableFromInline
    static func sigmoidWithComplementWide(_ x: V) -> (y: V, c: V) {
        (sigmoidWide(x), sigmoidWide(negativeAbsolute(x)))
    }

    /// tanh(x) and c = 1 - |tanh x| = 2e/(1 + e), e = e^(-2|x|). For |x| <= 10 (every lane) from
    /// tanh's own exponential: e = sc (1 + s) rounds once and 1 + e = d + dErr is tanh's exact
    /// denominator, so c is one more division. Otherwise c = 2 sigmoid(-2|x|) (2|x| and the
    /// doubling are exact), which reaches the denormals where tanh's clamp at -2|x| = -20 would not.
    @inlinable @inline(__always)
    static func tanhWithComplement(_ x: V) -> (y: V, c: V) {
        let a = absolute(x)
        if _slowPath(anyTrue(a .> 10)) { return tanhWithComplementWide(x) }
        let (y, sc, s, d, dErr) = tanhParts(x)
        // 2e/(d + dErr) in one refinement step, as tanh's own quotient (tanhParts).
        let e = fma(sc, s, sc), num = e + e, est = reciprocalEstimate(d)
        let q = num * est
        return (y, fma(fma(negate(q), dErr, fma(negate(q), d, num)), est, q))
    }

    /// tanhWithComplement for vectors with a lane beyond |x| = 10 (±inf included).
    @inline(never) @usableFromInline
    static func tanhWithComplementWide(_ x: V) -> (y: V, c: V) {
        let a = absolute(x)
        let c = sigmoid(negate(a + a))
        return (tanh(x), c + c)
    }

    /// gy sigmoid'(x) from c = sigmoid(-|x|): gy c (1 - c), c (1 - c) = c - c^2 as p + its
    /// rounding error (c - p is exact by Sterbenz: p is in [c/2, c]), so that only the last
    /// operation rounds in effect (complementProduct).
    @inlinable @inline(__always)
    static func sigmoidBackward(complement c: V, gy: V) -> V {
        let p = fma(negate(c), c, c)
        return complementProduct(gy, p, fma(negate(c), c, c - p))
    }

    /// gy tanh'(x) from c = 1 - |tanh x|: gy c (2 - c), 2c - c^2 as p + its rounding error
    /// (2c - p is exact: p is in [c, 2c]).
    @inlinable @inline(__always)
    static func tanhBackward(complement c: V, gy: V) -> V {
        let c2 = c + c
        let p = fma(negate(c), c, c2)
        return complementProduct(gy, p, fma(negate(c), c, c2 - p))
    }

    /// gy (p + pLo) with one rounding in effect; gy p itself where that is not finite (an
    /// infinite or NaN gy: gy pLo would turn inf into NaN where pLo = 0) or zero (keeps -0).
    @inlinable @inline(__always)
    static func complementProduct(_ gy: V, _ p: V, _ pLo: V) -> V {
        let g = gy * p
        return g.replacing(with: g + fma(gy, pLo, fma(gy, p, negate(g))), where: finiteNonzero(g))
    }

    /// The lanes where 0 < |v| < inf, in one integer compare: |v|'s bits plus Int32.max wrap 0 to
    /// the top of the signed range and put every finite nonzero magnitude below the infinities and
    /// NaNs. Two compares joined (`(m .> 0) .& (m .< .infinity)`) compiled under AVX2 to ~20
    /// instructions of mask packing per vector, a third of the backward's loop.
    @inlinable @inline(__always)
    static func finiteNonzero(_ v: V) -> SIMDMask<VI> {
        (bits(v) & Int32.max) &+ Int32.max .< VI(repeating: Int32.min &+ 0x7F7F_FFFF)
    }

    /// silu(x) and c = silu'(x), float32 (UnarySaved.complement): the backward is gy c, two
    /// streams, where from x it repeats the exponential, the reciprocal and the series about
    /// silu''s zero (3-4x the cost of the product). For |x| <= 16 (every lane) y is `silu`'s
    /// x sigmoid(x) from sigmoid's own parts and c comes from the same e^-x and 1/d
    /// (`siluSlope`); otherwise `silu` and the float64 gradient with gy = 1.
    @inline(__always)
    static func siluWithComplement(_ x: V) -> (y: V, c: V) {
        if _slowPath(anyTrue(.!(absolute(x) .<= 16))) { return siluWithComplementWide(x) }
        let (sc, s, d) = sigmoidParts(x)
        let sigmoid = reciprocal(d)
        return (x * sigmoid, siluSlope(x, e: fma(sc, s, sc), s: sigmoid))
    }

    /// siluWithComplement for vectors with a lane beyond |x| = 16, ±inf or NaN.
    @inline(never)
    static func siluWithComplementWide(_ x: V) -> (y: V, c: V) {
        (silu(x), siluBackward(x: x, gy: V(repeating: 1)))
    }

    /// gy silu'(x) from c = silu'(x): gy c, one rounding more than siluBackward from x.
    @inlinable @inline(__always)
    static func siluBackward(complement c: V, gy: V) -> V { gy * c }
}
