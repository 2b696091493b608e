import CVecShim

// Vectorised float32 math on SIMD16<Float>. Linux has no vector libm, and Foundation's scalar exp
// per lane runs ~0.35 G elem/s, so these are Cephes-style: Cody-Waite range reduction, rounding by
// adding 1.5*2^23, exponents built with integer shifts, and explicit edge values (clamping alone
// gets inf, 0, NaN and -0 wrong). No `SIMD16<Int32>(x, rounding:)` or `clamped`: both compile to
// out-of-line traps. Errors against float64 are measured in Tests/VecKernelsTests/VectorMathTests.
/// Vectorised float32 math on `SIMD16<Float>` (exp, expm1, log, log1p, sqrt here; the activations
/// and trigonometry in its extensions), with explicit edge values (inf, 0, NaN, -0). Errors against
/// float64 and Float80 references are measured in Tests/VecKernelsTests/VectorMathTests.
public enum VectorMath {
    /// The vector type every function takes and returns: 16 float32 lanes (one zmm register with AVX-512).
    public typealias V = SIMD16<Float>
    @usableFromInline typealias VI = SIMD16<Int32>
    @usableFromInline typealias VD = SIMD8<Double>

    // MARK: helpers

    /// a*b + c rounded once. With FMA hardware (x86-64-v3 or better at compile time) this is one
    /// fused instruction. Without it (a package that depends on Vecgrad builds it without CPU
    /// flags) the product is formed exactly in float64 lanes and the sum rounded there, then to
    /// float32: fused but for a double rounding (2^-29 ulp), where `addingProduct` would call
    /// `fmaf` 16 times per vector. Not a plain a*b + c: the kernels' exact splits (a product's
    /// rounding error, Cody-Waite residuals, the residual of a reciprocal) need the fused
    /// rounding; with a*b + c the float64 tanh near 0 and float32 gelu's tail were wrong by up to
    /// 176% and 63 ulp (the flagless test run of 2026-12-02). vg_compiled_isa_level() is a static
    /// inline C function, so the test folds to a constant in optimised builds.
    @inlinable @inline(__always)
    static func fma(_ a: V, _ b: V, _ c: V) -> V {
        // Level 0 is baseline x86-64; -1 another architecture, whose FMA is part of the baseline (arm64).
        if vg_compiled_isa_level() != 0 { return c.addingProduct(a, b) }
        return fusedInFloat64(a, b, c)
    }

    /// fma without FMA hardware: the float32 product is exact in float64.
    @inline(never) @usableFromInline
    static func fusedInFloat64(_ a: V, _ b: V, _ c: V) -> V {
        let low = widen(a.lowHalf) * widen(b.lowHalf) + widen(c.lowHalf)
        let high = widen(a.highHalf) * widen(b.highHalf) + widen(c.highHalf)
        return V(lowHalf: narrow(low), highHalf: narrow(high))
    }

    /// a*b + c rounded once: one FMA instruction, or without FMA hardware libm's fma per lane
    /// (glibc picks its FMA-instruction form where the CPU has one), as fma above explains.
    @inlinable @inline(__always)
    static func fmaD(_ a: VD, _ b: VD, _ c: VD) -> VD { c.fma(a, b) }

    /// Float32 -> float64 lanes. Written lane by lane on purpose: LLVM turns this into one
    /// vcvtps2pd, while SIMD8<Double>(SIMD8<Float>) stays an out-of-line call that also splits
    /// the surrounding arithmetic into xmm pieces.
    @inlinable @inline(__always)
    static func widen(_ f: SIMD8<Float>) -> VD {
        var d = VD()
        for i in 0..<8 { d[i] = Double(f[i]) }
        return d
    }

    /// Float64 -> float32 lanes (round to nearest), one vcvtpd2ps; see widen.
    @inlinable @inline(__always)
    static func narrow(_ d: VD) -> SIMD8<Float> {
        var f = SIMD8<Float>()
        for i in 0..<8 { f[i] = Float(d[i]) }
        return f
    }

