// erf and erfc on SIMD16<Float>, evaluated in float64 lanes from one core, erfc(a) for a >= 0.
// Written as e^(-a^2) t P(t), t = 1/(1 + 0.3 a): e^(-a^2) carries the tail (the callers pass a^2
// exactly, so no error grows with a), and t P(t) is smooth on all of [0, inf).
extension VectorMath {
    /// erfc(a) for a >= 0 (NaN passes), and the e^(-a^2) it was built from (gelu' reuses it).
    /// `squared` must be a^2, formed exactly by the caller (for a float32 x, x*x is exact in
    /// float64). P is a least-squares fit of erfc(a) e^(a^2) / t in powers of t - 0.6087 (degree 14,
    /// mpmath at 40 digits, 500 Chebyshev nodes on a in [0, 12]): relative error 5e-13 there.
    /// Beyond a = 12, t is held at its value for 12: erfc < 1.4e-64 there, and e^(-a^2) takes the
    /// result to float64 zero by a = 27.3, so the held P only scales what rounds to float32 zero.
    @inlinable @inline(__always)
    static func erfcD(_ a: VD, squared: VD) -> (erfc: VD, gauss: VD) {
        let held = a.replacing(with: 12, where: a .> 12)
        let t = 1 / fmaD(held, VD(repeating: 0.3), VD(repeating: 1))
        let v = t - VD(repeating: 0x1.37a6f4de9bd38p-1)
        let low = polyD(v, (0x1.955870ba37954p-2, 0x1.878a1cc968b95p-1, 0x1.2daab81b6ce1cp+0, 0x1.6e192fb2782e0p+0,
                            0x1.5031df809e053p+0, 0x1.a3718794a1609p-1, 0x1.b9a92a339ad46p-3, -0x1.2cda51fd21780p-3))
        let high = polyD(v, (-0x1.36876fe84ae47p-3, 0x1.7a46eac6e492bp-9, 0x1.112ecabf0f88ep-4, 0x1.686fedee3a875p-7,
                             -0x1.ed332050baffdp-6, -0x1.6db5e1fc8ad2cp-8, 0x1.7cec42b1bee20p-7, 0))
        let v4 = (v * v) * (v * v)
        let gauss = expD(-squared)
        return (t * fmaD(high, v4 * v4, low) * gauss, gauss)
    }

    /// The error function, as torch.erf: float32 in and out (odd, erf(+-inf) = +-1, NaN passes,
    /// -0 stays -0). 1 - erfc(|x|) in float64 where |x| >= 2^-9, the series
    /// 2/sqrt(pi) x (1 - x^2/3 + x^4/10) below (truncation < 1e-17 relative): < 0.51 ulp.
    @inlinable @inline(__always)
    public static func erf(_ x: V) -> V {
        inFloat64(x) { x in
            let a = absoluteD(x), aa = x * x
            let tail = 1 - erfcD(a, squared: aa).erfc
            let series = x * fmaD(aa, fmaD(aa, VD(repeating: 0.1), VD(repeating: -1.0 / 3)), VD(repeating: 1))
            let small = series * VD(repeating: 1.1283791670955125739)  // 2/sqrt(pi)
            let odd = unsafeBitCast(unsafeBitCast(tail, to: SIMD8<Int64>.self) | (unsafeBitCast(x, to: SIMD8<Int64>.self) & Int64.min),
                                    to: VD.self)
            return odd.replacing(with: small, where: a .< VD(repeating: 0x1p-9))
        }
    }

    /// The complementary error function 1 - erf(x), as torch.erfc: float32 in and out, relative
    /// precision kept in the right tail down to the last denormal (x ~ 10.05; 0 beyond),
    /// erfc(-inf) = 2, NaN passes. Computed in float64 and rounded once: < 0.51 ulp.
    @inlinable @inline(__always)
    public static func erfc(_ x: V) -> V {
        inFloat64(x) { x in
            let e = erfcD(absoluteD(x), squared: x * x).erfc
            return e.replacing(with: 2 - e, where: x .< 0)
        }
    }
}
