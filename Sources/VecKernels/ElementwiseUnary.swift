import CVecShim
import VecPlatform

/// Elementwise unary kernels over raw buffers, forward and backward, in named variants:
/// `scalar` (the op's reference, rounded once per element: slow, exact), `simd` (the op's
/// SIMD16<Float> or SIMD8<Double> body on one thread), `parallel` (the SIMD loop in chunks over
/// Threading.parallelFor) and `auto` (simd or parallel by size). Both dtypes run the same
/// drivers; each op's record (UnaryDefinition) holds its two bodies.
public enum Elementwise {
    /// y[i] = op(x[i]). x and y may be the same buffer.
    public static func forward<T: KernelFloat>(_ op: UnaryOp, _ x: UnsafePointer<T>,
                                               _ y: UnsafeMutablePointer<T>, count: Int,
                                               variant: KernelVariant = .auto, threads: Int? = nil) {
        precondition(count >= 0, "negative element count \(count)")
        let mode = self.mode(op, count: count, variant: variant, threads: threads)
        if mode == .scalar {
            for i in 0..<count { y[i] = T(op.apply(Double(x[i]))) }
        } else if T.self == Float.self {
            op.visit(Forward(x: VectorIO.rebound(x, to: Float.self), y: VectorIO.rebound(y, to: Float.self),
                             count: count, mode: mode, body: F32.self))
        } else {
            op.visit(Forward(x: VectorIO.rebound(x, to: Double.self), y: VectorIO.rebound(y, to: Double.self),
                             count: count, mode: mode, body: F64.self))
        }
    }

    /// gx[i] = gy[i] * op'(x[i]); y is the forward output (read only by ops whose record says
    /// `saved == .inputAndOutput`: exp and sqrt). gx may alias gy.
    public static func backward<T: KernelFloat>(_ op: UnaryOp, x: UnsafePointer<T>, y: UnsafePointer<T>,
                                                gy: UnsafePointer<T>, gx: UnsafeMutablePointer<T>, count: Int,
                                                variant: KernelVariant = .auto, threads: Int? = nil) {
        precondition(count >= 0, "negative element count \(count)")
        let mode = self.mode(op, count: count, variant: variant, threads: threads)
        if mode == .scalar {
            for i in 0..<count { gx[i] = T(op.gradient(x: Double(x[i]), gy: Double(gy[i]))) }
        } else if T.self == Float.self {
            op.visit(Backward(x: VectorIO.rebound(x, to: Float.self), y: VectorIO.rebound(y, to: Float.self),
                              gy: VectorIO.rebound(gy, to: Float.self), gx: VectorIO.rebound(gx, to: Float.self),
                              count: count, mode: mode, body: F32.self))
        } else {
            op.visit(Backward(x: VectorIO.rebound(x, to: Double.self), y: VectorIO.rebound(y, to: Double.self),
                              gy: VectorIO.rebound(gy, to: Double.self), gx: VectorIO.rebound(gx, to: Double.self),
                              count: count, mode: mode, body: F64.self))
        }
    }

    /// The variants these kernels implement (`auto` picks among them).
    public static func variants(for op: UnaryOp) -> [KernelVariant] { [.scalar, .simd, .parallel] }

    /// Element count from which `auto` splits over threads (in chunks of half of it).
    /// Measured with 2 threads on 2 vCPUs (pool backend, float32, one thread vs two):
    ///   relu     2^16: 0.52x  2^18: 1.41x  2^20: 1.77x  (memory-bound; 2.9 us at 2^16)
    ///   sigmoid  2^12: 0.54x  2^14: 1.21x  2^16: 1.66x  2^20: 1.95x
    ///   softplus 2^12: 0.86x  2^14: 1.48x  2^16: 1.83x  2^20: 1.95x
    /// Cheap ops (and every backward from a saved complement) split from 2^16: on the Zen 4
    /// (2026-12-01, quiet, 6 interleaved rounds, 2 threads against the 2^17 threshold's one) relu
    /// forward 2^16 5.5 -> 4.2 us, relu backward 8.9 -> 5.8, sigmoid and tanh backward from c
    /// 10.8 -> 6.8 and 11.8 -> 8.2; PyTorch splits from 32768 elements.
    public static func parallelThreshold(for op: UnaryOp) -> Int { op.isCheap ? 1 << 16 : 1 << 14 }

