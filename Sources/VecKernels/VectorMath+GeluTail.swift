import CVecShim

// Exact GELU in float32 lanes. PyTorch's float32 0.5 x (1 + erf(x / sqrt 2)) is fast but cancels
// in the left tail (1 + erf -> 0). Here one formula for every x: with ac = |x| and a = ac / sqrt 2,
// 0.5 ac erfc(a) = -ac e^(-ac^2 / 2) H(ac), H = -erfcx(a) / 2 = -erfc(a) e^(a^2) / 2 (no
// cancellation anywhere, and no reciprocal: a piecewise polynomial in ac). e^(-ac^2 / 2) takes
// ac^2 exactly as hi + lo (no error grows with ac), and its 2^n is applied last by vscalefps, so
// denormal results round once. The left tail keeps its relative precision down to the last
// denormal (x ~ -14.4). The form this replaced (erfc as t P(t), t = 1 / (1 + a/2), a separate
// series below |x| = 1/sqrt 2, t's rounding corrected) was 2.53 ulp at ~115 vector instructions
// per 16 lanes against ~60 here.
extension VectorMath {
    /// H(ac) = -erfcx(ac / sqrt 2) / 2 for ac in [0, 15]: 16 pieces, 4 per binade of 1 + ac in
    /// [1, 16) (the low 4 bits of bits(1 + ac) >> 21 pick one, so the tables below are in that
    /// order: 1 + ac in [2, 2.5) first, [1, 1.25) at 12), each a degree-6 fit in u = ac - mid
    /// (numpy least squares on 400 Chebyshev nodes per piece, relative; mid chosen near the
    /// piece's centre so that c0 rounds to float32 within 0.1 ulp, and u = ac - mid is exact by
    /// Sterbenz but in the first piece, where its error is below 2^-27). Relative error 1.04
    /// 2^-24 with float32 Horner, measured over 2M points (float32 arithmetic emulated in numpy).
    @inline(__always)
    static func erfcxHalf(_ ac: V) -> V {
        let j = bits(ac + 1) &>> 21
        let u = ac - piece(j, V(0x1.407000p0, 0x1.c5a000p0, 0x1.1f0000p1, 0x1.600c00p1, 0x1.c18000p1, 0x1.1e0400p2,
                              0x1.5fb000p2, 0x1.a2c000p2, 0x1.fc0800p2, 0x1.41b400p3, 0x1.827c00p3, 0x1.c18c00p3,
                              0x1.edc000p-4, 0x1.750000p-2, 0x1.3b3000p-1, 0x1.c5d000p-1))
        return pieceHorner(u, j, (
            V(  // c0
              -0x1.d835f0p-3, -0x1.780406p-3, -0x1.3b886cp-3, -0x1.0bb1d6p-3, -0x1.b24f62p-4, -0x1.5d919ap-4,
              -0x1.205d72p-4, -0x1.e88e48p-5, -0x1.957694p-5, -0x1.41f538p-5, -0x1.0cc69ap-5, -0x1.cef288p-6,
              -0x1.d23ff4p-2, -0x1.878de4p-2, -0x1.4d053cp-2, -0x1.1cb3e2p-2),
            V(  // c1
              0x1.c3ed48p-4, 0x1.2d7d0cp-4, 0x1.b63312p-5, 0x1.431a06p-5, 0x1.b39224p-6,
              0x1.1f6330p-6, 0x1.8bbe76p-7, 0x1.1e1ea4p-7, 0x1.8c95aap-8, 0x1.f6bbd0p-9, 0x1.5f576cp-9,
              0x1.050654p-9, 0x1.605026p-2, 0x1.09e3e4p-2, 0x1.9704c4p-3, 0x1.385706p-3),
            V(  // c2
              -0x1.7abd92p-5, -0x1.b39ab4p-6, -0x1.179b2ep-6, -0x1.6c42f4p-7, -0x1.9f46d6p-8, -0x1.c7c4d4p-9,
              -0x1.088568p-9, -0x1.489aa6p-10, -0x1.7e7d16p-11, -0x1.84ef06p-12, -0x1.c84d6cp-13,
              -0x1.24ebd6p-13, -0x1.a7c7c8p-3, -0x1.26b3a2p-3, -0x1.9f7ad4p-4, -0x1.248fe0p-4),
            V(  // c3
              0x1.1e81f6p-6, 0x1.215ef2p-7, 0x1.4c9e52p-8, 0x1.8364aep-9,
              0x1.7a8f64p-10, 0x1.5dac80p-11, 0x1.591070p-12, 0x1.726aa4p-13, 0x1.6be446p-14, 0x1.2a3434p-15,
              0x1.266becp-16, 0x1.4723c6p-17, 0x1.b3b06ap-4, 0x1.1af42ep-4, 0x1.742fecp-5, 0x1.e7236ap-6),
            V(  // c4
              -0x1.8ed372p-8, -0x1.666af4p-9, -0x1.749f74p-10, -0x1.879c90p-11, -0x1.4b8048p-12,
              -0x1.045c5ep-13, -0x1.b7f3dep-15, -0x1.9a3c94p-16, -0x1.55ff94p-17, -0x1.c53d32p-19,
              -0x1.7979d8p-20, -0x1.6b9246p-21, -0x1.8d8812p-5, -0x1.e655a0p-6, -0x1.2d1488p-6, -0x1.7157e2p-7),
            V(  // c5
              0x1.0587fep-9, 0x1.a6652ep-11, 0x1.8f1e90p-12, 0x1.7da8eap-13, 0x1.1cf748p-14, 0x1.7db544p-16,
              0x1.14c396p-17, 0x1.c36c70p-19, 0x1.441462p-20, 0x1.5af66ep-22,
              0x1.e61636p-24, 0x1.952d7ap-25, 0x1.4b2ca6p-6, 0x1.7f3c0ep-7, 0x1.bc64b6p-8, 0x1.06d674p-8),
            V(  // c6
              -0x1.3f21cep-11, -0x1.d28a56p-13, -0x1.91da3cp-14, -0x1.5657bcp-15, -0x1.d629ecp-17, -0x1.04c648p-18, -0x1.4f9668p-20,
              -0x1.e2a8ccp-22, -0x1.1caa56p-23, -0x1.0a1908p-25, -0x1.409404p-27, -0x1.cc5448p-29,
              -0x1.f7507ap-8, -0x1.14ac8ep-8, -0x1.eb0c70p-10, -0x1.17722cp-10)))
    }

