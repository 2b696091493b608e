// erf and erfc on SIMD16<Float>, evaluated in float64 lanes from one core, erfc(a) for a >= 0.
// Written as e^(-a^2) t P(t), t = 1/(1 + 0.3 a): e^(-a^2) carries the tail (the callers pass a^2
// exactly, so no error grows with a), and t P(t) is smooth on all of [0, inf).
extension VectorMath {
    /// erfc(a) for a >= 0 (NaN passes), and the e^(-a^2) it was built from (gelu' reuses it).
    /// `squared` must be a^2, formed exactly by the caller (for a float32 x, x*x is exact in
    /// float64). P is a least-squares fit of erfc(a) e^(a^2) / t in powers of t - 0.6087 (degree 15,
    /// mpmath at 40 digits, 500 Chebyshev nodes on a in [0, 12]): relative error 1.5e-13 there.
    /// Beyond a = 12, t is held at its value for 12: erfc < 1.4e-64 there, and e^(-a^2) takes the
    /// result to float64 zero by a = 27.3, so the held P only scales what rounds to float32 zero.
    @_transparent @usableFromInline
    static func erfcD(_ a: VD, squared: VD) -> (erfc: VD, gauss: VD) {
        let held = select(a .> 12, 12, a)
        let t = reciprocalD(fmaD(held, VD(repeating: 0.3), VD(repeating: 1)))
        let v = t - VD(repeating: 0x1.37a6f4de9bd38p-1)
        let low = polyD(v, (0x1.955870ba37266p-2, 0x1.878a1cc95f83bp-1, 0x1.2daab81bb5a52p+0, 0x1.6e192fb745f52p+0,
                            0x1.5031df61ceff0p+0, 0x1.a37184bea0f87p-1, 0x1.b9a9510437c97p-3, -0x1.2cd8ddaad37cfp-3))
        let high = polyD(v, (-0x1.368a54cdadbbfp-3, 0x1.743736424f282p-9, 0x1.1167457b1210fp-4, 0x1.75dc69ac72cadp-7,
                             -0x1.f174cf0e859eap-6, -0x1.e61eeb4edc962p-8, 0x1.8d0403887ac68p-7, 0x1.ae1437d80da05p-9))
        let v4 = (v * v) * (v * v)
        let gauss = expD(-squared)
        return (t * fmaD(high, v4 * v4, low) * gauss, gauss)
    }

    /// The error function, as torch.erf: float32 in and out (odd, erf(+-inf) = +-1, NaN passes,
    /// -0 stays -0). 1 - erfc(|x|) in float64 where |x| >= 2^-9, the series
    /// 2/sqrt(pi) x (1 - x^2/3 + x^4/10) below (truncation < 1e-17 relative): < 0.51 ulp.
    @inlinable @inline(__always)
    public static func erf(_ x: V) -> V {
        V(lowHalf: narrow(erfD(widen(x.lowHalf))), highHalf: narrow(erfD(widen(x.highHalf))))
    }

    @_transparent @usableFromInline
    static func erfD(_ x: VD) -> VD {
        let a = absoluteD(x), aa = x * x
        let tail = 1 - erfcD(a, squared: aa).erfc
        let series = x * fmaD(aa, fmaD(aa, VD(repeating: 0.1), VD(repeating: -1.0 / 3)), VD(repeating: 1))
        let small = series * VD(repeating: 1.1283791670955125739)  // 2/sqrt(pi)
        let signBit = unsafeBitCast(x, to: SIMD8<Int64>.self) & Int64.min
        let odd = unsafeBitCast(unsafeBitCast(tail, to: SIMD8<Int64>.self) | signBit, to: VD.self)
        return select(a .< VD(repeating: 0x1p-9), small, odd)
    }

    /// The complementary error function 1 - erf(x), as torch.erfc: float32 in and out, relative
    /// precision kept in the right tail down to the last denormal (x ~ 10.05; 0 beyond),
    /// erfc(-inf) = 2, NaN passes. Computed in float64 and rounded once: < 0.51 ulp.
    @inlinable @inline(__always)
    public static func erfc(_ x: V) -> V {
        V(lowHalf: narrow(erfcSignedD(widen(x.lowHalf))), highHalf: narrow(erfcSignedD(widen(x.highHalf))))
    }

    @_transparent @usableFromInline
    static func erfcSignedD(_ x: VD) -> VD {
        let e = erfcD(absoluteD(x), squared: x * x).erfc
        return select(x .< 0, 2 - e, e)
    }
}