    static let vectorWidth = 16

    static func mode(_ op: UnaryOp, count: Int, variant: KernelVariant, threads: Int?) -> KernelSplit.Mode {
        let threshold = parallelThreshold(for: op)
        return KernelSplit.mode(variant, work: count, threshold: threshold, grain: threshold / 2,
                                minGrain: 4 * vectorWidth, threads: threads)
    }
}

// MARK: drivers, one specialised loop per op and dtype

/// The vector body of one dtype: picks the record's SIMD16<Float> or SIMD8<Double> kernel.
protocol UnaryBody {
    associatedtype Scalar: KernelFloat
    associatedtype V: SIMD where V.Scalar == Scalar
    static func forward<Op: UnaryDefinition>(_ op: Op, _ x: V) -> V
    static func backward<Op: UnaryDefinition>(_ op: Op, x: V, y: V, gy: V) -> V
    static func forwardWithComplement<Op: UnaryDefinition>(_ op: Op, _ x: V) -> (y: V, c: V)
    static func backward<Op: UnaryDefinition>(_ op: Op, c: V, gy: V) -> V
    /// Whether `forwardPair` is worth a loop of its own (the op's `pairsForward64`, float64 only).
    static func pairsForward<Op: UnaryDefinition>(_ op: Op) -> Bool
    /// y = forward(x) on the two vectors at i and i + V.scalarCount. Float64 loads and stores
    /// them as one SIMD16: from or to two SIMD8 halves, LLVM splits the 16-lane body into two
    /// chains compiled one after the other (a standalone Swift loop of tanh: 976 us per 2^20
    /// against 949 interleaved, Zen 4).
    static func forwardPair<Op: UnaryDefinition, St: VectorStore>(_ op: Op, _ x: UnsafePointer<Scalar>,
                                                                  _ y: UnsafeMutablePointer<Scalar>, _ i: Int, _: St.Type)
    /// Whether `backward(_:x0:gy0:x1:gy1:)` is worth a loop of its own (the op's
    /// `pairsBackward64`, float64 only).
    static func pairsBackward<Op: UnaryDefinition>(_ op: Op) -> Bool
    static func backward<Op: UnaryDefinition>(_ op: Op, x0: V, gy0: V, x1: V, gy1: V) -> (V, V)
}

enum F32: UnaryBody {
    @inline(__always) static func forward<Op: UnaryDefinition>(_ op: Op, _ x: SIMD16<Float>) -> SIMD16<Float> { op.forward(x) }
    @inline(__always) static func backward<Op: UnaryDefinition>(_ op: Op, x: SIMD16<Float>, y: SIMD16<Float>,
                                                                gy: SIMD16<Float>) -> SIMD16<Float> {
        op.backward(x: x, y: y, gy: gy)
    }
    @inline(__always) static func forwardWithComplement<Op: UnaryDefinition>(_ op: Op, _ x: SIMD16<Float>) -> (y: SIMD16<Float>, c: SIMD16<Float>) {
        op.forwardWithComplement(x)
    }
    @inline(__always) static func backward<Op: UnaryDefinition>(_ op: Op, c: SIMD16<Float>, gy: SIMD16<Float>) -> SIMD16<Float> {
        op.backward(c: c, gy: gy)
    }
    @inline(__always) static func pairsForward<Op: UnaryDefinition>(_ op: Op) -> Bool { false }
    @inline(__always) static func forwardPair<Op: UnaryDefinition, St: VectorStore>(_ op: Op, _ x: UnsafePointer<Float>,
                                                                                   _ y: UnsafeMutablePointer<Float>, _ i: Int, _: St.Type) {
        St.store(op.forward(VectorIO.load(x, i) as SIMD16<Float>), y, i)
        St.store(op.forward(VectorIO.load(x, i + 16) as SIMD16<Float>), y, i + 16)
    }
    @inline(__always) static func pairsBackward<Op: UnaryDefinition>(_ op: Op) -> Bool { false }
    @inline(__always) static func backward<Op: UnaryDefinition>(_ op: Op, x0: SIMD16<Float>, gy0: SIMD16<Float>,
                                                                x1: SIMD16<Float>, gy1: SIMD16<Float>) -> (SIMD16<Float>, SIMD16<Float>) {
        (op.backward(x: x0, y: SIMD16<Float>(), gy: gy0), op.backward(x: x1, y: SIMD16<Float>(), gy: gy1))
    }
}

