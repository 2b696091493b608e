import CVecShim

// tanh, sigmoid and softplus on SIMD16<Float>, built on VectorMath's exp and log pieces. softplus
// takes the log of 1 + e with e = e^-|x| carried as hi + lo, so that neither tail loses relative
// precision (PyTorch's float32 sigmoid is off by up to 2.1 million ulp there); sigmoid divides 1
// by 1 + e^-x formed with one rounding, and tanh -em by 2 + em, em = e^(-2|x|) - 1.
extension VectorMath {
    /// Hyperbolic tangent as -em / (2 + em), em = e^(-2|x|) - 1 = 2^n (1 + s) - 1 formed with
    /// one rounding (2^n - 1 is exact for n >= -24; below, tanh is within 2^-24 of 1), and the
    /// sign put back (keeps -0). Neither part cancels: near 0, n = 0 and em = s = e^r - 1
    /// keeps its relative precision, and 2 + em >= 1. One exponential and one division, no
    /// small-|x| polynomial and no selects. -2|x| is held at -20 (tanh rounds to 1 from 9.01).
    /// The quotient is of d = 2 + em rounded: near tanh = 1, d's rounding is up to an ulp of the
    /// result (2.49 ulp measured; 1.69-1.85 with 2 + em carried as d + dErr, 11% slower: see
    /// tanhParts; VectorMathTests hold float32 tanh to 3, its record to 4). -2|x| clamped by
    /// vmaxps and 2^n by vscalefps from n.
    @inlinable @inline(__always)
    public static func tanh(_ x: V) -> V { tanhParts(x).y }

    /// tanh(x) with the pieces tanhWithComplement reuses: e^(-2|x|) = sc (1 + s), and
    /// 1 + e^(-2|x|) = d + dErr exactly (the complement corrects its quotient by dErr; y does not); the
    /// grad-mode forward's y is the no-grad forward's bit for bit.
    @inlinable @inline(__always)
    static func tanhParts(_ x: V) -> (y: V, sc: V, s: V, d: V, dErr: V) {
        let z = vg_max_f32x16(V(repeating: -20), absolute(x) * -2)  // NaN passes
        let (r, nf, _) = reduceLn2Rounded(z)
        let s = fma(expPolynomial(r), r * r, r)  // e^r - 1
        let sc = vg_scale_pow2(V(repeating: 1), nf)
        let em = fma(sc, s, sc - 1)  // <= 0
        let d = em + 2
        let dErr = (2 - d) + em  // Fast2Sum: 2 + em = d + dErr
        // -em / d with one refinement of q0 = a e (e the reciprocal estimate): the residual
        // a - q0 d, exact by FMA, times e added back. 0 - em, not em with the sign fixed after:
        // divide(em, d) made LLVM peel lane 15 into scalar code. d's rounding (dErr) is left out
        // of y: with it (the residual a - q0 (d + dErr)) y was 1.85 ulp and the forward 11% slower
        // on the Xeon (family 6 model 207, vecbench ab 6 rounds, 2^20: 353 -> 312 us), 6% behind
        // PyTorch's; without it 2.49 ulp (vecbench accuracy, 2^20 random inputs; bound 4). The
        // complement, which the gradient reads, still divides by d + dErr (tanhWithComplement).
        let a = 0 - em, e = reciprocalEstimate(d)
        let q0 = a * e
        let q = fma(fma(negate(q0), d, a), e, q0)
        return (withSign(q, of: x), sc, s, d, dErr)
    }

