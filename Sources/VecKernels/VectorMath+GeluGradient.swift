// Exact GELU's gradient in float32 lanes. gelu'(x) = Phi(x) + x phi(x); the float64-lane form
// (geluBackwardD) is 0.5 ulp but ran well below PyTorch's speed. Here, from the pieces of the
// forward (VectorMath+GeluTail): g = e^(-x^2/2) = (h + l) 2^n with x^2 split exactly, and
// erfc(a) = g q, a = |x| / sqrt 2, q = erfcScaled (no cancellation in either tail). Then
// gelu' = g (q/2 + x c) for x < 0 and 1 + g (x c - q/2) for x > 0, c = 1/sqrt(2 pi) in two
// parts, so g's error enters once; for |x| < 1/sqrt 2, erf's odd series as in the forward.
// Around gelu''s zero x0 = -0.7518 the sum cancels: there (x - x0) Q(x + 0.75), Q a degree-8
// fit of gelu'(x) / (x - x0) on [-1.25, -0.25] (mpmath, float32 coefficients and Horner
// emulated: 1.87 ulp before the gy product).
extension VectorMath {
    /// gy * gelu'(x) (the gradient of torch's gelu, approximate "none"), float32 x and gy, in
    /// float32 lanes: within 4 ulp (see `GeluOp.ulpBound32`), denormal results included.
    /// gelu'(+inf) = 1, gelu'(-inf) = -0 (PyTorch: NaN), +0 where the left tail underflows (as the
    /// reference's Phi(x) + x phi(x)), NaN passes.
    @inline(__always)
    public static func geluBackward(x: V, gy: V) -> V {
        let (ac, p, h, l, n, q) = geluTailParts(x)
        let halfQ = q * 0.5
        let xs = float(bits(ac) | (bits(x) & Int32.min))  // x held at +-14.8
        // q/2 for x < 0, -q/2 for x >= 0 (a sign flip, no select).
        let signedHalfQ = float(bits(halfQ) ^ (~bits(x) & Int32.min))
        let inner = fma(xs, V(repeating: 0x1.988454p-2), fma(xs, V(repeating: -0x1.857936p-27), signedHalfQ))
        let g = (h + l) * pow2(Logistic.atLeast(n, -126))
        let right = fma(g, inner, V(repeating: 1))
        let left = Logistic.scaled(fma(h, inner, l * inner), n, rare: anyTrue(p .> V(repeating: 170)))
        // |x| < 1/sqrt 2: Phi(x) = (1 + erf(x / sqrt 2)) / 2 from the forward's series.
        let xk = x * V(repeating: 0x1.6a09e6p-1)
        let small = fma(x * V(repeating: 0x1.988454p-2), g, fma(xk, erfSeries(xk * xk), V(repeating: 1)) * 0.5)
        // The window about x0.
        let w = x + 0.75
        let c = poly9(w, (0x1.ba8fe6p-2, 0x1.8d8930p-2, -0x1.343a04p-6, -0x1.d36746p-4, -0x1.de57d6p-7,
                          0x1.3eb0bep-6, 0x1.278bbep-8, -0x1.1976cep-9, -0x1.740274p-11))
        // (x - x0) c with x - x0hi exact near x0 and x0's tail folded in by one FMA.
        let near = fma(x - V(repeating: -0x1.80ead2p-1), c, V(repeating: -0x1.a03fd4p-27) * c)
        var d = right.replacing(with: left + 0, where: x .< 0)  // + 0: an underflow gives +0, as Phi + x phi
        d = d.replacing(with: small, where: ac .< V(repeating: 0x1.6a09e6p-1))
        // NaN fails the test, so it takes the window's form (NaN).
        d = d.replacing(with: near, where: .!(absolute(w) .>= 0.5))
        return (gy * d).replacing(with: gy * -0.0, where: x .== V(repeating: -.infinity))
    }
}