enum F64: UnaryBody {
    @inline(__always) static func forward<Op: UnaryDefinition>(_ op: Op, _ x: SIMD8<Double>) -> SIMD8<Double> { op.forward(x) }
    @inline(__always) static func backward<Op: UnaryDefinition>(_ op: Op, x: SIMD8<Double>, y: SIMD8<Double>,
                                                                gy: SIMD8<Double>) -> SIMD8<Double> {
        op.backward(x: x, y: y, gy: gy)
    }
    @inline(__always) static func forwardWithComplement<Op: UnaryDefinition>(_ op: Op, _ x: SIMD8<Double>) -> (y: SIMD8<Double>, c: SIMD8<Double>) {
        op.forwardWithComplement(x)
    }
    @inline(__always) static func backward<Op: UnaryDefinition>(_ op: Op, c: SIMD8<Double>, gy: SIMD8<Double>) -> SIMD8<Double> {
        op.backward(c: c, gy: gy)
    }
    @inline(__always) static func pairsForward<Op: UnaryDefinition>(_ op: Op) -> Bool { op.pairsForward64 }
    @inline(__always) static func forwardPair<Op: UnaryDefinition, St: VectorStore>(_ op: Op, _ x: UnsafePointer<Double>,
                                                                                   _ y: UnsafeMutablePointer<Double>, _ i: Int, _: St.Type) {
        St.store(op.forward(pair: VectorIO.load(x, i) as SIMD16<Double>), y, i)
    }
    @inline(__always) static func pairsBackward<Op: UnaryDefinition>(_ op: Op) -> Bool { op.pairsBackward64 }
    @inline(__always) static func backward<Op: UnaryDefinition>(_ op: Op, x0: SIMD8<Double>, gy0: SIMD8<Double>,
                                                                x1: SIMD8<Double>, gy1: SIMD8<Double>) -> (SIMD8<Double>, SIMD8<Double>) {
        op.backward(x0: x0, gy0: gy0, x1: x1, gy1: gy1)
    }
}

// The loop over full vectors is a function of its own (specialised per op, never inlined) and
// the tail runs through it too, from a zero-padded stack copy: a second inlined copy of a large
// body (softplus), or a loop whose vector comes from either a full or a partial load, made the
// optimiser split SIMD16 into xmm quarters and run 3-8x slower.

/// Up to three input and two output streams of one chunk (drivers with fewer repeat one).
struct UnaryStreams<S> {
    var in0, in1, in2: UnsafePointer<S>
    var out0, out1: UnsafeMutablePointer<S>

    func advanced(by k: Int) -> Self {
        Self(in0: in0 + k, in1: in1 + k, in2: in2 + k, out0: out0 + k, out1: out1 + k)
    }

    /// The same streams seen as another element type of the same size (Float or Double).
    func rebound<U>(to: U.Type) -> UnaryStreams<U> {
        UnaryStreams<U>(in0: VectorIO.rebound(in0, to: U.self), in1: VectorIO.rebound(in1, to: U.self),
                        in2: VectorIO.rebound(in2, to: U.self), out0: VectorIO.rebound(out0, to: U.self),
                        out1: VectorIO.rebound(out1, to: U.self))
    }
}

