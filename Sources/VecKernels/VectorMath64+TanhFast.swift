// The float64 tanh's common path, written once for 8 or 16 lanes (Float64Lanes): the forward
// driver runs 16 at a time (TanhOp's forward(pair:)), the grad-mode forward (y and the saved c,
// the same polynomial) and everything else 8.
extension VectorMath {
    /// tanh(x) for any x: tanhFastWithComplement's y (the compiler drops c).
    @inlinable @inline(__always)
    static func tanhFast<V: Float64Lanes>(_ x: V) -> V { tanhFastWithComplement(x).y }

    /// (e^r - 1 - r)/r^2 on |r| <= ln2/2: a degree-9 Chebyshev fit (mpmath chebyfit, relative
    /// error 2^-51.9; in e^r - 1 that is 2^-54.5 at the ends, 0.17 ulp) in two Horner chains in
    /// r^2 (even and odd powers), five FMAs deep. Sleef's degree-10 polynomial (2^-57) cost one
    /// FMA more in a loop the FMA pipes bound: 1.38 -> 1.58 ulp for tanh, within issue 14's 2.
    @inlinable @inline(__always)
    static func tanhExpPolynomial<V: Float64Lanes>(_ r: V, _ r2: V) -> V {
        func c(_ v: Double) -> V { V(repeating: v) }
        var even = c(2.480152119021773e-05).fma(r2, c(2.7620138719733994e-07))
        even = c(0.0013888888917281794).fma(even, r2)
        even = c(0.04166666666662399).fma(even, r2)
        even = c(0.5000000000000001).fma(even, r2)
        var odd = c(2.7557268378684192e-06).fma(r2, c(2.5100424157005067e-08))
        odd = c(0.00019841269863105968).fma(odd, r2)
        odd = c(0.008333333333330051).fma(odd, r2)
        odd = c(0.16666666666666669).fma(odd, r2)
        return even.fma(odd, r)
    }

    /// tanh(x) and c = 1 - |tanh x| from v = 2/(1 + e), e = e^w = 2^n (1 + q), w = -2|x| (held at
    /// -50: tanh rounds to 1 from 19.1): |y| = v - 1 and c = 2 - v. 1 + e is carried as d + dl
    /// (dl the exact residual of the FMA that rounded d), rr = 1/d (one vdivpd) and
    /// v = 2 rr (1 + u + u^2), u = 1 - rr (d + dl) (|u| <= 2^-52: the dropped u^3 is below 2^-156).
    /// 2 rr - 1 and 2 - 2 rr are exact (2 rr in [1, 2]), so y and c each round once. Near 0, v - 1
    /// cancels and u carries y's digits; where rr's own rounding is as large as y (|x| near
    /// 2^-53), u^2 is 2-3 ulp of y. The error left near 0 is q's (n = 0, e = 1 + q): its rounding
    /// and the polynomial's, as in expm1-based forms. No select and no numerator: 37 vector
    /// operations where -m/(2 + m), m = expm1(w) as hi + lo, had 50. Max error over 8e6 points
    /// (a scalar model against tanhl, and 2/(1 + e^2|x|) in long double for c): 1.58 ulp for y near
    /// |x| = 0.17 (1.38 with Sleef's degree-10 polynomial), 1.37 for c near |x| = 18.5
    /// (VectorMath64Tests and ElementwiseComplementTests hold the bounds).
    @inlinable @inline(__always)
    static func tanhFastWithComplement<V: Float64Lanes>(_ x: V) -> (y: V, c: V) {
        let na = x.negativeAbsolute
        let w = (na + na).atLeast(-50)  // NaN passes
        let magic = V(repeating: roundMagicD)
        let t = magic.fma(w, V(repeating: log2eD))
        let nf = t - magic
        // r's own rounding (2^-54 |r|) is dropped: it moved neither maximum in the sweeps.
        let r = w.fma(nf, V(repeating: -ln2HiD)).fma(nf, V(repeating: -ln2LoD))
        let r2 = r * r
        let q = r.fma(r2, tanhExpPolynomial(r, r2))
        let sc = V(bits: (t.bits &- roundMagicDBits &+ 1023) &<< 52)
        let d = (sc + 1).fma(q, sc)
        // (1 - d) + sc is exact (d in [1, 2]); sc + 1 is not below n = -52.
        let dl = ((1 - d) + sc).fma(q, sc)
        let rr = 1 / d
        let u = V(repeating: 1).fma(rr.negated, d).fma(rr.negated, dl)
        let u2 = u.fma(u, u)  // without u^2: c 1.6 ulp near e = 2^-53, y 3 ulp near |x| = 2^-53
        let v = rr + rr
        let y = (v - 1).fma(v, u2)
        return (V(bits: (y.bits & Int64.max) | (x.bits & Int64.min)), (2 - v).fma(v.negated, u2))
    }
}
