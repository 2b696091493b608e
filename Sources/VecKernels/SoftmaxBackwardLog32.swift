import CVecShim
import Foundation

// Float32 log-softmax backward rows, gx = gy - e^y s, on 16 float32 lanes. The float64 form of
// SoftmaxBackward32.logSoftmaxGrad (exp in float64 lanes, ~2^-40, rounded once) is accurate
// everywhere but ran at half PyTorch's speed ([256, 1000]: 258 vs 143 us). Here e^y s is kept as
// P (1 + delta): P = S T (S = s_hi 2^k, T = 2^(j/32) rounded to float32) and
// delta = w + rho_j + sigma (w = e^r - 1, |r| <= ln2/64; rho_j and sigma the relative rounding
// errors of T and s_hi). R = fma(-S, T, gy) - c with c = P delta: P's product is never rounded
// on its own, and c's roundings are ~2^-24 of c. What is left (R's two roundings and ~2^-22 |c|)
// is within ~1.5 ulp of R wherever |R| > 8 |c|; vectors with a lane below that (a cancellation:
// gy within a few percent of e^y s: ~1 vector in 100 on [256, 1000] with gy in [-1, 1], in a
// numpy model) or an infinite or NaN R or c take the float64 form (Tests/VecKernelsTests/SoftmaxAccuracyTests).
extension SoftmaxBackward32 {
    /// 2^(j/32) rounded to float32 (j = 0..<32, two registers of 16) and each entry's relative
    /// rounding error rho_j = (2^(j/32) - hi) / hi, for AVX-512 (one vpermt2ps per table). Under
    /// AVX2 a 32-entry lookup is four vpermps and three blends per ymm, and vpermps ymm issues
    /// once per ~4 cycles on Zen 1 (perf: the two lookups and the spills of their four table
    /// registers were ~40% of the loop): there 2^(j/32) = 2^(a/8) 2^(b/32) with j = 4a + b, the
    /// registers holding 2^(a/8) in lanes 0-7 (one vpermps per ymm) and 2^(b/32) in lanes 0-3 (one
    /// in-lane vpermilps), each with its rho.
    static let expTable: (hi: (V, V), rho: (V, V)) = {
        var hi = (V(), V()), rho = (V(), V())
        func entry(_ exact: Double) -> (Float, Float) {
            let h = Float(exact)
            return (h, Float((exact - Double(h)) / Double(h)))
        }
        if splitTable {
            for a in 0..<8 { (hi.0[a], rho.0[a]) = entry(exp2(Double(a) / 8)) }
            for b in 0..<4 { (hi.1[b], rho.1[b]) = entry(exp2(Double(b) / 32)) }
            return (hi, rho)
        }
        for j in 0..<32 {
            let (h, r) = entry(exp2(Double(j) / 32))
            if j < 16 { hi.0[j] = h; rho.0[j] = r } else { hi.1[j - 16] = h; rho.1[j - 16] = r }
        }
        return (hi, rho)
    }()

    /// Whether expTable holds the two-factor form (AVX2 and older builds: no vpermt2ps).
    @inline(__always) static var splitTable: Bool { vg_compiled_isa_level() < 2 }

    /// ln2/32 in two parts for the FMA reduction r = (y - n c1) - n c2: c1 = ln2/32 rounded to
    /// float32 (ulp 2^-29), so y - n c1, a multiple of 2^-29 below 2^-6 in size, is exact; c2 is
    /// the rest to 2^-54, so with |n| < 2^14 r is off by at most 2^-40 beside its one rounding (~2^-31).
    /// Three 10-bit parts, exact without an FMA, cost one more FMA per vector.
    static let ln2Over32Parts: (Float, Float) = {
        let c = (VectorMath.ln2HiD + VectorMath.ln2LoD) / 32
        return (Float(c), Float(c - Double(Float(c))))
    }()

