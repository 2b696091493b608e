import CVecShim

// The grad-mode forms of gelu and mish (UnarySaved.complement), float64 (float32 keeps x): the forward
// writes y and c = f'(x), the derivative itself, and the backward is gy c, two streams in and one
// out, as JAX's pullback reuses its forward's residuals. The float64 forward evaluates y and f'
// from one set of parts (geluParts: the exponential and the normal tail; mishTanhParts); as two
// separate calls the optimiser left gelu out of line, and the grad-mode forward took 3x the
// no-grad one. c rounds once and gy c once more (measured in ElementwiseComplementTests).
extension VectorMath {
    /// gelu(x) and gelu'(x), float64 (gy f' at gy = 1: the root series and the edges included).
    @inlinable @inline(__always)
    static func geluWithComplement(_ x: VD) -> (y: VD, c: VD) {
        let parts = geluParts(x)
        let c = geluSlope(x, VD(repeating: 1), parts)
        // The left tail's underflow as -0 (gelu' < 0 there), so that gy c has the sign of the
        // exact gy gelu'(x) rounded, as the reference's.
        return (geluValue(x, parts), c.replacing(with: -0.0, where: (c .== 0) .& (x .< 0)))
    }

    /// mish(x) and mish'(x), float64.
    @inlinable @inline(__always)
    static func mishWithComplement(_ x: VD) -> (y: VD, c: VD) {
        let parts = mishTanhParts(x)
        return (mishValue(x, parts), mishSlope(x, VD(repeating: 1), parts))
    }
}
