// Exact GELU in float32 lanes. The float64-lane form (removed) was 0.5 ulp but ran at 0.15x
// PyTorch's speed; PyTorch's float32 0.5 x (1 + erf(x / sqrt 2)) is fast but cancels in the left
// tail (1 + erf -> 0). Here |x| < sqrt(1/2) takes erf's odd series (1 + erf >= 0.48, no
// cancellation), and beyond, erfc(a) = e^(-a^2) t P(t), a = |x| / sqrt 2, t = 1 / (1 + a/2):
// e^(-a^2) from a^2 = x^2 / 2 carried exactly as hi + lo (no error grows with a), its 2^n applied
// last so that denormal results round once, and P a float32 fit. The left tail keeps its relative
// precision down to the last denormal (x ~ -14.4).
extension VectorMath {
    /// erfc(a) e^(a^2) for a + aLo in [0.5, 10.5] (callers hold a there; beyond, it only scales
    /// what underflows): t P(t - 0.48) with t = 1/(1 + a/2), P a degree-9 fit of erfc(a) e^(a^2) / t
    /// (least squares on Chebyshev nodes, relative error 2.8e-9). Near a = 1 the result moves 1.9x
    /// as much as t (relatively), so t's roundings are not left in: rho = 1 - t (1 + (a + aLo)/2),
    /// with 1 + a/2 carried exactly, corrects the result to first order through k(t) = dln(tP)/dln(t) ~ 0.938 + 1.459 t (a linear fit, within 0.023).
    @inline(__always)
    static func erfcScaled(_ a: V, _ aLo: V) -> V {
        let h = a * 0.5
        let d = h + 1
        let db = d - 1
        let dErr = (1 - (d - db)) + (h - db)  // 1 + h = d + dErr exactly (TwoSum)
        let t = reciprocal(d)  // the estimate's 2^-14 would need k to 5 digits
        let rho = fma(negate(t), d, V(repeating: 1)) - t * fma(aLo, V(repeating: 0.5), dErr)
        let p = poly10(t - V(repeating: 0x1.eb851ep-2),
                       (0x1.fd347cp-2, 0x1.5478b0p-1, 0x1.197e76p-1, 0x1.45da54p-3, -0x1.49e8eap-3,
                        -0x1.d7940cp-4, 0x1.6c5db4p-4, 0x1.1762f4p-4, -0x1.069348p-4, -0x1.0614fcp-5))
        let tp = t * p
        let k = fma(t, V(repeating: 0x1.757bfcp+0), V(repeating: 0x1.e04938p-1))
        return tp + tp * (k * rho)
    }

    /// erf(z) / z for z^2 = u <= 1/4, degree 4 in u (1.4e-9).
    @inline(__always)
    static func erfSeries(_ u: V) -> V {
        var s = fma(V(repeating: 0x1.352ba6p-8), u, V(repeating: -0x1.b662e0p-6))
        s = fma(s, u, V(repeating: 0x1.ce24f0p-4))
        s = fma(s, u, V(repeating: -0x1.812732p-2))
        return fma(s, u, V(repeating: 0x1.20dd74p+0))
    }

    /// What gelu and its gradient need beyond |x| = 1/sqrt 2: |x| held at 14.8 (ac), where every
    /// result has underflowed (or equals x), so that x^2 is finite and n >= -160; p = ac^2;
    /// e^(-ac^2 / 2) = (h + l) 2^n with ac^2 = p + pe exactly (FMA); q = erfc(a) e^(a^2), a = ac / sqrt 2.
    @inline(__always)
    static func geluTailParts(_ x: V) -> (ac: V, p: V, h: V, l: V, n: VI, q: V) {
        let ax = absolute(x)
        // min(|x|, 14.8) in integer arithmetic (float order for non-negative values; NaN becomes
        // 14.8 here and passes through the x > 0 branch): a float select here was split by LLVM
        // into xmm pieces and single lanes, and everything computed from it with it.
        let over = bits(ax) &- Int32(bitPattern: 0x416C_CCCD)  // 14.8
        let ac = float(bits(ax) &- (over & ~(over &>> 31)))
        let p = ac * ac
        let (r, rLo, n) = reduceLn2(V(repeating: -0.5) * p)
        let (h, l) = expReducedParts(r, fma(V(repeating: -0.5), fma(ac, ac, negate(p)), rLo))
        let ah = ac * V(repeating: 0x1.6a09e6p-1)  // |x| / sqrt 2 = ah + aLo
        let aLo = fma(ac, V(repeating: 0x1.6a09e6p-1), negate(ah)) + ac * V(repeating: 0x1.9fcef4p-27)
        return (ac, p, h, l, n, erfcScaled(ah, aLo))
    }

    /// Exact GELU, x Phi(x) = 0.5 x (1 + erf(x/sqrt 2)) (torch's gelu, approximate "none"), float32,
    /// in float32 lanes: within 2.53 ulp over vecbench accuracy's sweep (bound 4), denormal results included;
    /// -0 below x ~ -14.4 and at -inf (PyTorch: NaN), inf at inf, NaN passes.
    @inline(__always)
    public static func gelu(_ x: V) -> V {
        let halfX = x * 0.5
        let a = absolute(x) * V(repeating: 0x1.6a09e6p-1)  // |x| / sqrt 2
        let small = halfX * fma(x * V(repeating: 0x1.6a09e6p-1), erfSeries(a * a), V(repeating: 1))
        if !anyTrue(.!(a .< 0.5)) { return small }
        let (ac, p, h, l, n, q) = geluTailParts(x)
        // x < 0: 0.5 x erfc(a), scaled by 2^n last. x > 0: x - 0.5 x erfc(a).
        let m = (V(repeating: -0.5) * ac) * q  // 0.5 x for x >= -14.8, and below it too small to matter
        let v = fma(m, l, m * h)
        let left = Logistic.scaled(v, n, rare: anyTrue(p .> V(repeating: 170)))  // n < -122 possible
        let halfErfc = (q * 0.5) * (h + l) * pow2(Logistic.atLeast(n, -126))
        let right = fma(negate(x), halfErfc, x)
        var y = right.replacing(with: left, where: x .< 0)
        y = y.replacing(with: small, where: a .< 0.5)
        y = y.replacing(with: x, where: x .== V(repeating: .infinity))
        return y.replacing(with: V(repeating: -0.0), where: x .== V(repeating: -.infinity))
    }
}
