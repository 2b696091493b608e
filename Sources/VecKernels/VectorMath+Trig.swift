import Foundation

// sin and cos on SIMD16<Float>: the reduction by pi/2 and the polynomials run in float64 (two
// SIMD8<Double> halves) and round once, so accuracy does not hinge on float32 Cody-Waite
// constants; beyond the reduction's bound each lane falls back to libm.
extension VectorMath {
    /// Beyond this |x| the Cody-Waite reduction below is no longer exact (j * P1 needs j < 2^20)
    /// and each lane falls back to Foundation's scalar sin/cos (glibc: full Payne-Hanek).
    public static let trigReductionBound: Float = 1_048_576

    /// Sine. Reduces |x| by pi/2 in float64 (three-part Cody-Waite, exact products for |x| <=
    /// 2^20), evaluates the quadrant's polynomial in float64 and rounds once: < 0.6 ulp.
    @inlinable @inline(__always)
    public static func sin(_ x: V) -> V {
        let a = absolute(x)
        if _slowPath(anyTrue(.!(a .<= trigReductionBound))) { return perLane(x) { Foundation.sin($0) } }
        // sin is odd: flip the sign of sin(|x|) for negative x (XOR, since it may be negative).
        return float(bits(trigAbs(a, quadrantOffset: 0)) ^ (bits(x) & VI(repeating: Int32.min)))
    }

    /// Cosine: cos(|x|) = sin(|x| + pi/2), the same reduction one quadrant on.
    @inlinable @inline(__always)
    public static func cos(_ x: V) -> V {
        let a = absolute(x)
        if _slowPath(anyTrue(.!(a .<= trigReductionBound))) { return perLane(x) { Foundation.cos($0) } }
        return trigAbs(a, quadrantOffset: 1)
    }

    @inlinable
    static func perLane(_ x: V, _ f: (Float) -> Float) -> V {
        var y = x
        for i in 0..<V.scalarCount { y[i] = f(x[i]) }
        return y
    }

    @inlinable @inline(__always)
    static func trigAbs(_ a: V, quadrantOffset: Int64) -> V {
        let lo = trigHalf(widen(a.lowHalf), quadrantOffset)
        let hi = trigHalf(widen(a.highHalf), quadrantOffset)
        return V(lowHalf: narrow(lo), highHalf: narrow(hi))
    }

    /// sin(a + offset * pi/2) for 0 <= a <= 2^20 in float64. pi/2 = P1 + P2 + P3 with 33, 33
    /// and 53 significant bits, so j*P1 and j*P2 are exact for j < 2^20 with or without FMA.
    @inlinable @inline(__always)
    static func trigHalf(_ a: VD, _ quadrantOffset: Int64) -> VD {
        let magic = VD(repeating: 6755399441055744.0)  // 1.5 * 2^52
        let t = fmaD(a, VD(repeating: 0.63661977236758134308), magic)
        let j = t - magic
        var y = fmaD(j, VD(repeating: -0x1.921fb54400000p+0), a)
        y = fmaD(j, VD(repeating: -0x1.0b4611a600000p-34), y)
        y = fmaD(j, VD(repeating: -0x1.3198a2e037073p-69), y)
        let q = unsafeBitCast(t, to: SIMD8<Int64>.self) &+ quadrantOffset
        let z = y * y
        // Taylor series to y^9 and y^10: truncation < 3e-9 relative on |y| <= pi/4.
        var s = fmaD(VD(repeating: 1.0 / 362880), z, VD(repeating: -1.0 / 5040))
        s = fmaD(s, z, VD(repeating: 1.0 / 120))
        s = fmaD(s, z, VD(repeating: -1.0 / 6))
        s = fmaD(s * z, y, y)
        var c = fmaD(VD(repeating: -1.0 / 3628800), z, VD(repeating: 1.0 / 40320))
        c = fmaD(c, z, VD(repeating: -1.0 / 720))
        c = fmaD(c, z, VD(repeating: 1.0 / 24))
        c = fmaD(c, z, VD(repeating: -0.5))
        c = fmaD(c, z, VD(repeating: 1))
        // Select and negate with bit operations: integer vector comparisons (q & 1 .!= 0)
        // compile to a lane-by-lane loop.
        let sb = unsafeBitCast(s, to: SIMD8<Int64>.self), cb = unsafeBitCast(c, to: SIMD8<Int64>.self)
        let useCos = (q &<< 63) &>> 63  // all ones where q is odd
        let r = sb ^ ((sb ^ cb) & useCos)
        return unsafeBitCast(r ^ ((q & 2) &<< 62), to: VD.self)
    }
}
