import CVecShim
import VecPlatform

// The grad-mode drivers of ops whose record saves `.complement` (sigmoid, tanh, silu, log_sigmoid,
// expm1, gelu(tanh); float64 gelu, mish, sin, cos, softplus, elu/selu/celu): a forward that
// writes y and the complement c, and a backward that reads gy and c only (two streams, as
// PyTorch's backward from y or its saved buffer). Same split, threads and tail handling as Elementwise.forward; the
// loops are generic over the record, as the other drivers.

extension Elementwise {
    /// y[i] = op(x[i]) and c[i] = the op's complement (UnarySaved.complement), for autograd's
    /// forward; y is bit for bit `forward`'s. `scalar` runs as `simd` (c has no reference form).
    /// y and c must not alias each other; x may alias y. For an op that saves no complement, c is
    /// a copy of x. A count of 0 or less writes nothing.
    public static func forwardWithComplement<T: KernelFloat>(_ op: UnaryOp, _ x: UnsafePointer<T>,
                                                             y: UnsafeMutablePointer<T>, c: UnsafeMutablePointer<T>,
                                                             count: Int, variant: KernelVariant = .auto,
                                                             threads: Int? = nil) {
        complementDriver(op, UnaryStreams(in0: x, in1: x, in2: x, out0: y, out1: c), backward: false, count: count,
                         variant: variant, threads: threads)
    }

    /// gx[i] = gy[i] * op'(x[i]) from the complement c that `forwardWithComplement` wrote (x is
    /// not read; for an op that saves no complement, c is x). `scalar` runs as `simd`. gx may
    /// alias gy. A count of 0 or less writes nothing.
    public static func backward<T: KernelFloat>(_ op: UnaryOp, complement c: UnsafePointer<T>, gy: UnsafePointer<T>,
                                                gx: UnsafeMutablePointer<T>, count: Int,
                                                variant: KernelVariant = .auto, threads: Int? = nil) {
        complementDriver(op, UnaryStreams(in0: c, in1: gy, in2: gy, out0: gx, out1: gx), backward: true, count: count,
                         variant: variant, threads: threads)
    }

    static func complementDriver<T: KernelFloat>(_ op: UnaryOp, _ s: UnaryStreams<T>, backward: Bool, count: Int,
                                                 variant: KernelVariant, threads: Int?) {
        guard count > 0 else { return }
        let mode = complementMode(op, count: count, variant: variant, threads: threads, streaming: backward)
        if T.self == Float.self {
            op.visit(ComplementDriver(streams: s.rebound(to: Float.self), backward: backward, count: count, mode: mode, body: F32.self))
        } else {
            op.visit(ComplementDriver(streams: s.rebound(to: Double.self), backward: backward, count: count, mode: mode, body: F64.self))
        }
    }

    /// The backward from c is a few flops per element, memory-bound like relu, so `auto` splits
    /// it from cheap ops' threshold (`streaming`, see `parallelThreshold`); the forward keeps the
    /// op's own.
    static func complementMode(_ op: UnaryOp, count: Int, variant: KernelVariant, threads: Int?,
                               streaming: Bool) -> KernelSplit.Mode {
        let threshold = streaming ? 1 << 16 : parallelThreshold(for: op)
        let m = KernelSplit.mode(variant, work: count, threshold: threshold, grain: threshold / 2,
                                 minGrain: 4 * vectorWidth, threads: threads)
        return m == .scalar ? .simd : m
    }
}

/// Both complement drivers: the grad-mode forward (x in, y and c out) or the backward (c and gy
/// in, gx out), one specialised loop per op, dtype and direction.
private struct ComplementDriver<B: UnaryBody>: UnaryVisitor {
    let streams: UnaryStreams<B.Scalar>
    let backward: Bool
    let count: Int
    let mode: KernelSplit.Mode
    let body: B.Type