    /// Logistic sigmoid 1/d with d = 1 + e^z, z = -x = n ln2 + r: d = fma(2^n, expm1(r), 2^n + 1)
    /// rounds once while 2^n + 1 is exact (|x| <= 16), so one division and no selects: 1.6 ulp
    /// max with FMA, ~2x the old e^-|x| hi+lo form. Vectors with a lane beyond 16 take sigmoidWide.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: V) -> V {
        if _slowPath(anyTrue(absolute(x) .> 16)) { return sigmoidWide(x) }
        return reciprocal(sigmoidParts(x).d)
    }

    /// For |x| <= 16 (or NaN): e^-x = sc (1 + s) and d = 1 + e^-x rounded once.
    @inlinable @inline(__always)
    static func sigmoidParts(_ x: V) -> (sc: V, s: V, d: V) {
        let z = negate(x)
        let (r, _, t) = reduceLn2Rounded(z)
        let s = fma(expPolynomial(r), r * r, r)
        let sc = float((bits(t) &<< 23) &+ ((127 &- roundMagicBits) &<< 23))  // 2^n
        return (sc, s, fma(sc, s, sc + 1))
    }

    /// sigmoid for any x. z is clamped to [-30, 104] (sigmoid rounds to 1 and 0 beyond). For
    /// n > 23, 2^n + 1 is inexact, so 1/d = 2^-n / u with u = (1 + s) + 2^-n, 1 + s split
    /// exactly (Fast2Sum): u rounds once, and 2^-n is applied as two factors so that denormal
    /// results (the negative tail keeps its relative precision) round once more at most.
    @inline(never) @usableFromInline
    static func sigmoidWide(_ x: V) -> V {
        var z = negate(x)
        z = z.replacing(with: -30, where: z .< -30)
        z = z.replacing(with: 104, where: z .> 104)
        let (r, _, t) = reduceLn2Rounded(z)
        let s = fma(expPolynomial(r), r * r, r)
        let n = bits(t) &- roundMagicBits
        let large = n .> 23
        let nLarge = VI(repeating: 0).replacing(with: n, where: large)
        let sc = pow2(n &- nLarge)  // 2^n, or 1 where the sum form is used
        let m = 0 &- nLarge, m1 = m &>> 1
        let s1 = pow2(m1), s2 = pow2(m &- m1)  // 2^-n = s1 s2 where large, else 1
        let h = 1 + s, hl = (1 - h) + s
        let u = h + (hl + s1 * s2)
        return reciprocal(fma(sc, s, sc + 1).replacing(with: u, where: large)) * s1 * s2
    }

    /// PyTorch softplus: log(1 + e^(beta x)) / beta, and x itself where beta x > threshold.
    /// Computed as max(bx, 0) + log1p(e^-|bx|), which neither overflows nor cancels.
    @inlinable @inline(__always)
    public static func softplus(_ x: V, beta: Float, threshold: Float) -> V {
        beta == 1 ? softplusUnit(x, threshold: threshold) : softplusScaled(x, beta: beta, threshold: threshold)
    }

    /// softplus with beta = 1 (PyTorch's default).
    @inlinable @inline(__always)
    static func softplusUnit(_ x: V, threshold: Float) -> V {
        let (eh, el) = expNonPositiveParts(negativeAbsolute(x))
        let y = log1pUnit(eh, el) + x.replacing(with: 0, where: .!(x .> 0))
        return y.replacing(with: x, where: x .> threshold)
    }

    /// softplus for beta != 1: the rounding error of beta*x is folded into e^-|bx| (where the tail
    /// e^(beta x) would otherwise lose |beta x| / 2 ulp) and into the linear part; then the sum
    /// is divided by beta.
    @inlinable @inline(__always)
    static func softplusScaled(_ x: V, beta: Float, threshold: Float) -> V {
        let vb = V(repeating: beta)
        let bx = vb * x
        var lo = productError(vb, x, bx)
        lo = lo.replacing(with: 0, where: .!(absolute(bx) .< 1e30))  // bx overflowed, or the split would
        // Sign tricks instead of lane selects (see log1pUnit): loAbs = lo * sign(bx) is the
        // error of |bx|, and `nonNegative` keeps bx + lo where bx >= 0.
        let signBx = bits(bx) & VI(repeating: Int32.min)
        let loAbs = float(bits(lo) ^ signBx)
        let (eh, el) = expNonPositiveParts(negativeAbsolute(bx))
        let e = fma(eh, -loAbs, el)  // e^-(|bx| + lo) ~ (eh + el)(1 - lo)
        let nonNegative = ~(bits(bx) &>> 31)
        let y = ((log1pUnit(eh, e) + float(bits(lo) & nonNegative)) + float(bits(bx) & nonNegative)) / vb
        return y.replacing(with: x, where: bx .> threshold)
    }
}
