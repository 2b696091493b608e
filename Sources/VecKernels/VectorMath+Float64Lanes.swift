import CVecShim

// Float64 building blocks for the activation kernels (gelu, silu, mish, elu, logSigmoid and their
// gradients). Those functions are float32 in and out, but their gradients subtract nearly equal
// terms (silu' = sigma (1 + x (1 - sigma)) crosses zero) and erfc has no cheap float32 form with
// 2-ulp tails; computing the whole formula in two SIMD8<Double> halves and rounding once leaves
// ~1e-12 relative error before that rounding, so the float32 result is within ~0.51 ulp except
// near a zero crossing, where `activationGradient` switches to a Taylor series.
// Everything here is @_transparent: with @inline(__always) the optimiser left expD out of line,
// passing its SIMD8<Double> argument in four xmm registers.
extension VectorMath {
    // Each public function evaluates its float64 body (a @_transparent function of one
    // SIMD8<Double>) on both halves and rounds once: V(lowHalf: narrow(f(widen(x.lowHalf))), ...),
    // written out in each. Neither a closure nor a function reference as a parameter: the
    // optimiser inlined it into one of the two calls only and called it out of line for the
    // other, with its arguments split into xmm registers.
    // Selects are SIMD's replacing(with:where:): a select by bit operations (SIMD8<Int64>
    // builtins) made it split neighbouring float64 operations into pieces of lanes.

    /// `a` in the lanes where `mask` is set, `b` elsewhere.
    @_transparent @usableFromInline
    static func select(_ mask: SIMDMask<SIMD8<Int64>>, _ a: VD, _ b: VD) -> VD { b.replacing(with: a, where: mask) }

    @_transparent @usableFromInline
    static func select(_ mask: SIMDMask<SIMD8<Int64>>, _ a: Double, _ b: VD) -> VD { select(mask, VD(repeating: a), b) }