    func visit<Op: UnaryDefinition>(_ op: Op) {
        let w = B.V.scalarCount
        if backward {
            let streaming = Elementwise.streams(count, mode, streams.out0)
            // Each stream within a quarter of the L3 (the streaming threshold): c, gy and gx fit.
            let prefetching = prefetchesComplementBackward
                && count * MemoryLayout<B.Scalar>.stride < Elementwise.streamingStoreBytes
            Elementwise.chunked(mode, total: count, width: w, inputs: 2, outputs: 1, streams) {
                streaming ? Self.backwardVectors(op, $0, $1, prefetching: false, StreamingStore.self)
                          : Self.backwardVectors(op, $0, $1, prefetching: prefetching, CachedStore.self)
            }
        } else {
            let streaming = Elementwise.streams(count, mode, streams.out0, streams.out1)
            Elementwise.chunked(mode, total: count, width: w, inputs: 1, outputs: 2, streams) {
                streaming ? Self.forwardVectors(op, $0, $1, StreamingStore.self) : Self.forwardVectors(op, $0, $1, CachedStore.self)
            }
        }
    }

    /// y (out0) and c (out1) from x (in0); count is a multiple of the vector width.
    @inline(never)
    static func forwardVectors<Op: UnaryDefinition, St: VectorStore>(_ op: Op, _ s: UnaryStreams<B.Scalar>, _ count: Int, _: St.Type) {
        defer { St.fence() }
        var i = 0
        while i < count {
            let (y, c) = B.forwardWithComplement(op, VectorIO.load(s.in0, i) as B.V)
            St.store(y, s.out0, i)
            St.store(c, s.out1, i)
            i += B.V.scalarCount
        }
    }

    /// gx (out0) from c (in0) and gy (in1); count is a multiple of the vector width. With
    /// `prefetching` (the Zen 5, `prefetchesComplementBackward`; whole arrays that fit the L3 together: `visit`) c and gy are
    /// prefetched a page ahead, as the hardware prefetcher starts over at every 4 KiB page.
    /// `vecbench ab` on the Zen 5, 2^20 float32, against no hint: sigmoid and tanh backward -3 and
    /// -5% (1 thread), -10 and -12% (2 threads) in 6 rounds, the same way in two runs of 6 and 8
    /// rounds before it, silu within ±4%, float64 (2 threads) within the noise; 2^16 (in L2)
    /// unchanged. Arrays beyond the L3 are left without it (their outputs are streamed on one
    /// thread; a hint there measured +5 to +9%, NOISY), as is float64 2^20 (8 MiB per stream).
    /// On the Xeon a hint in the backward loops measured 2-5% slower (see `Forward.vectors`), on
    /// the Zen 4 5-23% (see `prefetchesComplementBackward`).
    @inline(never)
    static func backwardVectors<Op: UnaryDefinition, St: VectorStore>(_ op: Op, _ s: UnaryStreams<B.Scalar>, _ count: Int,
                                                                      prefetching: Bool, _: St.Type) {
        defer { St.fence() }
        var i = 0
        if prefetching {
            let ahead = prefetchPageBytes / MemoryLayout<B.Scalar>.stride
            while i < count {
                prefetch(s.in0, i &+ ahead)
                prefetch(s.in1, i &+ ahead)
                St.store(B.backward(op, c: VectorIO.load(s.in0, i), gy: VectorIO.load(s.in1, i)), s.out0, i)
                i += B.V.scalarCount
            }
            return
        }
        while i < count {
            St.store(B.backward(op, c: VectorIO.load(s.in0, i), gy: VectorIO.load(s.in1, i)), s.out0, i)
            i += B.V.scalarCount
        }
    }
}

/// Whether the complement backward loops prefetch c and gy a page ahead (`backwardVectors`): on
/// the Zen 5 (AMD family 26) and later, where it was measured to pay. On the Zen 4 (family 25,
/// 2026-12-06, `vecbench ab` against the same build without it, 2^20 float32, three runs of 8-10
/// rounds) sigmoid, tanh and silu backward ran 5-23% faster without the hint at 1 and 2 threads
/// (all but one row of 14 the same way, NOISY verdicts); the Xeon measured it 2-5% slower. Softmax
/// backward's row hint (SoftmaxBackward32.prefetchAhead) stays on every CPU: a static gate there
/// made its loops 1.4-2.3x slower, and without the hint the Zen 4 measured within the noise.
private let prefetchesComplementBackward = vg_cpu_amd_family() >= 26
