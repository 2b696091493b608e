import CVecShim

// The common path of float64 sin and cos (every lane within |x| <= 2^20, FMA hardware), about
// 40 vector operations per 8 lanes where the general path (VectorMath64+Trig.swift) takes ~60:
// - the reduction x - j pi/2 as r + rl with pi/2 = C1 + C2 + C3 (53, 33 and 53 bits; the rest
//   is below 2^-141): t1 = x - j C1 is exact (FMA, |j| < 2^20), r = t1 - j C2 rounded once (exact
//   where |r| < 2^-33: t1 and j C2 are multiples of 2^-86), and rl = (t1 - r) - j C2 - j C3, where
//   t1 - r is exact (Sterbenz where r was rounded, j C2 itself where not). With |r| >= 2^-61 for
//   doubles up to 2^20, r + rl is within ~2^-60 of x - j pi/2 relative to it;
// - one polynomial per lane, its coefficients selected by the quadrant: sin's r + r^3 P(z) or
//   cos's (1 - z/2) + z^2 P(z), z = r^2, fdlibm's six coefficients each, rl entering as + rl (sin)
//   or - r rl (cos). Without fdlibm's correction of 1 - z/2's rounding, cos rounds twice (the
//   lead and the final sum): 1.25 ulp measured for both (4M points in C) (see
//   VectorMath64Tests.sinAndCos).
extension VectorMath {
    @usableFromInline static let piHalfShort2: Double = 0x1.1a62633100000p-54
    @usableFromInline static let piHalfShort3: Double = 0x1.1701b839a2520p-88

    // -P(z) of sin and of cos (fdlibm's S1...S6 and C1...C6, negated), highest degree first: the
    // no-grad forward selects one per lane, the grad-mode forward (VectorMath64+TrigComplement)
    // evaluates both.
    @usableFromInline static let sinFastP: (Double, Double, Double, Double, Double, Double) =
        (-1.58969099521155010221e-10, 2.50507602534068634195e-08, -2.75573137070700676789e-06,
         1.98412698298579493134e-04, -8.33333333332248946124e-03, 1.66666666666666324348e-01)
    @usableFromInline static let cosFastP: (Double, Double, Double, Double, Double, Double) =
        (1.13596475577881948265e-11, -2.08757232129817482790e-09, 2.75573143513906633035e-07,
         -2.48015872894767294178e-05, 1.38888888888741095749e-03, -4.16666666666666019037e-02)

    /// x - j pi/2 as r - nrl (see above) with t, whose low significand bits are q = j + offset,
    /// for |x| <= 2^20 (or NaN), with FMA.
    @inlinable @inline(__always)
    static func reduceShort(_ x: VD, quadrantOffset: Int64) -> (t: VD, r: VD, nrl: VD) {
        // The quadrant offset is folded into the rounding constant (an integer below 2^53, exact): t's
        // low significand bits are then q = j + offset itself (roundMagicD's are zero).
        let magic = VD(repeating: roundMagicD + Double(quadrantOffset))
        let t = fmaD(x, VD(repeating: twoOverPiHi), magic)
        let j = t - magic
        let t1 = fmaD(j, VD(repeating: -piHalf1), x)  // exact
        let r = fmaD(j, VD(repeating: -piHalfShort2), t1)
        // rl negated (nrl = -rl, by the constants' signs), and below the tail negated, so that the
        // last operation is lead - tail: for x = ±0 it gives ±0 - (+0) = ±0, where a sum would
        // turn -0 into +0 (sin(-0) = -0) without a compare and select.
        let nrl = fmaD(j, VD(repeating: piHalfShort3), fmaD(j, VD(repeating: piHalfShort2), r - t1))
        return (t, r, nrl)
    }

    /// sin(x + offset pi/2) for |x| <= 2^20 (or NaN), with FMA.
    @inlinable @inline(__always)
    static func trigFast(_ x: VD, quadrantOffset: Int64) -> VD {
        let (t, r, nrl) = reduceShort(x, quadrantOffset: quadrantOffset)
        // q's two low bits as the sign and the top exponent bit: 0, 2, -0 or -2 as a double. q odd
        // (cos's polynomial) is the nonzero ones (-0 == 0), and bit 1 (negate) is the sign: one
        // shift serves both (integer lane compares compile to lane loops).
        let q62 = bits(t) &<< 62
        let useCos = double(q62) .!= 0
        let z = r * r
        // -P(z), each coefficient selected per lane (cos's, sin's). Written out: a local function
        // for the selection stayed out of line, its SIMD8 arguments split into xmm registers.
        let s = sinFastP, c = cosFastP
        var p = fmaD(z, select(useCos, c.0, VD(repeating: s.0)), select(useCos, c.1, VD(repeating: s.1)))
        p = fmaD(p, z, select(useCos, c.2, VD(repeating: s.2)))
        p = fmaD(p, z, select(useCos, c.3, VD(repeating: s.3)))
        p = fmaD(p, z, select(useCos, c.4, VD(repeating: s.4)))
        p = fmaD(p, z, select(useCos, c.5, VD(repeating: s.5)))
        let f = (r * z).replacing(with: z * z, where: useCos)
        let lead = r.replacing(with: fmaD(z, VD(repeating: -0.5), VD(repeating: 1)), where: useCos)
        let negSmall = nrl.replacing(with: negate(r * nrl), where: useCos)
        return double(bits(lead - fmaD(f, p, negSmall)) ^ (q62 & Int64.min))
    }
}
