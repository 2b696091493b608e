import CVecShim

// Exact GELU's gradient in float32 lanes. gelu'(x) = Phi(x) + x phi(x); from the pieces of the
// forward (VectorMath+GeluTail): g = e^(-x^2/2) = (1 + s) 2^n with x^2 split exactly, and
// erfc(a) = -2 g H, a = |x| / sqrt 2, H = erfcxHalf (no cancellation in either tail). Then
// gelu' = g (-H + x c) for x < 0 and 1 + g (x c + H) for x >= 0, c = 1/sqrt(2 pi) in two
// parts, so g's error enters once; one formula down to x = 0 (H's pieces cover it).
// Around gelu''s zero x0 = -0.7518 the sum cancels: there (x - x0) Q(x + 0.75), Q a degree-8
// fit of gelu'(x) / (x - x0) on [-1.25, -0.25] (mpmath, float32 coefficients and Horner
// emulated: 1.87 ulp before the gy product).
extension VectorMath {
    /// gy * gelu'(x) (the gradient of torch's gelu, approximate "none"), float32 x and gy, in
    /// float32 lanes: within 1.93 ulp with gy = 1 and 2.79 with random gy in [-1, 1] outside the
    /// window about x0 (4.5M points, float32 emulated in numpy, with the 16-piece H; 1.77 and
    /// 2.22 in ActivationMathTests with the 32-piece one; see `GeluOp.ulpBound32`), denormal
    /// results included.
    /// gelu'(+inf) = 1, gelu'(-inf) = -0 (PyTorch: NaN), +0 where the left tail underflows (as the
    /// reference's Phi(x) + x phi(x)), NaN passes.
    @inline(__always)
    public static func geluBackward(x: V, gy: V) -> V {
        let (ac, s, n, nBits, q) = geluTailParts(x)
        // x's sign bit where x < 0 (x + 0 turns -0 into +0: gelu'(-0) takes the x >= 0 form).
        let sign = bits(x + 0) & Int32.min
        let xs = float(bits(ac) | sign)  // x held at +-14.8
        let signedQ = float(bits(q) ^ sign)  // -H for x < 0, H for x >= 0 (a sign flip, no select)
        let inner = fma(xs, V(repeating: 0x1.988454p-2), fma(xs, V(repeating: -0x1.857936p-27), signedQ))
        let g = scaleTail(fma(inner, s, inner), n, nBits)
        // The window about x0.
        let w = x + 0.75
        let c = poly9(w, (0x1.ba8fe6p-2, 0x1.8d8930p-2, -0x1.343a04p-6, -0x1.d36746p-4, -0x1.de57d6p-7,
                          0x1.3eb0bep-6, 0x1.278bbep-8, -0x1.1976cep-9, -0x1.740274p-11))
        // (x - x0) c with x - x0hi exact near x0 and x0's tail folded in by one FMA.
        let near = fma(x - V(repeating: -0x1.80ead2p-1), c, V(repeating: -0x1.a03fd4p-27) * c)
        var d = (g + 1).replacing(with: g + 0, where: x .< 0)  // + 0: an underflow gives +0, as Phi + x phi
        // NaN fails the test, so it takes the window's form (NaN).
        d = d.replacing(with: near, where: .!(absolute(w) .>= 0.5))
        return (gy * d).replacing(with: gy * -0.0, where: x .== V(repeating: -.infinity))
    }
}
