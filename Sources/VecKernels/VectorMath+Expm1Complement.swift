import CVecShim
import Foundation

// expm1's grad-mode forward (UnarySaved.complement): y, bit for bit the no-grad forward's, and
// c = e^x from the same reduction, so that the backward is gy c (two streams in, as PyTorch's
// gy (y + 1), which loses every digit of e^x where y is near -1). Where e^x overflows but x is
// finite, c holds -x instead (e^x is never negative): the backward then forms gy e^x from x as
// exp's does, finite for |gy| small enough, where gy c would be inf.
extension VectorMath {
    /// expm1(x) and c = e^x (or -x where e^x overflows and x is finite): in the float64 lanes of
    /// expm1's own reduction, c = 2^n (1 + em) (~2^-31 relative: the series' truncation) rounded
    /// to float32, within 0.51 ulp (ElementwiseComplementTests' bound); vectors with a lane below
    /// -30 (where expm1 clamps), above 88 or NaN take float32 exp instead (0.8 ulp).
    @inlinable @inline(__always)
    static func expm1WithExp(_ x: V) -> (y: V, c: V) {
        let h = expm1Halves(x)
        var c = V(lowHalf: narrow(fmaD(h.lo.s, h.lo.em, h.lo.s)), highHalf: narrow(fmaD(h.hi.s, h.hi.em, h.hi.s)))
        if _slowPath(anyTrue(.!(x .>= -30) .| (x .> 88))) { c = expm1ComplementWide(x) }
        return (expm1(x, halves: h), c)
    }

    /// e^x, or -x where it overflows and x is finite (expm1WithExp off its common path).
    @inline(never) @usableFromInline
    static func expm1ComplementWide(_ x: V) -> V {
        let e = exp(x)
        return e.replacing(with: negate(x), where: (e .== .infinity) .& (x .< .infinity))
    }

    /// gy e^x from expm1WithExp's c: gy c, and gy e^x through float64 libm in lanes that hold
    /// -x (as exp's backward where its y overflowed). Rounds twice: within 1.5 ulp (c's 0.5-0.8).
    @inlinable @inline(__always)
    static func expm1Backward(complement c: V, gy: V) -> V {
        let gx = gy * c
        if _fastPath(!anyTrue(c .< 0)) { return gx }
        return expm1BackwardWide(c, gy, gx)
    }

    @inline(never) @usableFromInline
    static func expm1BackwardWide(_ c: V, _ gy: V, _ gx: V) -> V {
        var g = gx
        for i in 0..<V.scalarCount where c[i] < 0 { g[i] = Float(Double(gy[i]) * Foundation.exp(Double(-c[i]))) }
        return g
    }

    /// expm1(x), bit for bit `expm1`'s, and c = e^x (or -x where it overflows and x is finite):
    /// 2^n ((1 + mh) + ml) from expm1's reduction (expm1Reduced, as elu's saved slope), rounded
    /// once (1 + mh cancels nothing: mh is in [-0.3, 0.42]). Vectors with a lane below -40
    /// (where that reduction is clamped), above 709 or NaN take exp instead.
    @inlinable @inline(__always)
    @_disfavoredOverload static func expm1WithExp(_ x: VD) -> (y: VD, c: VD) {
        let p = expm1Reduced(x)
        if _slowPath(anyTrue(.!(x .>= -40) .| (x .> 709))) { return (expm1(x, reduced: p), expm1ComplementWide(x)) }
        let eh = 1 + p.mh
        let el = ((1 - eh) + p.mh) + p.ml  // Fast2Sum's error, exact: |mh| < 1
        return (expm1(x, reduced: p), (eh + el) * pow2(p.n))
    }

    @inline(never) @usableFromInline
    @_disfavoredOverload static func expm1ComplementWide(_ x: VD) -> VD {
        let e = exp(x)
        return e.replacing(with: negate(x), where: (e .== .infinity) .& (x .< .infinity))
    }

    /// gy e^x from expm1WithExp's c: gy c, and exp's wide product (expBackward) in lanes that hold
    /// -x. Rounds twice: within 1.5 ulp.
    @inlinable @inline(__always)
    @_disfavoredOverload static func expm1Backward(complement c: VD, gy: VD) -> VD {
        let gx = gy * c
        if _fastPath(!anyTrue(c .< 0)) { return gx }
        return expm1BackwardWide(c, gy, gx)
    }

    @inline(never) @usableFromInline
    @_disfavoredOverload static func expm1BackwardWide(_ c: VD, _ gy: VD, _ gx: VD) -> VD {
        let x = negate(c)
        return gx.replacing(with: expBackward(x: x, y: VD(repeating: .infinity), gy: gy), where: c .< 0)
    }
}
