import CVecShim
import Foundation

// sin and cos on SIMD8<Double>: x - j pi/2 as a double-double with pi/2 in three 53-bit parts
// and the products' exact errors (FMA), then fdlibm's kernels, which take the reduced argument
// as hi + lo. |x| <= 2^20 takes one TwoSum; up to 2^50 (1.1e15) three, behind a branch; lanes
// beyond (and ±inf) call Foundation's sin/cos (glibc: Payne-Hanek), as do builds without FMA.
extension VectorMath {
    /// The bound of the vectorised reduction (float64 sin/cos): j = round(x 2/pi) < 2^50 keeps
    /// x - j C1 exact and every product error representable.
    public static let trigReductionBoundD: Double = 0x1p50

    @usableFromInline static let twoOverPiHi: Double = 0x1.45f306dc9c883p-1
    @usableFromInline static let twoOverPiLo: Double = -0x1.6b01ec5417056p-55
    // pi/2 = C1 + C2 + C3 + C4 to ~2^-217.
    @usableFromInline static let piHalf1: Double = 0x1.921fb54442d18p0
    @usableFromInline static let piHalf2: Double = 0x1.1a62633145c07p-54
    @usableFromInline static let piHalf3: Double = -0x1.f1976b7ed8fbcp-110
    @usableFromInline static let piHalf4: Double = 0x1.4cf98e804177dp-164

    /// x = j pi/2 + (rh + rl), |rh| <= ~pi/4, rl <= ulp(rh)/2, for |x| <= 2^20 (`wide`: 2^50)
    /// with FMA. j comes in the low bits of an integer.
    @inlinable @inline(__always)
    static func reducePiHalf(_ x: VD, wide: Bool) -> (rh: VD, rl: VD, j: VL) {
        let magic = VD(repeating: roundMagicD)
        var t = fmaD(x, VD(repeating: twoOverPiHi), magic)
        var j = t - magic
        var jBits = bits(t) &- roundMagicDBits
        if wide {
            // x 2/pi rounded is off by up to |x| 2^-54 (0.04 at 2^50), which could leave |r| up to
            // 0.85, beyond the kernels' pi/4: the fraction x 2/pi - j, formed from x (2/pi as
            // hi + lo) and rounded again, moves j by the missing unit.
            let p = x * VD(repeating: twoOverPiHi)
            let frac = (p - j) + fmaD(x, VD(repeating: twoOverPiLo), productError(x, VD(repeating: twoOverPiHi), p))
            t = frac + magic
            j += t - magic
            jBits &+= bits(t) &- roundMagicDBits
        }
        let nj = 0 - j
        let t1 = fmaD(nj, VD(repeating: piHalf1), x)  // exact
        let p2 = j * VD(repeating: piHalf2)
        let p2e = productError(j, VD(repeating: piHalf2), p2)
        let p3 = j * VD(repeating: piHalf3)
        var s = t1 - p2
        let bb = s - t1
        var tail = (t1 - (s - bb)) + (0 - p2 - bb)  // TwoSum: t1 - p2 = s + tail exactly
        if wide {
            // p2 ~ 2^-4 leaves s ~ 2^-57 where r is tiny: p3 and p2e must cancel exactly too.
            let s1 = s - p3
            let b1 = s1 - s
            tail += (s - (s1 - b1)) + (0 - p3 - b1)
            let s2 = s1 - p2e
            let b2 = s2 - s1
            tail += (s1 - (s2 - b2)) + (0 - p2e - b2)
            s = s2
            tail -= fmaD(j, VD(repeating: piHalf4), productError(j, VD(repeating: piHalf3), p3))
        } else {
            tail -= p3 + p2e  // each <= 2^-87: the roundings are below 2^-140
        }
        let rh = s + tail
        return (rh, (s - rh) + tail, jBits)
    }

