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
}
