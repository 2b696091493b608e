import CVecShim

// The grad-mode forms of gelu and mish (UnarySaved.complement), float32 and float64: the forward
// writes y and c = f'(x), the derivative itself, and the backward is gy c, two streams in and one
// out, as JAX's pullback reuses its forward's residuals. The forward evaluates y and f' from the
// same parts (the exponential and the tail or quotient the compiler shares between the two inlined
// bodies); c rounds once, gy c once more: measured in
// ElementwiseComplementTests and `vecbench accuracy`.
extension VectorMath {
    /// gelu(x) and gelu'(x), float64 (gy f' at gy = 1: the root series and the edges included).
    @inlinable @inline(__always)
    static func geluWithComplement(_ x: VD) -> (y: VD, c: VD) {
        let c = geluBackward(x: x, gy: VD(repeating: 1))
        // The left tail's underflow as -0 (gelu' < 0 there), so that gy c has the sign of the
        // exact gy gelu'(x) rounded, as the reference's.
        return (gelu(x), c.replacing(with: -0.0, where: (c .== 0) .& (x .< 0)))
    }

    /// gelu(x) and gelu'(x), float32 lanes (each within the float32 kernels' bounds).
    @inlinable @inline(__always)
    static func geluWithComplement(_ x: V) -> (y: V, c: V) {
        let c = geluBackward(x: x, gy: V(repeating: 1))
        return (gelu(x), c.replacing(with: -0.0, where: (c .== 0) .& (x .< 0)))
    }

    /// mish(x) and mish'(x), float64.
    @inlinable @inline(__always)
    static func mishWithComplement(_ x: VD) -> (y: VD, c: VD) {
        (mish(x), mishBackward(x: x, gy: VD(repeating: 1)))
    }

    /// mish(x) and mish'(x), float32 lanes.
    @inlinable @inline(__always)
    static func mishWithComplement(_ x: V) -> (y: V, c: V) {
        (mish(x), mishBackward(x: x, gy: V(repeating: 1)))
    }
}
