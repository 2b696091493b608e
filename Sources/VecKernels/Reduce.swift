// Reductions: sum (all elements, or the middle dim of [outer, size, inner]) and max (with the
// first index, or all elements with a tie count). The kernels are in ReduceSum and ReduceMax.

/// Reduction kernels on raw buffers: sums (of everything, or over the middle dim of
/// `[outer, size, inner]`) and max with the first index or with a tie count, float32 and float64.
public enum Reduce {
    /// `.auto` sums on several threads from this many elements up. Measured (release,
    /// -march=native, 2 vCPU, pool backend, min of 75 runs): sum of 2^16 floats 2.7 us on one
    /// thread vs 3.0 us on two; 2^17: 5.4 vs 4.6 us; 2^18: 11.7 vs 7.2 us.
    static let sumThreshold = 1 << 17
    /// max reads as fast as sum per element (both bound by loads), so the same threshold.
    static let maxThreshold = 1 << 17
    static let grain = 1 << 14

    /// The variants the reductions implement (`.scalar` is the reference).
    public static let variants: [KernelVariant] = [.auto, .scalar, .simd, .parallel]

    private static func mode(_ variant: KernelVariant, _ work: Int, _ threshold: Int,
                             _ threads: Int?) -> KernelSplit.Mode {
        KernelSplit.mode(variant, work: work, threshold: threshold, grain: grain, minGrain: 1, threads: threads)
    }

