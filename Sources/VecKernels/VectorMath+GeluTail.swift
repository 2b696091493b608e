import CVecShim

// Exact GELU in float32 lanes. PyTorch's float32 0.5 x (1 + erf(x / sqrt 2)) is fast but cancels
// in the left tail (1 + erf -> 0). Here one formula for every x: with ac = |x| and a = ac / sqrt 2,
// 0.5 ac erfc(a) = -ac e^(-ac^2 / 2) H(ac), H = -erfcx(a) / 2 = -erfc(a) e^(a^2) / 2 (no
// cancellation anywhere, and no reciprocal: a piecewise polynomial in ac). e^(-ac^2 / 2) takes
// ac^2 exactly as hi + lo (no error grows with ac), and its 2^n is applied last (scaleTail:
// vscalefps, or two exponent-bit factors), so denormal results round once. The left tail keeps
// its relative precision down to the last denormal (x ~ -14.4). The form this replaced (erfc as t P(t), t = 1 / (1 + a/2), a separate
// series below |x| = 1/sqrt 2, t's rounding corrected) was 2.53 ulp at ~115 vector instructions
// per 16 lanes against 35 here (objdump of the forward loop, loads, stores and register copies
// left out; 39 with the 16-piece degree-6 H).
extension VectorMath {
    /// H(ac) = -erfcx(ac / sqrt 2) / 2 for ac in [0, 15]: 32 pieces, 8 per binade of 1 + ac in
    /// [1, 16) (the low 5 bits of bits(1 + ac) >> 20 pick one, so the table's rows are in that
    /// order: 1 + ac in [2, 2.25) first, [1, 1.125) at 24), each a degree-4 fit in u = ac - mid
    /// (numpy, least squares on 3000 Chebyshev nodes per piece reweighted toward minimax,
    /// relative; coefficients rounded to float32 one at a time and the rest refitted; mid chosen
    /// near the piece's centre so that c0 rounds to float32 within 0.05 ulp; u = ac - mid is exact
    /// by Sterbenz but below ac = mid/2 in the first piece, where its error is at most 2^-28).
    /// Relative error 1.68 2^-24 with float32 Horner, measured over 4M points (float32
    /// arithmetic emulated in numpy). The pieces are rows of CVecShim's GeluTailPieces.h; under
    /// AVX-512 each column is two vector constants read by one vpermt2ps (the 16-piece degree-6
    /// form this replaced took 8 vpermps and 6 FMAs, this one 6 and 4); under AVX2 each lane's row
    /// is loaded whole and the six columns come from 4x4 transposes (vg_gelu_erfcx_lookup).
    @inline(__always)
    static func erfcxHalf(_ ac: V) -> V {
        // One lookup for the six columns (vg_gelu_erfcx_lookup: under AVX2 the rows are read
        // whole and transposed, AVX-512 keeps a vpermt2ps per column).
        var piece = (V(), V(), V(), V(), V(), V())
        withUnsafeMutableBytes(of: &piece) {
            vg_gelu_erfcx_lookup(bits(ac + 1) &>> 20, $0.baseAddress!.assumingMemoryBound(to: Float.self))
        }
        let (mid, c0, c1, c2, c3, c4) = piece
        let u = ac - mid
        var p = fma(c4, u, c3)
        p = fma(p, u, c2)
        p = fma(p, u, c1)
        return fma(p, u, c0)
    }

    /// x 2^n for gelu's tails, n an integer in [-160, 0] (as a float, nf, and as integer lanes),
    /// rounded once, denormal results included. AVX-512: vscalefps. Elsewhere two exponent-bit
    /// factors, 2^max(n, -120) first, exact while |x| 2^max(n, -120) stays normal, then
    /// 2^(n - max(n, -120)), the one rounding. That holds for gelu's callers: wherever
    /// n <= -120 (ac >= 12.87) |x| is about 0.4 (forward, ac H) or 0.4 ac (gradient), and for
    /// n > -120 |x| 2^n is normal unless |x| < 2^(-126 - n) (<= 2^-7), far below either there.
    /// vg_scale_pow2's AVX2 form (through float64: four converts each way per 16 lanes, ~35
    /// instructions) was a tenth of the float32 gelu loop.
    @inline(__always)
    static func scaleTail(_ x: V, _ nf: V, _ n: VI) -> V {
        if vg_compiled_isa_level() >= 2 { return vg_scale_pow2(x, nf) }
        // max(n, -120) in integer arithmetic: Swift's replacing(with:where:) on Int32 lanes
        // compiled to a loop over the lanes through the stack (3x the whole gelu loop's time).
        let below = n &+ 120
        let n1 = n &- (below & (below &>> 31))
        return x * pow2(n1) * pow2(n &- n1)
    }

    /// What gelu and its gradient share: ac = min(|x|, 14.8) (where every result has underflowed
    /// or equals x, so that n >= -160; NaN becomes 14.8), e^(-ac^2 / 2) = (1 + s) 2^n with n an
    /// integer-valued float and as integer lanes (for scaleTail) and s = e^r - 1 (callers form
    /// m (1 + s) as fma(m, s, m), one rounding), ac^2 = p + pe exactly (FMA) and both parts folded into the
    /// reduced argument r, and H = erfcxHalf(ac).
    @inline(__always)
    static func geluTailParts(_ x: V) -> (ac: V, s: V, n: V, nBits: VI, erfcxHalf: V) {
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
        return (ac, fma(expPolynomial(r), r * r, r), n, bits(t) &- roundMagicBits, erfcxHalf(ac))
    }

    /// Exact GELU, x Phi(x) = 0.5 x (1 + erf(x/sqrt 2)) (torch's gelu, approximate "none"), float32,
    /// in float32 lanes: within 2.48 ulp measured (ActivationMathTests; bound 4, see GeluOp),
    /// denormal results included; -0 below x ~ -14.4 and at -inf (PyTorch: NaN),
    /// inf at inf, NaN passes.
    @inline(__always)
    public static func gelu(_ x: V) -> V {
        let (ac, s, n, nBits, q) = geluTailParts(x)
        // -0.5 ac erfc(ac / sqrt 2): the value for x < 0, and x + it for x >= 0 (NaN: NaN + it).
        let m = ac * q
        let w = scaleTail(fma(m, s, m), n, nBits)
        // max(-0, x): x for x >= 0 (-0 and NaN included), -0 for x < 0, where w + -0 = w.
        return w + vg_max_f32x16(V(repeating: -0.0), x)
    }
}