    /// fdlibm's __kernel_sin (lanes where `useCos` is clear) and __kernel_cos (set) of x + y,
    /// |x| <= ~pi/4, as one polynomial whose coefficients each lane selects: both have the form
    /// lead + (f z R(z) + small), sin with lead x, f = x z, R = S2 + ... + S6 z^4 and small =
    /// S1 x z + y - z y/2; cos with lead 1 - z/2 (its rounding error in small), f = z and R = C1 +
    /// ... + C6 z^5. Each lane computes what fdlibm computes (< 1 ulp), at the cost of one kernel.
    @inlinable @inline(__always)
    static func sinCosKernel(_ x: VD, _ y: VD, useCos: SIMDMask<VL>) -> VD {
        let z = x * x, z2 = z * z
        let r01 = fmaD(z, select(useCos, -1.38888888888741095749e-03, VD(repeating: -1.98412698298579493134e-04)),
                       select(useCos, 4.16666666666666019037e-02, VD(repeating: 8.33333333332248946124e-03)))
        let r23 = fmaD(z, select(useCos, -2.75573143513906633035e-07, VD(repeating: -2.50507602534068634195e-08)),
                       select(useCos, 2.48015872894767294178e-05, VD(repeating: 2.75573137070700676789e-06)))
        let r45 = fmaD(z, select(useCos, -1.13596475577881948265e-11, VD(repeating: 0)),
                       select(useCos, 2.08757232129817482790e-09, VD(repeating: 1.58969099521155010221e-10)))
        let r = fmaD(z2 * z2, r45, fmaD(z2, r23, r01))
        let hz = 0.5 * z
        let w1 = 1 - hz
        let v = z * x
        let sinSmall = fmaD(v, VD(repeating: -1.66666666666666324348e-01), y - hz * y)
        let cosSmall = ((1 - w1) - hz) - x * y
        let lead = x.replacing(with: w1, where: useCos)
        let f = v.replacing(with: z, where: useCos)
        return lead + fmaD(f * z, r, sinSmall.replacing(with: cosSmall, where: useCos))
    }

    /// sin(x + offset pi/2) for |x| <= 2^50 (or NaN): the quadrant's kernel, negated in
    /// quadrants 2 and 3, by bit operations (integer lane compares compile to lane loops).
    @inlinable @inline(__always)
    static func trigVector(_ x: VD, quadrantOffset: Int64, wide: Bool) -> VD {
        let (rh, rl, j) = reducePiHalf(x, wide: wide)
        let q = j &+ quadrantOffset
        let useCos = double((q &<< 63) | bits(VD(repeating: 1))) .< 0  // q odd: -1
        let y = double(bits(sinCosKernel(rh, rl, useCos: useCos)) ^ ((q & 2) &<< 62))
        // sin(-0) = -0: the reduction's sums turn -0 into +0.
        return quadrantOffset == 0 ? y.replacing(with: x, where: x .== 0) : y
    }

    /// sin (offset 0) or cos (1) of any x: the short path (VectorMath64+TrigFast.swift) when every
    /// lane is within 2^20, else the long reduction, and Foundation's per lane beyond 2^50, for
    /// ±inf, and without FMA hardware.
    @inlinable @inline(__always)
    static func trig(_ x: VD, quadrantOffset: Int64) -> VD {
        let a = absolute(x)
        if vg_compiled_isa_level() >= 1, _fastPath(!anyTrue(.!(a .<= 0x1p20))) {
            return trigFast(x, quadrantOffset: quadrantOffset)
        }
        return trigWide(x, quadrantOffset: quadrantOffset)
    }

    @inline(never) @usableFromInline
    static func trigWide(_ x: VD, quadrantOffset: Int64) -> VD {
        var y = trigVector(x, quadrantOffset: quadrantOffset, wide: true)
        let a = absolute(x)
        let scalar = vg_compiled_isa_level() < 1
        for i in 0..<8 where scalar || !(a[i] <= trigReductionBoundD) {
            y[i] = quadrantOffset == 0 ? Foundation.sin(x[i]) : Foundation.cos(x[i])
        }
        return y
    }

    /// Sine (torch.sin) of float64 lanes: within 1.26 ulp up to 2^20 (VectorMath64+TrigFast,
    /// measured), 1 ulp beyond (fdlibm's kernel on an exactly reduced argument).
    /// sin(±0) = ±0, sin(±inf) = NaN, NaN passes.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func sin(_ x: SIMD8<Double>) -> SIMD8<Double> { trig(x, quadrantOffset: 0) }

    /// Cosine (torch.cos) of float64 lanes, within 1.25 ulp (as sin); cos(±inf) = NaN.
    @inlinable @inline(__always)
    @_disfavoredOverload public static func cos(_ x: SIMD8<Double>) -> SIMD8<Double> { trig(x, quadrantOffset: 1) }

    /// gy cos(x), sin's gradient: cos's error and the product's rounding.
    @inlinable @inline(__always)
    public static func sinBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        gy * cos(x)
    }

    /// -gy sin(x), cos's gradient: sin's error and the product's rounding.
    @inlinable @inline(__always)
    public static func cosBackward(x: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        negate(gy * sin(x))
    }
}