extension Elementwise {
    /// Splits `total` elements as `mode` says and calls `vectors` on each chunk's full vectors,
    /// then on its tail copied into zero-padded stack vectors (the first `inputs` input streams
    /// are copied, the first `outputs` output streams copied back).
    static func chunked<S: KernelFloat>(_ mode: KernelSplit.Mode, total: Int, width w: Int, inputs: Int, outputs: Int,
                                        _ s: UnaryStreams<S>, _ vectors: (UnaryStreams<S>, Int) -> Void) {
        KernelSplit.run(mode, total: total, align: vectorWidth) { r in
            let full = r.count - r.count % w
            vectors(s.advanced(by: r.lowerBound), full)
            let n = r.count - full
            if n == 0 { return }
            let tail = s.advanced(by: r.lowerBound + full)
            // 64-byte aligned: the loop may write it with streaming stores (StreamingStore).
            withUnsafeTemporaryAllocation(byteCount: 5 * w * MemoryLayout<S>.stride, alignment: 64) { t in
                let b = t.baseAddress!.bindMemory(to: S.self, capacity: 5 * w)
                b.initialize(repeating: 0, count: 5 * w)
                b.update(from: tail.in0, count: n)
                if inputs > 1 { (b + w).update(from: tail.in1, count: n) }
                if inputs > 2 { (b + 2 * w).update(from: tail.in2, count: n) }
                vectors(UnaryStreams(in0: b, in1: b + w, in2: b + 2 * w, out0: b + 3 * w, out1: b + 4 * w), w)
                tail.out0.update(from: b + 3 * w, count: n)
                if outputs > 1 { tail.out1.update(from: b + 4 * w, count: n) }
            }
        }
    }
}

private struct Forward<B: UnaryBody>: UnaryVisitor {
    let x: UnsafePointer<B.Scalar>
    let y: UnsafeMutablePointer<B.Scalar>
    let count: Int
    let mode: KernelSplit.Mode
    let body: B.Type

    func visit<Op: UnaryDefinition>(_ op: Op) {
        let s = UnaryStreams(in0: x, in1: x, in2: x, out0: y, out1: y)
        let streaming = Elementwise.streams(count, mode, y)
        Elementwise.chunked(mode, total: count, width: B.V.scalarCount, inputs: 1, outputs: 1, s) {
            streaming ? Self.vectors(op, $0.in0, $0.out0, $1, StreamingStore.self) : Self.vectors(op, $0.in0, $0.out0, $1, CachedStore.self)
        }
    }

    /// count is a multiple of the vector width.
    @inline(never)
    static func vectors<Op: UnaryDefinition, St: VectorStore>(_ op: Op, _ x: UnsafePointer<B.Scalar>,
                                                              _ y: UnsafeMutablePointer<B.Scalar>, _ count: Int, _: St.Type) {
        defer { St.fence() }
        // x is streamed from L3 or memory at large counts, where the hardware prefetcher stops at
        // every 4 KiB page (see prefetchBytes); a prefetch per 64-byte vector is one more
        // instruction in loops of 10-60. Measured 3-10% faster on one thread at 2^20 (exp and log
        // float64, sigmoid float32; interleaved rounds). Not in these backward loops: prefetching
        // their two or three streams measured 2-5% slower on the Xeon (sigmoid, from c; on AMD CPUs
        // the complement backward does prefetch, see ComplementDriver.backwardVectors), and a
        // stream the loop does not read (exp's x) 30%. Nor for the ops of one or two operations per element
        // (relu, hardtanh, leaky_relu, abs, neg), whose loop is all loads and stores: without the
        // hint they ran 10-12% faster on Zen 4 (8 interleaved rounds, 2^20 float32, 1 thread).
        // Those gains were measured on a Xeon. On the Zen 4 the hint costs time where x streams
        // from memory (vecbench ab, 1 thread, without against with: exp float32 2^24 -30% and
        // -15% in two runs, sigmoid float32 2^24 -19%) and is a wash from L3 (2^20: gelu +3% and
        // +10%, sigmoid float32 -12% and +13%, exp float64 -7% and -3%), so AMD CPUs skip it.
        var i = 0
        let ahead = prefetchBytes / MemoryLayout<B.Scalar>.stride
        if B.pairsForward(op) {
            // Pairs from the chunk's start, 16 elements at a time; the tail runs one vector.
            let w = B.V.scalarCount, hint = op.flops > 2 && prefetchesForward
            while i + 2 * w <= count {
                if hint { prefetch(x, i &+ ahead); prefetch(x, i &+ ahead &+ w) }
                B.forwardPair(op, x, y, i, St.self)
                i += 2 * w
            }
        }
        if op.flops <= 2 || !prefetchesForward {
            while i < count {
                St.store(B.forward(op, VectorIO.load(x, i) as B.V), y, i)
                i += B.V.scalarCount
            }
            return
        }
        while i < count {
            prefetch(x, i &+ ahead)
            St.store(B.forward(op, VectorIO.load(x, i) as B.V), y, i)
            i += B.V.scalarCount
        }
    }
}