    /// Correctly rounded square root in one vsqrtps. SIMD's squareRoot() calls sqrtf per lane
    /// (libm's errno path for negative inputs); the square root of a magnitude needs no errno,
    /// so LLVM vectorises it. Negative inputs give NaN and -0 stays -0, as IEEE requires.
    @inlinable @inline(__always)
    public static func sqrt(_ x: V) -> V {
        sqrtOfMagnitude(x).replacing(with: .nan, where: x .< 0).replacing(with: x, where: x .== 0)
    }

    /// Float64 square root, as sqrt(_: V).
    @inlinable @inline(__always)
    static func sqrt(_ x: VD) -> VD {
        sqrtOfMagnitude(x).replacing(with: .nan, where: x .< 0).replacing(with: x, where: x .== 0)
    }

    /// sqrt(|x|) in one vsqrtps, without `sqrt`'s selects for x < 0 and -0: for callers whose x
    /// is never negative, or that select for it themselves (a loop bound by the root runs closer
    /// to it with fewer operations beside it).
    @inlinable @inline(__always)
    static func sqrtOfMagnitude(_ x: V) -> V {
        var r = V()
        for i in 0..<V.scalarCount { r[i] = x[i].magnitude.squareRoot() }
        return r
    }

    /// sqrt(|x|) for float64 lanes, as sqrtOfMagnitude(_: V).
    @inlinable @inline(__always)
    static func sqrtOfMagnitude(_ x: VD) -> VD {
        var r = VD()
        for i in 0..<VD.scalarCount { r[i] = x[i].magnitude.squareRoot() }
        return r
    }

    /// The rounding error of p = a*b, exactly (fma(a, b, -p)).
    @inlinable @inline(__always)
    static func productError(_ a: V, _ b: V, _ p: V) -> V { fma(a, b, -p) }

    /// The rounding error of s = a + b, exactly, for any order of magnitude (Knuth's TwoSum, five
    /// additions; Fast2Sum's two need |a| >= |b|).
    @inlinable @inline(__always)
    static func sumError(_ a: V, _ b: V, _ s: V) -> V {
        let bv = s - a
        return (a - (s - bv)) + (b - bv)
    }

    /// Whether any lane of the mask is set. `any(_:)` compiles to an out-of-line reduction call.
    /// A test that sends rare vectors to an out-of-line path (`...Wide`, libm per lane) is wrapped
    /// in `_slowPath` (or the fast side in `_fastPath`): a call clobbers every vector register, and
    /// without the hint LLVM kept the loop's constants on the stack for the common path too
    /// (log_softmax backward -18%, float64 sin, cos, sigmoid, silu forward -13 to -22%, Zen 4).
    @inlinable @inline(__always)
    static func anyTrue(_ m: SIMDMask<VI>) -> Bool {
        let v = unsafeBitCast(m, to: VI.self)
        let a = v.lowHalf | v.highHalf
        let b = a.lowHalf | a.highHalf
        let c = b.lowHalf | b.highHalf
        return (c[0] | c[1]) != 0
    }

    @inlinable @inline(__always) static func bits(_ x: V) -> VI { unsafeBitCast(x, to: VI.self) }
    @inlinable @inline(__always) static func float(_ i: VI) -> V { unsafeBitCast(i, to: V.self) }
    @inlinable @inline(__always) static func absolute(_ x: V) -> V { float(bits(x) & 0x7FFF_FFFF) }
    /// -x by flipping the sign bit: SIMD's prefix minus is 0 - x, which turns -(+0) into +0.
    @inlinable @inline(__always) public static func negate(_ x: V) -> V { float(bits(x) ^ Int32.min) }
    /// -|x| in one operation.
    @inlinable @inline(__always) static func negativeAbsolute(_ x: V) -> V { float(bits(x) | Int32.min) }
    /// The sign bit of `from` OR-ed into `magnitude` (which must be non-negative).
    @inlinable @inline(__always) static func withSign(_ magnitude: V, of from: V) -> V {
        float(bits(magnitude) | (bits(from) & VI(repeating: Int32(bitPattern: 0x8000_0000))))
    }