    /// c.0 + c.1 u + ... + c.6 u^6 (Horner), each lane's coefficients picked from the columns by j.
    @inline(__always)
    static func pieceHorner(_ u: V, _ j: VI, _ c: (V, V, V, V, V, V, V)) -> V {
        var p = fma(piece(j, c.6), u, piece(j, c.5))
        p = fma(p, u, piece(j, c.4))
        p = fma(p, u, piece(j, c.3))
        p = fma(p, u, piece(j, c.2))
        p = fma(p, u, piece(j, c.1))
        return fma(p, u, piece(j, c.0))
    }

    /// table[j & 15] per lane (one vpermps).
    @inline(__always)
    static func piece(_ j: VI, _ table: V) -> V { vg_permute_f32x16(table, j) }

    /// What gelu and its gradient share: ac = min(|x|, 14.8) (where every result has underflowed
    /// or equals x, so that n >= -160; NaN becomes 14.8), e^(-ac^2 / 2) = (1 + s) 2^n with n an
    /// integer-valued float (for vg_scale_pow2) and s = e^r - 1 (callers form m (1 + s) as
    /// fma(m, s, m), one rounding), ac^2 = p + pe exactly (FMA) and both parts folded into the
    /// reduced argument r, and H = erfcxHalf(ac).
    @inline(__always)
    static func geluTailParts(_ x: V) -> (ac: V, s: V, n: V, erfcxHalf: V) {
        // min(|x|, 14.8) in integer arithmetic (one vpminud; float order for non-negative
        // values): a float select here was split by LLVM into xmm pieces and single lanes.
        let ax = absolute(x)
        let over = bits(ax) &- Int32(bitPattern: 0x416C_CCCD)  // 14.8
        let ac = float(bits(ax) &- (over & ~(over &>> 31)))
        let p = ac * ac
        let y = V(repeating: -0.5) * p  // exact
        let t = fma(y, V(repeating: log2e), V(repeating: roundMagic))
        let n = t - V(repeating: roundMagic)
        let r0 = fma(n, V(repeating: -ln2Hi), y)  // exact
        let r = fma(V(repeating: -0.5), fma(ac, ac, negate(p)), fma(n, V(repeating: -ln2Lo), r0))
        return (ac, fma(expPolynomial(r), r * r, r), n, erfcxHalf(ac))
    }

    /// Exact GELU, x Phi(x) = 0.5 x (1 + erf(x/sqrt 2)) (torch's gelu, approximate "none"), float32,
    /// in float32 lanes: within 2.44 ulp measured (5.4M points, float32 emulated in numpy; bound
    /// 4, see GeluOp), denormal results included; -0 below x ~ -14.4 and at -inf (PyTorch: NaN),
    /// inf at inf, NaN passes.
    @inline(__always)
    public static func gelu(_ x: V) -> V {
        let (ac, s, n, q) = geluTailParts(x)
        // -0.5 ac erfc(ac / sqrt 2): the value for x < 0, and x + it for x >= 0 (NaN: NaN + it).
        let m = ac * q
        let w = vg_scale_pow2(fma(m, s, m), n)
        return (x + w).replacing(with: w, where: x .< 0)
    }
}
