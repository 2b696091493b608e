import Foundation

// Softmax / log-softmax over the middle dim of [outer, size, inner], PyTorch semantics: the row
// max is subtracted first (stable for huge values), a row of all -inf gives NaN.

/// Softmax and log-softmax kernels over the middle dim of `[outer, size, inner]`, forward and
/// backward, float32 and float64 (`torch.softmax`, `torch.log_softmax`).
public enum Softmax {
    /// `.auto` runs on several threads from this many elements up. exp makes softmax ~5x heavier
    /// per element than an add, so the split pays earlier. Measured (release, -march=native,
    /// 2 vCPU, pool backend, min of 75 runs): [16, 1024] floats 5.3 us on one thread vs 5.2 us on
    /// two; [32, 1024]: 10.4 vs 7.7 us; [64, 1024]: 20.8 vs 12.9 us.
    static let parallelThreshold = 1 << 15
    static let grain = 1 << 12

    /// The variants the softmax kernels implement (`.scalar` is the float64 reference).
    public static let variants: [KernelVariant] = [.auto, .scalar, .simd, .parallel]

    /// Softmax (or log-softmax) over the middle dim of [outer, size, inner] (`torch.softmax`,
    /// `torch.log_softmax`): stable (the max is subtracted first), a row of all -inf, or one holding
    /// NaN or +inf, gives NaN (PyTorch). float32 rows sum their exps in float64 lanes; measured
    /// within 2 ulp of a float64 reference (Tests/VecKernelsTests/SoftmaxAccuracyTests). Other
    /// element types than Float and Double run the float64 reference loop. Never throws.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: KernelFloat>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                               outer: Int, size: Int, inner: Int, log: Bool,
                                               variant: KernelVariant = .auto, threads: Int? = nil) {
        let count = outer * size * inner
        guard count > 0 else { return }
        let mode = KernelSplit.mode(variant, work: count, threshold: parallelThreshold, grain: grain,
                                    minGrain: 1, threads: threads)
        if mode == .scalar || !(T.self == Float.self || T.self == Double.self) {
            return reference(x, y, outer: outer, size: size, inner: inner, log: log)
        }
        if T.self == Float.self {
            let (xf, yf) = (VectorIO.rebound(x, to: Float.self), VectorIO.rebound(y, to: Float.self))
            forEachUnit(SIMD16<Float>.self, outer: outer, size: size, inner: inner, mode) { offset, chunk in
                if let chunk {
                    SoftmaxForward32.chunk(xf + offset, yf + offset, chunk, log: log)
                } else if log {
                    SoftmaxForward32.logSoftmaxRow(xf + offset, yf + offset, size)
                } else {
                    SoftmaxForward32.softmaxRow(xf + offset, yf + offset, size)
                }
            }
        } else {
            forwardSIMD(VectorIO.rebound(x, to: Double.self), VectorIO.rebound(y, to: Double.self),
                        SIMD8<Double>.self, outer: outer, size: size, inner: inner, log: log, mode)
        }
    }

    /// gx from the forward output y and gy over the middle dim of [outer, size, inner]
    /// (`torch._softmax_backward_data`, `torch._log_softmax_backward_data`): softmax
    /// y * (gy - sum(gy * y)), log-softmax gy - exp(y) * sum(gy). Both cancel where gy is close to
    /// the subtracted term; float32 sums in float64 lanes and forms the log-softmax difference from
    /// a float32 table-driven exp with its rounding errors carried (float64 where gy cancels to
    /// within 8x of those), so results stay within 2 ulp of a float64 reference from the same y
    /// and gy while the cancellation keeps 2^-13 of exp(y) * sum(gy), and within 2^-39 of that
    /// product beyond (the float32 sums lost 120 and 432271 ulp). float64: Dot2-compensated sums
    /// on rows up to 64 long.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: KernelFloat>(y: UnsafePointer<T>, gy: UnsafePointer<T>,
                                                gx: UnsafeMutablePointer<T>, outer: Int, size: Int,
                                                inner: Int, log: Bool,
                                                variant: KernelVariant = .auto, threads: Int? = nil) {
        let count = outer * size * inner
        guard count > 0 else { return }
        let mode = KernelSplit.mode(variant, work: count, threshold: parallelThreshold, grain: grain,
                                    minGrain: 1, threads: threads)
        if mode == .scalar || !(T.self == Float.self || T.self == Double.self) {
            return referenceBackward(y, gy, gx, outer: outer, size: size, inner: inner, log: log)
        }
        if T.self == Float.self {
            let (yf, gyf) = (VectorIO.rebound(y, to: Float.self), VectorIO.rebound(gy, to: Float.self))
            let gxf = VectorIO.rebound(gx, to: Float.self)
            if inner == 1 {
                // Rows of whole vectors keep every full vector 64-byte aligned: then large outputs
                // are streamed (StreamingStore.swift). Rows beyond the caches take two passes,
                // aligned or not (SoftmaxBackward32.softmaxRows).
                let streaming = size % 16 == 0 && Elementwise.streams(count, mode, gxf)
                let twoPass = Elementwise.exceedsCaches(count, MemoryLayout<Float>.stride, mode)
                return KernelSplit.run(SumKernels.unitMode(mode, unitSize: size), total: outer) { rows in
                    let at = rows.lowerBound * size
                    let (y, gy, gx, n) = (yf + at, gyf + at, gxf + at, rows.count)
                    if log {
                        streaming ? SoftmaxBackward32.logSoftmaxRows(y, gy, gx, n, size, twoPass: twoPass, StreamingStore.self)
                                  : SoftmaxBackward32.logSoftmaxRows(y, gy, gx, n, size, twoPass: twoPass, CachedStore.self)
                    } else {
                        streaming ? SoftmaxBackward32.softmaxRows(y, gy, gx, n, size, twoPass: twoPass, StreamingStore.self)
                                  : SoftmaxBackward32.softmaxRows(y, gy, gx, n, size, twoPass: twoPass, CachedStore.self)
                    }
                }
            }
            // inner > 1 from here: every unit is a chunk.
            forEachUnit(SIMD16<Float>.self, outer: outer, size: size, inner: inner, mode) { offset, chunk in
                if let chunk { SoftmaxBackward32.chunk(yf + offset, gyf + offset, gxf + offset, chunk, log: log) }
            }
        } else {
            backwardSIMD(VectorIO.rebound(y, to: Double.self), VectorIO.rebound(gy, to: Double.self),
                         VectorIO.rebound(gx, to: Double.self), SIMD8<Double>.self,
                         outer: outer, size: size, inner: inner, log: log, mode)
        }
    }

    // MARK: splitting

    /// Calls unit(offset, chunk) for each independent unit: a contiguous row when inner == 1
    /// (chunk nil), else a chunk of neighbouring j of one outer index.
    @inline(__always)
    private static func forEachUnit<V: KernelVector>(_: V.Type, outer: Int, size: Int, inner: Int,
                                                     _ mode: KernelSplit.Mode,
                                                     _ unit: (Int, SoftmaxKernels.Chunk<V>?) -> Void) {
        let cw = SoftmaxKernels.columnChunk
        let chunks = inner == 1 ? 1 : (inner + cw - 1) / cw
        KernelSplit.run(SumKernels.unitMode(mode, unitSize: size * Swift.min(inner, cw)), total: outer * chunks) { range in
            for u in range {
                let (o, c) = u.quotientAndRemainder(dividingBy: chunks)
                let j0 = c * cw
                unit(o * size * inner + j0,
                     inner == 1 ? nil : SoftmaxKernels.Chunk<V>(size: size, step: inner, width: Swift.min(cw, inner - j0)))
            }
        }
    }

    private static func forwardSIMD<V: KernelVector>(_ x: UnsafePointer<V.Scalar>, _ y: UnsafeMutablePointer<V.Scalar>,
                                                     _ v: V.Type, outer: Int, size: Int, inner: Int, log: Bool,
                                                     _ mode: KernelSplit.Mode) {
        forEachUnit(v, outer: outer, size: size, inner: inner, mode) { offset, chunk in
            if let chunk {
                SoftmaxKernels.forwardChunk(x + offset, y + offset, chunk, log: log)
            } else if log {
                SoftmaxKernels.logSoftmaxRow(v, x + offset, y + offset, size)
            } else {
                SoftmaxKernels.softmaxRow(v, x + offset, y + offset, size)
            }
        }
    }

    private static func backwardSIMD<V: KernelVector>(_ y: UnsafePointer<V.Scalar>, _ gy: UnsafePointer<V.Scalar>,
                                                      _ gx: UnsafeMutablePointer<V.Scalar>, _ v: V.Type,
                                                      outer: Int, size: Int, inner: Int, log: Bool,
                                                      _ mode: KernelSplit.Mode) {
        forEachUnit(v, outer: outer, size: size, inner: inner, mode) { offset, chunk in
            if let chunk {
                SoftmaxKernels.backwardChunk(y + offset, gy + offset, gx + offset, chunk, log: log)
            } else {
                SoftmaxKernels.backwardRow(v, y + offset, gy + offset, gx + offset, size, log: log)
            }
        }
    }

    // MARK: reference (variant .scalar): float64 and libm, one (o, j) line at a time

    private static func reference<T: KernelFloat>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                                  outer: Int, size: Int, inner: Int, log: Bool) {
        for o in 0..<outer {
            for j in 0..<inner {
                let at = { (k: Int) in (o * size + k) * inner + j }
                var m = -Double.infinity
                for k in 0..<size where Double(x[at(k)]) > m { m = Double(x[at(k)]) }
                var s = 0.0
                for k in 0..<size { s += Foundation.exp(Double(x[at(k)]) - m) }
                for k in 0..<size {
                    let d = Double(x[at(k)]) - m
                    y[at(k)] = T(log ? d - Foundation.log(s) : Foundation.exp(d) / s)
                }
            }
        }
    }

    private static func referenceBackward<T: KernelFloat>(_ y: UnsafePointer<T>, _ gy: UnsafePointer<T>,
                                                          _ gx: UnsafeMutablePointer<T>,
                                                          outer: Int, size: Int, inner: Int, log: Bool) {
        for o in 0..<outer {
            for j in 0..<inner {
                let at = { (k: Int) in (o * size + k) * inner + j }
                var s = 0.0
                for k in 0..<size { s += Double(gy[at(k)]) * (log ? 1 : Double(y[at(k)])) }
                for k in 0..<size {
                    let (yk, gk) = (Double(y[at(k)]), Double(gy[at(k)]))
                    gx[at(k)] = T(log ? gk - Foundation.exp(yk) * s : yk * (gk - s))
                }
            }
        }
    }
}