    // Cody-Waite split of ln 2: C1 has 9 significant bits, so n*C1 is exact for |n| < 2^15 and
    // x - n*C1 is exact even without FMA.
    @usableFromInline static let ln2Hi: Float = 0.693359375
    @usableFromInline static let ln2Lo: Float = -2.12194440e-4
    @usableFromInline static let log2e: Float = 1.44269504088896341
    /// 1.5 * 2^23: adding it rounds to an integer, which then sits in the low mantissa bits.
    @usableFromInline static let roundMagic: Float = 12582912.0
    @usableFromInline static let roundMagicBits: Int32 = 0x4B40_0000

    /// n = round(x / ln 2) and r + rLo = x - n ln 2 with |r| <= ln2/2 (a hair more at ties);
    /// rLo is the rounding error of r (to ~2^-30). Valid for |x| < 2^21; callers clamp first.
    @inlinable @inline(__always)
    static func reduceLn2(_ x: V) -> (r: V, rLo: V, n: VI) {
        let t = fma(x, V(repeating: log2e), V(repeating: roundMagic))
        let nf = t - V(repeating: roundMagic)
        let r0 = fma(nf, V(repeating: -ln2Hi), x)  // exact
        let r = fma(nf, V(repeating: -ln2Lo), r0)
        let rLo = fma(nf, V(repeating: -ln2Lo), r0 - r)
        return (r, rLo, bits(t) &- roundMagicBits)
    }

    /// reduceLn2 without rLo, n as a float nf (for vg_scale_pow2) and as the low bits of t
    /// (bits(t) - roundMagicBits): r = x - nf ln 2 rounded once. Valid for |x| < 2^21.
    @inlinable @inline(__always)
    static func reduceLn2Rounded(_ x: V) -> (r: V, nf: V, t: V) {
        let t = fma(x, V(repeating: log2e), V(repeating: roundMagic))
        let nf = t - V(repeating: roundMagic)
        return (fma(nf, V(repeating: -ln2Lo), fma(nf, V(repeating: -ln2Hi), x)), nf, t)
    }

    /// P(r), e^r ~ 1 + r + r^2 P(r) for |r| <= ~0.35: a degree-4 Chebyshev fit of (e^r - 1 - r)/r^2
    /// (mpmath, |r| <= 1.0005 ln2/2), coefficients rounded to float32: relative error 2^-26.5 in
    /// e^r, where Cephes expf's degree 5 (2^-28.5 with its float32 coefficients) took one more FMA.
    /// Every float32 exp-based loop is bound by the FMA pipes, so the FMA is ~5% (`vecbench ab`, 4
    /// rounds, 2^20, 1 thread, Zen 4: exp forward -5.7%, sigmoid forward -7.0%, elu backward -8.5%,
    /// gelu -3 to -8%), for +0.03 to +0.11 ulp in `vecbench accuracy` (exp 0.79 -> 0.82, sigmoid
    /// forward 1.54 -> 1.65, elu backward 1.00 -> 1.05). Evaluated in pairs of coefficients
    /// joined by r^2 (Estrin), not by Horner's rule: a chain of three FMAs instead of four (r^2 is
    /// the callers' own, shared after inlining), which is what the latency-bound loops of gelu and
    /// the logistic family wait on.
    @inlinable @inline(__always)
    static func expPolynomial(_ r: V) -> V {
        let r2 = r * r
        let p01 = fma(V(repeating: 0x1.5554dcp-3), r, V(repeating: 0.5))
        let p23 = fma(V(repeating: 0x1.120ba2p-7), r, V(repeating: 0x1.55551ap-5))
        return fma(fma(V(repeating: 0x1.6d113cp-10), r2, p23), r2, p01)
    }

    /// e^r, |r| <= ~0.35. 1 + r is split exactly (Fast2Sum) so that the sum rounds once:
    /// 0.82 ulp max (vecbench accuracy) instead of 1.0 for (1 + r) + r^2 P.
    @inlinable @inline(__always)
    static func expReduced(_ r: V) -> V {
        let h = 1 + r
        let l = (1 - h) + r
        return h + fma(expPolynomial(r), r * r, l)
    }