/// Whether the elementwise forward loops prefetch x (Intel: yes; AMD: no). See `Forward.vectors`.
private let prefetchesForward = vg_cpu_is_amd() == 0

private struct Backward<B: UnaryBody>: UnaryVisitor {
    let x: UnsafePointer<B.Scalar>
    let y: UnsafePointer<B.Scalar>
    let gy: UnsafePointer<B.Scalar>
    let gx: UnsafeMutablePointer<B.Scalar>
    let count: Int
    let mode: KernelSplit.Mode
    let body: B.Type

    func visit<Op: UnaryDefinition>(_ op: Op) {
        // x, gy and (for the ops that read it) y; gx may alias gy.
        let s = UnaryStreams(in0: x, in1: gy, in2: y, out0: gx, out1: gx)
        let streaming = Elementwise.streams(count, mode, gx)
        Elementwise.chunked(mode, total: count, width: B.V.scalarCount, inputs: op.saved == .inputAndOutput ? 3 : 2,
                            outputs: 1, s) {
            streaming ? Self.vectors(op, $0.in0, $0.in2, $0.in1, $0.out0, $1, StreamingStore.self)
                      : Self.vectors(op, $0.in0, $0.in2, $0.in1, $0.out0, $1, CachedStore.self)
        }
    }

    /// count is a multiple of the vector width.
    @inline(never)
    static func vectors<Op: UnaryDefinition, St: VectorStore>(_ op: Op, _ x: UnsafePointer<B.Scalar>, _ y: UnsafePointer<B.Scalar>,
                                                              _ gy: UnsafePointer<B.Scalar>, _ gx: UnsafeMutablePointer<B.Scalar>,
                                                              _ count: Int, _: St.Type) {
        defer { St.fence() }
        let readsY = op.saved == .inputAndOutput
        var i = 0
        if B.pairsBackward(op) && !readsY {
            // Pairs from the chunk's start: chunks begin at multiples of 16 elements, so which
            // vector of a pair an element falls in does not depend on the thread count.
            let w = B.V.scalarCount
            while i + 2 * w <= count {
                let (g0, g1) = B.backward(op, x0: VectorIO.load(x, i), gy0: VectorIO.load(gy, i),
                                          x1: VectorIO.load(x, i + w), gy1: VectorIO.load(gy, i + w))
                St.store(g0, gx, i)
                St.store(g1, gx, i + w)
                i += 2 * w
            }
        }
        while i < count {
            let yv: B.V = readsY ? VectorIO.load(y, i) : B.V()
            St.store(B.backward(op, x: VectorIO.load(x, i), y: yv, gy: VectorIO.load(gy, i)), gx, i)
            i += B.V.scalarCount
        }
    }
}
