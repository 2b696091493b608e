import CVecShim

// Float64 building blocks for the activation kernels (gelu, silu, mish, elu, logSigmoid and their
// gradients). Those functions are float32 in and out, but their gradients subtract nearly equal
// terms (silu' = sigma (1 + x (1 - sigma)) crosses zero) and erfc has no cheap float32 form with
// 2-ulp tails; computing the whole formula in two SIMD8<Double> halves and rounding once leaves
// ~2^-29 relative error before that rounding, so the float32 result is within ~0.51 ulp except
// near a zero crossing, where `activationGradient` switches to a Taylor series.
extension VectorMath {
    /// f(each float64 half), rounded once to float32.
    @inlinable @inline(__always)
    static func inFloat64(_ x: V, _ f: (VD) -> VD) -> V {
        V(lowHalf: narrow(f(widen(x.lowHalf))), highHalf: narrow(f(widen(x.highHalf))))
    }

    /// f(x half, gy half) in float64 for both halves, rounded once to float32.
    @inlinable @inline(__always)
    static func inFloat64(_ x: V, _ gy: V, _ f: (VD, VD) -> VD) -> V {
        let low = f(widen(x.lowHalf), widen(gy.lowHalf))
        return V(lowHalf: narrow(low), highHalf: narrow(f(widen(x.highHalf), widen(gy.highHalf))))
    }

    @inlinable @inline(__always)
    static func absoluteD(_ x: VD) -> VD {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<Int64>.self) & Int64.max, to: VD.self)
    }

    /// c.0 + c.1 v + ... + c.7 v^7: two Horner chains of four joined by v^4 (shorter dependency
    /// chain than one Horner chain; the terms must shrink with the power, as in every use here).
    @inlinable @inline(__always)
    static func polyD(_ v: VD, _ c: (Double, Double, Double, Double, Double, Double, Double, Double)) -> VD {
        let upper = fmaD(fmaD(fmaD(VD(repeating: c.7), v, VD(repeating: c.6)), v, VD(repeating: c.5)), v, VD(repeating: c.4))
        let lower = fmaD(fmaD(fmaD(VD(repeating: c.3), v, VD(repeating: c.2)), v, VD(repeating: c.1)), v, VD(repeating: c.0))
        let v2 = v * v
        return fmaD(upper, v2 * v2, lower)
    }

    /// e^y in float64 lanes, relative error < 1e-14 (y = n ln2 + r, Taylor series of e^r to r^11:
    /// truncation 6.5e-15 at |r| = ln2/2). Exactly 0 below -708 and +inf above 709, where the 2^n
    /// factor would leave the normal range; NaN passes.
    @inlinable @inline(__always)
    static func expD(_ y: VD) -> VD {
        let yc = y.replacing(with: -708, where: y .< -708).replacing(with: 709, where: y .> 709)
        let magic = VD(repeating: 6755399441055744.0)  // 1.5 * 2^52: adding it rounds to an integer
        let shifted = fmaD(yc, VD(repeating: 1.4426950408889634074), magic)
        let n = shifted - magic
        // ln 2 = hi + lo with hi's last 11 bits zero: n * hi is exact for |n| < 2^11.
        let r = fmaD(n, VD(repeating: -0x1.ef35793c76730p-45), fmaD(n, VD(repeating: -0x1.62e42fefa3800p-1), yc))
        let low = polyD(r, (1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040))
        let high = polyD(r, (1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 0, 0, 0, 0))
        let r4 = (r * r) * (r * r)
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int64>.self) &- unsafeBitCast(magic, to: SIMD8<Int64>.self)
        let scale = unsafeBitCast((exponent &+ 1023) &<< 52, to: VD.self)
        let e = fmaD(high, r4 * r4, low) * scale
        return e.replacing(with: 0, where: y .< -708).replacing(with: .infinity, where: y .> 709)
    }

    /// sigma(w) = 1/(1 + e^-w) and 1 - sigma(w), both to full relative precision in both tails:
    /// from e = e^-|w| <= 1, one is 1/(1 + e) and the other e/(1 + e). sigma(+-inf) = 1, 0.
    @inlinable @inline(__always)
    static func logisticD(_ w: VD) -> (value: VD, complement: VD) {
        let e = expD(-absoluteD(w))
        let r = 1 / (1 + e)
        let er = e * r
        let nonNegative = w .>= 0
        return (er.replacing(with: r, where: nonNegative), r.replacing(with: er, where: nonNegative))
    }

    /// Half-width of the window around a zero crossing of a derivative where `activationGradient` replaces
    /// the closed form: the closed form's absolute error (~1e-15) is then < 2^-40 of the result.
    @usableFromInline static let rootWindow: Double = 0x1p-10

    /// Whether any lane of x lies within `rootWindow` (in float32, a little wider) of `root`.
    @inlinable @inline(__always)
    static func anyNearRoot(_ x: V, _ root: Double) -> Bool {
        anyTrue(absolute(x - V(repeating: Float(root))) .< Float(rootWindow * 1.25))
    }

    /// A simple zero x0 = hi + lo of an activation's derivative f', and the Taylor coefficients
    /// c_1...c_6 of f' about it (mpmath at 50 digits): f'(x0 + t) = sum c_k t^k.
    @usableFromInline typealias DerivativeRoot = (hi: Double, lo: Double, taylor: (Double, Double, Double, Double, Double, Double))

    /// gy * f'(x) from the closed form d = f'(x), for the activations whose derivative tends to 1
    /// at +inf and to 0 from below at -inf (gelu, geluTanh, silu, mish): those limits replace
    /// inf * 0 = NaN there. When `near` (see anyNearRoot), lanes within `rootWindow` of the zero
    /// take the Taylor series in t = x - x0 instead, with t exact to float64 rounding (x - hi is
    /// exact by Sterbenz), so the result keeps its relative precision where d's terms cancel.
    @inlinable @inline(__always)
    static func activationGradient(_ d: VD, x: VD, gy: VD, near: Bool, root: DerivativeRoot) -> VD {
        var d = d
        if near {
            let t = (x - VD(repeating: root.hi)) - VD(repeating: root.lo)
            let c = root.taylor
            let series = t * polyD(t, (c.0, c.1, c.2, c.3, c.4, c.5, 0, 0))
            d = d.replacing(with: series, where: absoluteD(t) .< VD(repeating: rootWindow))
        }
        d = d.replacing(with: 1, where: x .== .infinity).replacing(with: -0.0, where: x .== -.infinity)
        return gy * d
    }
}