    /// e^(r + rLo) as an unevaluated sum hi + lo: hi = 1 + s with s = expm1(r), lo = the exact
    /// rounding error of 1 + s (Fast2Sum) plus e^rLo - 1 ~ rLo. Callers that divide by 1 + e
    /// (sigmoid, tanh) or take log1p(e) (softplus) use lo: a rounded e alone can be off by a
    /// whole ulp of the result when e/(1+e) falls into the binade below e.
    @inlinable @inline(__always)
    static func expReducedParts(_ r: V, _ rLo: V) -> (hi: V, lo: V) {
        let s = fma(expPolynomial(r), r * r, r)
        let hi = 1 + s
        return (hi, fma(hi, rLo, (1 - hi) + s))
    }

    /// e^x as hi + lo (see expReducedParts), for x <= 0 or NaN: clamped at -104, where e^x rounds to 0.
    @inlinable @inline(__always)
    static func expNonPositiveParts(_ x: V) -> (hi: V, lo: V) {
        let xc = x.replacing(with: -104, where: x .< -104)
        let (r, rLo, n) = reduceLn2(xc)
        let (h, l) = expReducedParts(r, rLo)
        // 2^n in one factor while n >= -126 (x >= -87); in two below, so that denormal results
        // round once. Branching on the rare case saves 6 of ~45 vector ops in sigmoid.
        if _slowPath(anyTrue(xc .< -87)) {
            let n1 = n &>> 1
            let s1 = pow2(n1), s2 = pow2(n &- n1)
            return (h * s1 * s2, l * s1 * s2)
        }
        let s = pow2(n)
        return (h * s, l * s)
    }

    /// 2^n for n in [-126, 127], from the exponent bits.
    @inlinable @inline(__always)
    static func pow2(_ n: VI) -> V { float((n &+ 127) &<< 23) }

    // MARK: exp family

    /// e^x. Inputs are clamped to [-104, 88.8] (beyond those e^x rounds to 0 and inf); 2^n is
    /// applied by vscalefps (vg_scale_pow2; without AVX-512, two exponent-bit factors), which
    /// rounds a denormal result once and overflows n = 128 to inf: one instruction where the two
    /// factors took nine (the loop's arithmetic went from 26 to 18 instructions per 16 lanes,
    /// objdump, copies and the store left out). NaN passes through the arithmetic.
    @inlinable @inline(__always)
    public static func exp(_ x: V) -> V {
        var xc = x.replacing(with: 88.8, where: x .> 88.8)
        xc = xc.replacing(with: -104, where: xc .< -104)
        let (r, nf, t) = reduceLn2Rounded(xc)
        let y = expReduced(r)
        if vg_compiled_isa_level() >= 2 { return vg_scale_pow2(y, nf) }
        // Without AVX-512, vg_scale_pow2 is a loop of ldexpf: two exponent-bit factors instead.
        let n = bits(t) &- roundMagicBits
        let n1 = n &>> 1
        return y * pow2(n1) * pow2(n &- n1)
    }

    /// e^x - 1, accurate near 0. Float32 arithmetic loses up to 1.5 ulp where 2^n expm1(r) and
    /// 2^n - 1 nearly cancel (|x| just above ln2/2), so the whole reduction and the Taylor series
    /// (to r^8: truncation < 3e-10) run in float64 and round once. Not on a hot path of any op.
    @inlinable @inline(__always)
    public static func expm1(_ x: V) -> V { expm1(x, halves: expm1Halves(x)) }

    /// expm1's float64 halves: x clamped to [-30, 89] (e^-30 - 1 rounds to -1), each half's
    /// 2^n and e^r - 1 (expm1HalfParts). Apart so that the grad-mode forward (expm1WithExp)
    /// reads e^x off the same parts and its y is expm1's.
    @inlinable @inline(__always)
    static func expm1Halves(_ x: V) -> (lo: (s: VD, em: VD), hi: (s: VD, em: VD)) {
        var xc = x.replacing(with: 89, where: x .> 89)
        xc = xc.replacing(with: -30, where: xc .< -30)
        return (expm1HalfParts(widen(xc.lowHalf)), expm1HalfParts(widen(xc.highHalf)))
    }