    @_transparent @usableFromInline
    static func absoluteD(_ x: VD) -> VD {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<Int64>.self) & Int64.max, to: VD.self)
    }

    /// c.0 + c.1 v + c.2 v^2 + c.3 v^3.
    @_transparent @usableFromInline
    static func poly4D(_ v: VD, _ c: (Double, Double, Double, Double)) -> VD {
        fmaD(fmaD(fmaD(VD(repeating: c.3), v, VD(repeating: c.2)), v, VD(repeating: c.1)), v, VD(repeating: c.0))
    }

    /// c.0 + c.1 v + ... + c.7 v^7: two cubics joined by v^4 (half the dependency chain of one
    /// Horner chain; the terms must shrink with the power, as in every use here).
    @_transparent @usableFromInline
    static func polyD(_ v: VD, _ c: (Double, Double, Double, Double, Double, Double, Double, Double)) -> VD {
        let v2 = v * v
        return fmaD(poly4D(v, (c.4, c.5, c.6, c.7)), v2 * v2, poly4D(v, (c.0, c.1, c.2, c.3)))
    }

    /// e^y in float64 lanes, relative error < 2e-12 (y = n ln2 + r, |r| <= ln2/2, and a degree-8
    /// least-squares fit of e^r with 1 + r exact: 1.4e-12 on mpmath's check), which is what the
    /// float32 results and the cancellation outside `rootWindow` need. Exactly 0 below -708 and
    /// +inf above 709, where the 2^n factor would leave the normal range; NaN passes.
    @_transparent @usableFromInline
    static func expD(_ y: VD) -> VD {
        let yc = select(y .> 709, 709, select(y .< -708, -708, y))
        let magic = VD(repeating: 6755399441055744.0)  // 1.5 * 2^52: adding it rounds to an integer
        let shifted = fmaD(yc, VD(repeating: 1.4426950408889634074), magic)
        let n = shifted - magic
        // ln 2 = hi + lo with hi's last 11 bits zero: n * hi is exact for |n| < 2^11.
        let r = fmaD(n, VD(repeating: -0x1.ef35793c76730p-45), fmaD(n, VD(repeating: -0x1.62e42fefa3800p-1), yc))
        let r2 = r * r, r4 = r2 * r2
        let upper = fmaD(VD(repeating: 0x1.9d5dd63fbbca4p-16), r4,
                         poly4D(r, (0x1.5555536502bf8p-5, 0x1.1110a119fa799p-7, 0x1.6c19fd6a933aep-10, 0x1.a1870f7ede95fp-13)))
        let p = fmaD(upper, r4, poly4D(r, (1, 1, 0x1.00000000a3937p-1, 0x1.5555557ebd4efp-3)))
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int64>.self) &- unsafeBitCast(magic, to: SIMD8<Int64>.self)
        let e = p * unsafeBitCast((exponent &+ 1023) &<< 52, to: VD.self)
        return select(y .> 709, .infinity, select(y .< -708, 0, e))
    }

    /// 1/d, a plain vdivpd. The cheaper-looking alternatives tried (a float32 vdivps guess, or a
    /// guess from d's bits, refined by Newton steps) made the optimiser split erfc's float64 lanes
    /// into 4 + 2 + 1 + 1-lane pieces, about three times the instructions; vdivpd did not.
    @_transparent @usableFromInline
    static func reciprocalD(_ d: VD) -> VD { 1 / d }

    /// sigma(w) = 1/(1 + e^-w) and 1 - sigma(w), both to full relative precision in both tails:
    /// from e = e^-|w| <= 1, one is 1/(1 + e) and the other e/(1 + e). sigma(+-inf) = 1, 0.
    @_transparent @usableFromInline
    static func logisticD(_ w: VD) -> (value: VD, complement: VD) {
        let e = expD(-absoluteD(w))
        let r = reciprocalD(1 + e)
        let er = e * r
        let nonNegative = w .>= 0
        return (select(nonNegative, r, er), select(nonNegative, er, r))
    }

    /// Half-width of the window around a derivative's zero where `activationGradient` replaces
    /// the closed form. Outside it the result is at least ~1.5e-3 (|f''(x0)| > 0.2 at each root),
    /// so the closed form's absolute error (~1e-12) stays below 2^-30 of it; inside, the series'
    /// truncation (the c_7 t^7 term) is below 1e-13 of it.
    @usableFromInline static let rootWindow: Double = 0x1p-7

    /// Whether any lane of x lies within `rootWindow` (in float32, a little wider) of `root`.
    @_transparent @usableFromInline
    static func anyNearRoot(_ x: V, _ root: Double) -> Bool {
        anyTrue(absolute(x - V(repeating: Float(root))) .< Float(rootWindow * 1.25))
    }

    /// A simple zero x0 = hi + lo of an activation's derivative f', and the Taylor coefficients
    /// c_1...c_6 of f' about it (mpmath at 50 digits): f'(x0 + t) = sum c_k t^k.
    @usableFromInline
    typealias DerivativeRoot = (hi: Double, lo: Double, taylor: (Double, Double, Double, Double, Double, Double))

    /// gy * f'(x) from the closed form d = f'(x), for the activations whose derivative tends to 1
    /// at +inf and to 0 from below at -inf (gelu, geluTanh, silu, mish): those limits replace
    /// inf * 0 = NaN there. When `near` (see anyNearRoot), lanes within `rootWindow` of the zero
    /// take the Taylor series in t = x - x0 instead, with t exact to float64 rounding (x - hi is
    /// exact by Sterbenz), so the result keeps its relative precision where d's terms cancel.
    @_transparent @usableFromInline
    static func activationGradient(_ d: VD, x: VD, gy: VD, near: Bool, root: DerivativeRoot) -> VD {
        var d = d
        if near {
            let t = (x - VD(repeating: root.hi)) - VD(repeating: root.lo)
            let c = root.taylor
            let t2 = t * t
            let series = t * fmaD(fmaD(VD(repeating: c.5), t, VD(repeating: c.4)), t2 * t2, poly4D(t, (c.0, c.1, c.2, c.3)))
            d = select(absoluteD(t) .< VD(repeating: rootWindow), series, d)
        }
        d = select(x .== -.infinity, -0.0, select(x .== .infinity, 1, d))
        return gy * d
    }
}
