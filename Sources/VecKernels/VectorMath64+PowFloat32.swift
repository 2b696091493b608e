import CVecShim

// e^(p ln x) for float32 values in float64 lanes, rounded once to float32 by the caller: a
// table-driven log and exp without the double-double log and the division that float64 pow needs.
// |p ln x| stays below ~104 wherever the float32 result is finite and nonzero, so ln x to ~2^-48
// relative leaves the result within ~2^-41 (1/2^17 of a float32 ulp): correctly rounded but
// within that of a tie. Near x = 1, where a huge p may still give a finite result, the absolute
// error of ln x counts: the interval that holds 1 is centred on 1 itself, so nothing cancels.
extension VectorMath {
    /// e^(p ln ax) for positive finite ax (float32 values, so normal doubles) to ~2^-41 relative
    /// where |p ln ax| <= 104 (beyond, p ln ax is held at ±700: 0 or a value past float32's range
    /// after the caller's rounding, for the forward and for the gradient's gy p x^(p-1) alike).
    /// ax = 2^e m, m in [63/64, 63/32), c = 1 + j/16 the centre of m's sixteenth (j = 0 for m in
    /// [63/64, 33/32)), r = m (1/c) - 1 with |r| <= 1/32 rounded once by one FMA (1/c and -ln(1/c)
    /// from two 16-entry tables), ln(1 + r) to r^9 (truncation below 2^-48 of it; to r^7 it was
    /// 2^-38, a few thousandths of an ulp for p ~ 3000 near x = 1.03), then exp's tabled
    /// reduction (expMinusOneFast). No division, where e^(p log ax) from the float64 log (a vdivpd, a
    /// degree-7 polynomial) and exp took one: `vecbench ab`, 4 rounds, pow(1.5) float32 forward at
    /// 2^20, Zen 5: 1.87 -> 1.26 ms (1 thread), 939 -> 640 us (2), with ln(1 + r) to r^7.
    /// Correctly rounded in every case of PowFloat32Tests.
    @inlinable @inline(__always)
    static func expOfScaledLogForFloat32(_ ax: VD, _ p: Double) -> VD {
        // Half a sixteenth added to the bits: m's top four mantissa bits then round to the nearest
        // centre, and m from 63/32 up wraps to j = 0 of the next binade (m in [63/64, 1)).
        let b = bits(ax) &+ (1 << 47)
        let k = b &>> 52
        let m = double(bits(ax) &- ((k &- 1023) &<< 52))
        let j = b &>> 48
        let r = fmaD(m, vg_permute2_f64x8(powInverseCentres.low, powInverseCentres.high, j), VD(repeating: -1))
        let r2 = r * r
        let a0 = fmaD(r, VD(repeating: 1.0 / 3), VD(repeating: -0.5))
        let a1 = fmaD(r, VD(repeating: 1.0 / 5), VD(repeating: -0.25))
        let a2 = fmaD(r, VD(repeating: 1.0 / 7), VD(repeating: -1.0 / 6))
        let a3 = fmaD(r, VD(repeating: 1.0 / 9), VD(repeating: -0.125))
        let l = fmaD(r2, fmaD(fmaD(a3, r2, a2), r2 * r2, fmaD(a1, r2, a0)), r)  // ln(1 + r)
        let lc = vg_permute2_f64x8(powLogCentres.low, powLogCentres.high, j)
        let ln = fmaD(doubleValue(k &- 1023), VD(repeating: ln2D), lc + l)
        var t = ln * VD(repeating: p)
        t = t.replacing(with: 700, where: t .> 700).replacing(with: -700, where: t .< -700)  // NaN passes
        let (q, n) = expMinusOneFast(t)
        let sc = pow2(n)
        return fmaD(q, sc, sc)
    }

    @usableFromInline static let ln2D: Double = 0x1.62e42fefa39efp-1

    /// 1/(1 + j/16) rounded, j = 0...15 (lanes 0-7 in `low`); 1 exactly for j = 0.
    @inlinable @inline(__always)
    static var powInverseCentres: (low: VD, high: VD) { (
        low: VD(0x1.0000000000000p+0, 0x1.e1e1e1e1e1e1ep-1, 0x1.c71c71c71c71cp-1, 0x1.af286bca1af28p-1,
                0x1.999999999999ap-1, 0x1.8618618618618p-1, 0x1.745d1745d1746p-1, 0x1.642c8590b2164p-1),
        high: VD(0x1.5555555555555p-1, 0x1.47ae147ae147bp-1, 0x1.3b13b13b13b14p-1, 0x1.2f684bda12f68p-1,
                 0x1.2492492492492p-1, 0x1.1a7b9611a7b96p-1, 0x1.1111111111111p-1, 0x1.0842108421084p-1)) }

    /// -ln of powInverseCentres' entries (of the rounded values, so that ln m = that + ln(m (1/c))
    /// exactly), rounded (mpmath).
    @inlinable @inline(__always)
    static var powLogCentres: (low: VD, high: VD) { (
        low: VD(0, 0x1.f0a30c01162a8p-5, 0x1.e27076e2af2eap-4, 0x1.5ff3070a793d6p-3,
                0x1.c8ff7c79a9a20p-3, 0x1.1675cababa60fp-2, 0x1.4618bc21c5ec2p-2, 0x1.739d7f6bbd007p-2),
        high: VD(0x1.9f323ecbf984dp-2, 0x1.c8ff7c79a9a21p-2, 0x1.f128f5faf06ecp-2, 0x1.0be72e4252a83p-1,
                 0x1.1e85f5e7040d1p-1, 0x1.307d7334f10bep-1, 0x1.41d8fe84672afp-1, 0x1.52a2d265bc5abp-1)) }
}