    /// expm1 from its halves (expm1Halves): 2^n em + (2^n - 1) rounded once to float32.
    @inlinable @inline(__always)
    static func expm1(_ x: V, halves h: (lo: (s: VD, em: VD), hi: (s: VD, em: VD))) -> V {
        let y = V(lowHalf: narrow(fmaD(h.lo.s, h.lo.em, h.lo.s - 1)), highHalf: narrow(fmaD(h.hi.s, h.hi.em, h.hi.s - 1)))
        return y.replacing(with: x, where: x .== 0)  // -0: the series' +0 terms would lose its sign
    }

    @inlinable @inline(__always)
    static func expm1Half(_ x: VD) -> VD {
        let (s, em) = expm1HalfParts(x)
        return fmaD(s, em, s - 1)
    }

    /// expm1Half's e^x = s (1 + em): s = 2^n and em = e^r - 1 (expm1's saved e^x reads them).
    @inlinable @inline(__always)
    static func expm1HalfParts(_ x: VD) -> (s: VD, em: VD) {
        let magic = VD(repeating: 6755399441055744.0)  // 1.5 * 2^52
        let t = fmaD(x, VD(repeating: 1.4426950408889634074), magic)
        let n = t - magic
        var r = fmaD(n, VD(repeating: -0x1.62e42fefa3800p-1), x)  // ln2 hi: n*hi exact, |n| < 2^11
        r = fmaD(n, VD(repeating: -0x1.ef35793c76730p-45), r)
        var p = fmaD(VD(repeating: 1.0 / 40320), r, VD(repeating: 1.0 / 5040))
        p = fmaD(p, r, VD(repeating: 1.0 / 720))
        p = fmaD(p, r, VD(repeating: 1.0 / 120))
        p = fmaD(p, r, VD(repeating: 1.0 / 24))
        p = fmaD(p, r, VD(repeating: 1.0 / 6))
        p = fmaD(p, r, VD(repeating: 0.5))
        let em = fmaD(p, r * r, r)
        let s = unsafeBitCast((unsafeBitCast(t, to: SIMD8<Int64>.self) &- unsafeBitCast(magic, to: SIMD8<Int64>.self)
                               &+ 1023) &<< 52, to: VD.self)
        return (s, em)
    }

    // MARK: log family

    /// Splits a positive normal x as 2^k * m with m in [sqrt(1/2), sqrt(2)), and returns
    /// f = m - 1 (exact) and k as a float.
    @inlinable @inline(__always)
    static func logSplitNormal(_ x: V) -> (f: V, k: V) {
        let ix = bits(x) &- 0x3F35_04F3  // bits of sqrt(1/2): the mantissa wraps at sqrt(2)
        let m = float((ix & 0x007F_FFFF) &+ 0x3F35_04F3)
        // k as a float by the rounding-magic trick: V(k) compiles to an out-of-line lane loop.
        return (m - 1, float((ix &>> 23) &+ roundMagicBits) - V(repeating: roundMagic))
    }

    /// logSplitNormal for any positive x: denormals are scaled by 2^23 first.
    @inlinable @inline(__always)
    static func logSplit(_ x: V) -> (f: V, k: V) {
        let denormal = x .< Float.leastNormalMagnitude
        let (f, k) = logSplitNormal(x.replacing(with: x * 8388608.0, where: denormal))
        return (f, k.replacing(with: k - 23, where: denormal))
    }

    /// log(1 + f) + k ln 2 + extra, Cephes logf polynomial; `extra` is a tiny correction term.
    @inlinable @inline(__always)
    static func logCombine(f: V, k: V, extra: V) -> V {
        let z = f * f
        var p = fma(V(repeating: 7.0376836292e-2), f, V(repeating: -1.1514610310e-1))
        p = fma(p, f, V(repeating: 1.1676998740e-1))
        p = fma(p, f, V(repeating: -1.2420140846e-1))
        p = fma(p, f, V(repeating: 1.4249322787e-1))
        p = fma(p, f, V(repeating: -1.6668057665e-1))
        p = fma(p, f, V(repeating: 2.0000714765e-1))
        p = fma(p, f, V(repeating: -2.4999993993e-1))
        p = fma(p, f, V(repeating: 3.3333331174e-1))
        var y = fma(p * z, f, extra)
        y = fma(k, V(repeating: ln2Lo), y)
        y = fma(z, V(repeating: -0.5), y)
        return fma(k, V(repeating: ln2Hi), f + y)
    }

