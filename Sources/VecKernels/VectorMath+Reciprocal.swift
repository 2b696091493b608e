import CVecShim

// Division without vdivps. A zmm division issues once per ~10 cycles on the Xeons measured here
// (where an FMA issues twice per cycle), so a loop around one division runs at the divider's pace:
// sigmoid's backward at 2^16 took 2x PyTorch's y(1 - y). AVX-512's 14-bit estimate plus one
// residual step is as accurate (the dropped term is the estimate's error squared, 2^-28) and
// issues like an FMA. Without AVX-512 at compile time these are plain divisions.

extension VectorMath {
    /// An estimate r of 1/d, |r d - 1| < 2^-14 (exact 1/d without AVX-512); for callers that
    /// correct it themselves with the residual 1 - r d.
    @inlinable @inline(__always)
    static func reciprocalEstimate(_ d: V) -> V { vg_reciprocal_estimate(d) }

    /// 1/d within 0.6 ulp (0.5 without AVX-512) for finite d with a normal reciprocal: the
    /// estimate and one Newton step r + r (1 - r d). inf or 0 gives NaN with AVX-512.
    @inlinable @inline(__always)
    static func reciprocal(_ d: V) -> V {
        if vg_compiled_isa_level() < 2 { return 1 / d }
        let r = vg_reciprocal_estimate(d)
        // Not fma(r, e, r): with the estimate's result as two of its operands LLVM split the
        // whole loop into xmm pieces and single lanes (r e is ~2^-14 r, so its rounding is lost).
        return r + r * fma(negate(d), r, V(repeating: 1))
    }

    /// a/d within 0.6 ulp (0.5 without AVX-512) for finite a and d with normal a/d and 1/d:
    /// q = a r and q + r (a - q d), the residual a - q d exact by FMA. inf or 0 in d gives NaN
    /// with AVX-512.
    @inlinable @inline(__always)
    static func divide(_ a: V, _ d: V) -> V {
        if vg_compiled_isa_level() < 2 { return a / d }
        let r = vg_reciprocal_estimate(d)
        let q = a * r
        return q + fma(negate(q), d, a) * r
    }

    /// gy / (1 + x) (log1p's gradient, PyTorch's `gy / (x + 1)`, which rounds 1 + x first) within
    /// 0.6 ulp (1 ulp for a denormal result of a gy below 2^-100): 1 + x = d + e exactly
    /// (sumError), the quotient by the estimate and one residual step that takes e in,
    /// gy - q (d + e) with gy - q d exact by FMA. No
    /// vdivps: the float64 division per half-vector this replaced took twice PyTorch's time on a
    /// Zen 4 (1 thread, 2^20: 337 us against 317). A gy below 2^-100 is scaled by 2^64 first and
    /// the result back (one more rounding where it is denormal), or the residual would round in
    /// the denormals (3 ulp measured). Where the step is not finite (1 + x = 0 or inf, gy inf or
    /// NaN, overflow) the lane takes gy times the estimate, which is then exact: the estimate of
    /// 1/0 is inf and of 1/inf is 0. Without AVX-512: float64 lanes, one rounding.
    @inline(__always)
    static func divideByOnePlus(_ gy: V, _ x: V) -> V {
        if vg_compiled_isa_level() < 2 { return inDouble(gy, x) { g, x in g / (x + 1) } }
        let tiny = absolute(gy) .< 0x1p-100
        let gys = gy * V(repeating: 1).replacing(with: 0x1p64, where: tiny)
        let d = x + 1
        let e = sumError(x, V(repeating: 1), d)
        let r = vg_reciprocal_estimate(d)
        let q = gys * r
        let g = fma(fma(negate(q), e, fma(negate(q), d, gys)), r, q)
        let finite = g.replacing(with: q, where: .!(absolute(g) .<= V(repeating: .greatestFiniteMagnitude)))
        return finite * V(repeating: 1).replacing(with: 0x1p-64, where: tiny)
    }
}