    /// Sum of all elements, as `torch.sum`: deterministic (bitwise identical for any thread count:
    /// the chunking depends on `count` only) and accurate. float32 is added in float32 only within
    /// groups of four vectors, then in float64 lanes: within 2u sum |x| + u |sum| of the exact sum,
    /// plus float64 rounding (u = 2^-24; PyTorch's float32 cascade: more levels, each adding its own u); 2^24+3 copies
    /// of 0.1f give 1677721.875, the float nearest the exact 1677721.925 (PyTorch: 1677721.0).
    /// float64 is compensated (an error term per lane, block sums added as float64 pairs): off by
    /// at most u |sum| + 2u sum |x| + O(n u^2) sum |x| (u = 2^-53), correctly rounded in practice
    /// for same-signed data (2^24+3 copies of 0.1 give the double nearest the exact sum).
    /// `.scalar` is the reference: one TwoSum-compensated float64 sum in element order.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func sum<T: KernelFloat>(_ x: UnsafePointer<T>, count: Int,
                                           variant: KernelVariant = .auto, threads: Int? = nil) -> T {
        var result = T(0)
        sum(x, outer: 1, size: count, inner: 1, &result, variant: variant, threads: threads)
        return result
    }

    /// The sum of `x` to check the kernels against (vecbench, tests), not for speed: in
    /// ReferenceFloat (Float80 on x86-64) with the rounding error of each addition kept (TwoSum),
    /// rounded once to float64. Within about 2^-64 |sum| + n 2^-128 sum |x| of the exact sum, where
    /// a plain float64 loop over 2^24 values in [0, 1] is ~460 ULP off.
    public static func referenceSum<C: Sequence>(_ x: C) -> Double where C.Element == Double {
        var hi: ReferenceFloat = 0, lo: ReferenceFloat = 0
        for v in x {
            let y = ReferenceFloat(v), s = hi + y, yPart = s - hi
            lo += (hi - (s - yPart)) + (y - yPart)
            hi = s
        }
        return Double(hi.isFinite ? hi + lo : hi)
    }

    /// x viewed as [outer, size, inner] -> out [outer, inner], summing the middle dim, as
    /// `torch.sum(x, dim)` (same determinism; rows (inner 1) as accurate as the full sum, columns
    /// accumulated in plain float64 per column).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func sum<T: KernelFloat>(_ x: UnsafePointer<T>, outer: Int, size: Int, inner: Int,
                                           _ out: UnsafeMutablePointer<T>,
                                           variant: KernelVariant = .auto, threads: Int? = nil) {
        guard outer * inner > 0 else { return }
        if size == 0 { return out.update(repeating: 0, count: outer * inner) }
        let m = mode(variant, outer * size * inner, sumThreshold, threads)
        if m == .scalar || !(T.self == Float.self || T.self == Double.self) {
            for o in 0..<outer {
                for j in 0..<inner {
                    var s = CompensatedSum()
                    for k in 0..<size { s.add(Double(x[(o * size + k) * inner + j])) }
                    out[o * inner + j] = T(s.value)
                }
            }
        } else if T.self == Float.self {
            let (xf, of) = (VectorIO.rebound(x, to: Float.self), VectorIO.rebound(out, to: Float.self))
            if inner == 1 {
                SumKernels.rows(xf, outer: outer, size: size, of, m)
            } else {
                SumKernels.columns(xf, outer: outer, size: size, inner: inner, of, m)
            }
        } else {
            let (xd, od) = (VectorIO.rebound(x, to: Double.self), VectorIO.rebound(out, to: Double.self))
            if inner == 1 {
                SumKernels.rows(xd, outer: outer, size: size, od, m)
            } else {
                SumKernels.columns(xd, outer: outer, size: size, inner: inner, od, m)
            }
        }
    }

    /// max over the middle dim with the index of the FIRST max; NaN propagates (value NaN, index of
    /// the first NaN), as PyTorch. `size` must be > 0 (PyTorch rejects a max over an empty dim; the
    /// Tensor layer throws before calling).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func max<T: KernelFloat>(_ x: UnsafePointer<T>, outer: Int, size: Int, inner: Int,
                                           values: UnsafeMutablePointer<T>, indices: UnsafeMutablePointer<Int64>,
                                           variant: KernelVariant = .auto, threads: Int? = nil) {
        precondition(size > 0 || outer * inner == 0, "max over an empty dimension")
        guard outer * inner > 0 else { return }
        let m = mode(variant, outer * size * inner, maxThreshold, threads)
        if m == .scalar || !(T.self == Float.self || T.self == Double.self) {
            for o in 0..<outer {
                for j in 0..<inner {
                    var best = x[o * size * inner + j], at = 0
                    for k in 1..<Swift.max(size, 1) {
                        let v = x[(o * size + k) * inner + j]
                        if v > best || (v.isNaN && !best.isNaN) { (best, at) = (v, k) }
                    }
                    values[o * inner + j] = best
                    indices[o * inner + j] = Int64(at)
                }
            }
        } else if T.self == Float.self {
            let (xf, vf) = (VectorIO.rebound(x, to: Float.self), VectorIO.rebound(values, to: Float.self))
            if inner == 1 {
                MaxKernels.rows(SIMD16<Float>.self, xf, outer: outer, size: size, values: vf, indices: indices, m)
            } else {
                MaxKernels.columns(SIMD16<Float>.self, xf, outer: outer, size: size, inner: inner,
                                   values: vf, indices: indices, m)
            }
        } else {
            let (xd, vd) = (VectorIO.rebound(x, to: Double.self), VectorIO.rebound(values, to: Double.self))
            if inner == 1 {
                MaxKernels.rows(SIMD8<Double>.self, xd, outer: outer, size: size, values: vd, indices: indices, m)
            } else {
                MaxKernels.columns(SIMD8<Double>.self, xd, outer: outer, size: size, inner: inner,
                                   values: vd, indices: indices, m)
            }
        }
    }

    /// max of all elements and how many elements equal it (full max() backward splits the gradient
    /// evenly among ties); NaN propagates (value NaN, ties = the number of NaNs, as PyTorch's
    /// backward masks them). An empty input gives (-inf, 0).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func maxAll<T: KernelFloat>(_ x: UnsafePointer<T>, count: Int,
                                              variant: KernelVariant = .auto,
                                              threads: Int? = nil) -> (value: T, ties: Int) {
        guard count > 0 else { return (-.infinity, 0) }
        let m = mode(variant, count, maxThreshold, threads)
        if m == .scalar || !(T.self == Float.self || T.self == Double.self) {
            var best = x[0]
            for i in 1..<count where x[i] > best || (x[i].isNaN && !best.isNaN) { best = x[i] }
            var ties = 0
            for i in 0..<count where best.isNaN ? x[i].isNaN : x[i] == best { ties += 1 }
            return (best, ties)
        } else if T.self == Float.self {
            let r = MaxKernels.all(SIMD16<Float>.self, VectorIO.rebound(x, to: Float.self), count: count, m)
            return (T(r.value), r.ties)
        } else {
            let r = MaxKernels.all(SIMD8<Double>.self, VectorIO.rebound(x, to: Double.self), count: count, m)
            return (T(r.value), r.ties)
        }
    }
}