    /// Natural log. log(±0) = -inf, log(x < 0) = NaN, log(inf) = inf, NaN stays NaN.
    /// Vectors of normal positive finite lanes only (the common case) split x without the
    /// denormal scaling and skip the special-value selects, as float64's log does: 27 vector
    /// operations per 16 lanes where every vector took 30 (objdump; copies, load and store left out).
    @inlinable @inline(__always)
    public static func log(_ x: V) -> V {
        if _slowPath(anyTrue(.!((x .>= V(repeating: Float.leastNormalMagnitude)) .& (x .< .infinity)))) { return logWide(x) }
        let (f, k) = logSplitNormal(x)
        return logCombine(f: f, k: k, extra: V(repeating: 0))
    }

    /// log for vectors with a zero, negative, denormal, infinite or NaN lane.
    @inline(never) @usableFromInline
    static func logWide(_ x: V) -> V {
        let (f, k) = logSplit(x)
        var y = logCombine(f: f, k: k, extra: V(repeating: 0))
        y = y.replacing(with: .nan, where: x .< 0)
        y = y.replacing(with: -.infinity, where: x .== 0)
        return y.replacing(with: x, where: .!(x .< .infinity))  // +inf and NaN
    }

    /// log(1 + x). u = 1 + x is split as for log; when 2^k = 1 the polynomial takes x itself (no
    /// rounding), otherwise the rounding error c of 1 + x (a Fast2Sum) adds c / u.
    @inlinable @inline(__always)
    public static func log1p(_ x: V) -> V {
        let one = V(repeating: 1)
        let u = one + x
        let xBig = absolute(x) .> 1
        var c = (x - (u - one)).replacing(with: one - (u - x), where: xBig)
        var (f, k) = logSplit(u)
        let unscaled = k .== 0
        f = f.replacing(with: x, where: unscaled)
        c = c.replacing(with: 0, where: unscaled)
        var y = logCombine(f: f, k: k, extra: c / u)
        y = y.replacing(with: .nan, where: x .< -1)
        y = y.replacing(with: -.infinity, where: x .== -1)
        y = y.replacing(with: x, where: .!(x .< .infinity))  // +inf and NaN
        return y.replacing(with: x, where: x .== 0)  // keeps -0
    }

    /// log1p(x + xLo) for x in [0, 1] or NaN and a tiny xLo (softplus's e^-|x| as hi + lo):
    /// 1 + x lies in [1, 2], so no denormal, sign or edge handling, and the correction c/u
    /// needs no division.
    /// @_transparent: inlined before optimisation, because the size-budgeted inliner left it out
    /// of softplus(beta != 1)'s loop (0.74 instead of 1.06 G elem/s).
    @_transparent @usableFromInline
    static func log1pUnit(_ x: V, _ xLo: V) -> V {
        let u = 1 + x
        var c = (x - (u - 1)) + xLo  // exact but for xLo: 1 >= x
        var (f, k) = logSplitNormal(u)
        let unscaled = k .== 0
        f = f.replacing(with: x, where: unscaled)
        c = c.replacing(with: xLo, where: unscaled)  // log1p(x + xLo) ~ log1p(x) + xLo/(1+x)
        // 1/u: a line within 1.6% on [sqrt 2, 2]; 1 - x + x^2 within x^3 below, where c can be
        // tens of ulps (softplus's beta*x error for large |beta x|) but x is then tiny.
        let invLine = fma(u, V(repeating: -0.35145), V(repeating: 1.1950036))
        let invSeries = fma(x, x - 1, V(repeating: 1))
        return logCombine(f: f, k: k, extra: c * invLine.replacing(with: invSeries, where: unscaled))
    }
}