    /// log-softmax gx of `count` contiguous rows of n floats. Within the caches the float64 sum of
    /// row k + 1's gy is taken in the loop that writes row k; beyond them (`twoPass`) each row's
    /// sum comes first, as in `softmaxRows` ([4096, 1024] measured the same either way on the
    /// Zen 4, 1.82 against 1.83 ms: this loop, not memory, bounds it). Both add in `rowSum`'s
    /// order. Rows whose sum is zero, beyond float32's normal range or not finite go through
    /// `logSoftmaxGrad` whole.
    static func logSoftmaxRows<St: VectorStore>(_ y: UnsafePointer<Float>, _ gy: UnsafePointer<Float>,
                                                _ gx: UnsafeMutablePointer<Float>, _ count: Int, _ n: Int,
                                                twoPass: Bool, _: St.Type) {
        defer { St.fence() }
        var s = count > 0 ? rowSum(gy, nil, n) : 0
        let full = n / 16 * 16
        let table = expTable, parts = ln2Over32Parts
        for k in 0..<count {
            let o = k * n
            if twoPass && k > 0 { s = rowSum(gy + o, nil, n) }
            let gn = k + 1 == count ? gy + o : gy + o + n
            var sNext = 0.0
            withUnsafePointer(to: s) { sp in
                let sHi = Float(s)
                guard sHi.isFinite, Swift.abs(sHi) >= Float.leastNormalMagnitude else {
                    logSoftmaxGrad(y + o, gy + o, gx + o, n, sp, VectorIO.Repeated.self)
                    if !twoPass { sNext = rowSum(gn, nil, n) }
                    return
                }
                let sigma = Float((s - Double(sHi)) / Double(sHi))
                // sigma joins every entry's rho once (the first factor's alone in the split form).
                let rhoSigma = (table.rho.0 + sigma, splitTable ? table.rho.1 : table.rho.1 + sigma)
                let negS = V(repeating: -sHi)
                // Lanes at..<at + m (m <= 16) of the row, the fast form or the float64 one. The
                // call is marked cold: without it the loop kept its tables and constants on the
                // stack (the call clobbers every zmm) and reloaded ~10 of them per vector (126 ->
                // 103 us on [256, 1000], Zen 4).
                @inline(__always) func step(_ at: Int, _ m: Int, _ yv: V, _ g: V) {
                    let (r, c) = logSoftmaxLanes(yv, g, negS, table.hi, rhoSigma, parts)
                    if _slowPath(needsFloat64(r, c)) {
                        logSoftmaxGrad(y + o + at, gy + o + at, gx + o + at, m, sp, VectorIO.Repeated.self)
                    } else if m == 16 {
                        St.store(r, gx + o, at)
                    } else {
                        VectorIO.storePartial(r, gx + o + at, count: m)
                    }
                }
                if twoPass {
                    for i in stride(from: 0, to: full, by: 16) { step(i, 16, VectorIO.load(y + o, i), VectorIO.load(gy + o, i)) }
                } else {
                    // Row k + 1's sum, added as rowSum adds it.
                    var t0 = VD(), t1 = VD()
                    for i in stride(from: 0, to: full, by: 16) {
                        step(i, 16, VectorIO.load(y + o, i), VectorIO.load(gy + o, i))
                        prefetch(y + o, i &+ prefetchAhead)  // y is read first here, gy in the sum
                        prefetch(gn, i &+ prefetchAhead)
                        let (a0, a1) = widen(VectorIO.load(gn, i))
                        t0 += a0
                        t1 += a1
                    }
                    sNext = finishRowSum(t0, t1, gn, nil, full, n)
                }
                // The last n mod 16 as one partial vector (padding lanes y = gy = 0 pass the test).
                if n > full {
                    step(full, n - full, VectorIO.loadPartial(y + o + full, count: n - full, fill: 0),
                         VectorIO.loadPartial(gy + o + full, count: n - full, fill: 0))
                }
            }
            s = sNext
        }
    }

    /// Whether a vector of fast-path results must be redone in float64: a lane with |R| <= 8 |c|
    /// (gy cancels against e^y s to within 8x of the errors carried), or R or c infinite or NaN
    /// (NaN y; S = s_hi 2^k beyond float32's range, where y > 80 can take it and P rounds to inf
    /// although e^y s may not; y beyond 354 always overflows S).
    /// Strict, so that R = c = 0 and inf against inf are redone too. A float compare: the same
    /// test on exponent fields as Int32 lanes compiled to a loop over the lanes.
    @inline(__always)
    static func needsFloat64(_ r: V, _ c: V) -> Bool {
        VectorMath.anyTrue(.!(VectorMath.absolute(r) .> VectorMath.absolute(c) * 8))
    }

    /// (gy - e^y s as R, and -c) for 16 lanes, from negS = -s_hi (the negation once per row) and
    /// rho_j + sigma (added once per row) with y >= -200 after clamping (e^-200 s is below
    /// float32's smallest denormal for any float32 s): n = round(32 y / ln2), r = y - n ln2/32,
    /// e^r - 1 = r + r^2 (1/2 + r/6) (the dropped r^4/24 is 2^-24 of r at |r| = ln2/64), and
    /// S = s_hi 2^floor(n/32) by vscalefps (denormal and overflowing S rounded as the product would).
    @inline(__always)
    static func logSoftmaxLanes(_ y: V, _ g: V, _ negS: V, _ hiTable: (V, V), _ rhoSigma: (V, V),
                                _ parts: (Float, Float)) -> (r: V, c: V) {
        let yc = vg_max_f32x16(V(repeating: -200), y)  // NaN passes
        let magic = V(repeating: VectorMath.roundMagic)
        let t = VectorMath.fma(yc, V(repeating: 32 * VectorMath.log2e), magic)
        let n = t - magic
        let r = VectorMath.fma(n, V(repeating: -parts.1), VectorMath.fma(n, V(repeating: -parts.0), yc))
        let j = VectorMath.bits(t)  // the low 5 bits: n mod 32
        let w = VectorMath.fma(r * r, VectorMath.fma(r, V(repeating: 1.0 / 6), V(repeating: 0.5)), r)
        let sc = vg_scale_pow2(negS, n * (1.0 / 32))
        if !splitTable {
            let hi = vg_permute2_f32x16(hiTable.0, hiTable.1, j)
            let c = (sc * hi) * (w + vg_permute2_f32x16(rhoSigma.0, rhoSigma.1, j))
            return (VectorMath.fma(sc, hi, g) + c, c)
        }
        // 2^(j/32) = t1 (1 + rho1) t2 (1 + rho2) = (hi + e)(1 + rho1 + rho2) to 2^-48, hi = t1 t2
        // rounded and e its exact error: e^y s = -sc (hi + hi delta + e), 1 + delta = (1 + w)(1 + rs),
        // rs = rho1 + rho2 + sigma. The product w rs is kept (one FMA): with two table roundings
        // in rs it reaches ~2^-23 of c where |R| is near 8 |c| (dropped: 1.72 ulp against 1.59
        // kept, a C model of 16M lanes against long double; the 32-entry form, 1.55).
        let a = j &>> 2
        let t1 = vg_lookup8_f32x16(hiTable.0, a), t2 = vg_lookup4_f32x16(hiTable.1, j)
        let hi = t1 * t2
        let e = VectorMath.fma(t1, t2, -hi)
        let rs = vg_lookup8_f32x16(rhoSigma.0, a) + vg_lookup4_f32x16(rhoSigma.1, j)
        let delta = VectorMath.fma(w, rs, w + rs)
        let c = sc * VectorMath.fma(hi, delta, e)
        return (VectorMath.fma(sc, hi, g) + c, c)
    }
}
