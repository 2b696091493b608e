import VecPlatform

/// Elementwise unary kernels over raw buffers, forward and backward, in named variants:
/// `scalar` (float64 libm loop, the reference), `simd` (SIMD16<Float> loop on one thread),
/// `parallel` (the SIMD loop in chunks over Threading.parallelFor) and `auto` (simd or parallel
/// by size). Float64 buffers always run the float64 loop (it is the accuracy dtype); `simd` and
/// `parallel` only change their threading.
public enum Elementwise {
    /// y[i] = op(x[i]). x and y may be the same buffer.
    public static func forward<T: KernelFloat>(_ op: UnaryOp, _ x: UnsafePointer<T>,
                                               _ y: UnsafeMutablePointer<T>, count: Int,
                                               variant: KernelVariant = .auto, threads: Int? = nil) {
        precondition(count >= 0, "negative element count \(count)")
        let mode = self.mode(op, count: count, variant: variant, threads: threads)
        if T.self == Float.self, mode != .scalar {
            op.visitKernel(ForwardF32(x: VectorIO.rebound(x, to: Float.self),
                                      y: VectorIO.rebound(y, to: Float.self), count: count, mode: mode))
            return
        }
        KernelSplit.run(mode == .scalar ? .simd : mode, total: count, align: vectorWidth) { r in
            for i in r { y[i] = T(op.apply(Double(x[i]))) }
        }
    }

    /// gx[i] = gy[i] * op'(x[i]); y is the forward output (read only by ops whose backward uses
    /// it in a non-cancelling form: exp and sqrt). gx may alias gy.
    public static func backward<T: KernelFloat>(_ op: UnaryOp, x: UnsafePointer<T>, y: UnsafePointer<T>,
                                                gy: UnsafePointer<T>, gx: UnsafeMutablePointer<T>, count: Int,
                                                variant: KernelVariant = .auto, threads: Int? = nil) {
        precondition(count >= 0, "negative element count \(count)")
        let mode = self.mode(op, count: count, variant: variant, threads: threads)
        if T.self == Float.self, mode != .scalar {
            op.visitKernel(BackwardF32(x: VectorIO.rebound(x, to: Float.self),
                                       y: VectorIO.rebound(y, to: Float.self),
                                       gy: VectorIO.rebound(gy, to: Float.self),
                                       gx: VectorIO.rebound(gx, to: Float.self), count: count, mode: mode))
            return
        }
        KernelSplit.run(mode == .scalar ? .simd : mode, total: count, align: vectorWidth) { r in
            for i in r { gx[i] = T(op.gradient(x: Double(x[i]), gy: Double(gy[i]))) }
        }
    }

    /// The variants these kernels implement (`auto` picks among them).
    public static func variants(for op: UnaryOp) -> [KernelVariant] { [.scalar, .simd, .parallel] }

    /// Element count from which `auto` splits over threads (in chunks of half of it).
    /// Measured with 2 threads on 2 vCPUs (pool backend, float32, one thread vs two):
    ///   relu     2^16: 0.52x  2^18: 1.41x  2^20: 1.77x  (memory-bound; 2.9 us at 2^16)
    ///   sigmoid  2^12: 0.54x  2^14: 1.21x  2^16: 1.66x  2^20: 1.95x
    ///   softplus 2^12: 0.86x  2^14: 1.48x  2^16: 1.83x  2^20: 1.95x
    public static func parallelThreshold(for op: UnaryOp) -> Int { op.isCheap ? 1 << 17 : 1 << 14 }

    static let vectorWidth = 16

    static func mode(_ op: UnaryOp, count: Int, variant: KernelVariant, threads: Int?) -> KernelSplit.Mode {
        let threshold = parallelThreshold(for: op)
        return KernelSplit.mode(variant, work: count, threshold: threshold, grain: threshold / 2,
                                minGrain: 4 * vectorWidth, threads: threads)
    }
}

// MARK: float32 drivers, one specialised loop per op

private typealias V = SIMD16<Float>

// The loop over full vectors is a function of its own (specialised per op, never inlined) and
// the tail runs through it too, from a zero-padded stack copy: a second inlined copy of a large
// body (softplus), or a loop whose vector comes from either a full or a partial load, made the
// optimiser split SIMD16 into xmm quarters and run 3-8x slower.

private struct ForwardF32: UnaryKernelVisitor {
    let x: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let count: Int
    let mode: KernelSplit.Mode

    func visit<K: UnaryKernelF32>(_ k: K) {
        let x = self.x, y = self.y
        KernelSplit.run(mode, total: count, align: Elementwise.vectorWidth) { r in
            let full = r.count & ~15
            Self.vectors(k, x + r.lowerBound, y + r.lowerBound, full)
            let n = r.count - full
            if n == 0 { return }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { t in
                let b = t.baseAddress!
                b.initialize(repeating: 0, count: 16)
                b.update(from: x + r.lowerBound + full, count: n)
                Self.vectors(k, b, b, 16)
                (y + r.lowerBound + full).update(from: b, count: n)
            }
        }
    }

    /// count is a multiple of 16.
    @inline(never)
    static func vectors<K: UnaryKernelF32>(_ k: K, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                          _ count: Int) {
        var i = 0
        while i < count {
            VectorIO.store(k.forward(VectorIO.load(x, i) as V), y, i)
            i += 16
        }
    }
}

private struct BackwardF32: UnaryKernelVisitor {
    let x: UnsafePointer<Float>
    let y: UnsafePointer<Float>
    let gy: UnsafePointer<Float>
    let gx: UnsafeMutablePointer<Float>
    let count: Int
    let mode: KernelSplit.Mode

    func visit<K: UnaryKernelF32>(_ k: K) {
        let x = self.x, y = self.y, gy = self.gy, gx = self.gx
        KernelSplit.run(mode, total: count, align: Elementwise.vectorWidth) { r in
            let lo = r.lowerBound, full = r.count & ~15
            Self.vectors(k, x + lo, y + lo, gy + lo, gx + lo, full)
            let n = r.count - full
            if n == 0 { return }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 48) { t in
                let b = t.baseAddress!
                b.initialize(repeating: 0, count: 48)
                b.update(from: x + lo + full, count: n)
                if k.backwardReadsY { (b + 16).update(from: y + lo + full, count: n) }
                (b + 32).update(from: gy + lo + full, count: n)
                Self.vectors(k, b, b + 16, b + 32, b + 32, 16)
                (gx + lo + full).update(from: b + 32, count: n)
            }
        }
    }

    /// count is a multiple of 16.
    @inline(never)
    static func vectors<K: UnaryKernelF32>(_ k: K, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                                          _ gy: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>,
                                          _ count: Int) {
        let readsY = k.backwardReadsY
        var i = 0
        while i < count {
            let yv: V = readsY ? VectorIO.load(y, i) : V()
            VectorIO.store(k.backward(x: VectorIO.load(x, i), y: yv, gy: VectorIO.load(gy, i)), gx, i)
            i += 16
        }
    }
}
