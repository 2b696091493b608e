// NumPy broadcasting: the shape rule, the binary kernels forward and backward (gradients reduced
// to each input's shape), the reduction of a gradient to a shape, and the copy of a strided view.

/// NumPy broadcasting on raw buffers: the shape rule, the binary kernels forward and backward
/// (gradients summed back to each input's shape), and strided copies. Shapes are `[Int]`, row-major.
public enum Broadcast {
    /// `.auto` runs the binary kernels on several threads from this many output elements up.
    /// Measured (release, -march=native, 2 vCPU, pool backend, min of 75 runs): add of 2^16
    /// floats 3.6 us on one thread vs 5.1 us on two; 2^17: 8.7 vs 5.9 us; 2^18: 20.9 vs 12.3 us.
    /// Below that one core (15-25 elements/ns from L1/L2) beats the ~2.4 us it costs here to wake
    /// and join the second thread.
    static let parallelThreshold = 1 << 17
    /// Chunk size for `.auto` splits: 16K floats = 64 KiB per chunk.
    static let parallelGrain = 1 << 14
    /// Forced `.parallel` chunks (small, so that tests cross row boundaries inside chunks).
    static let minGrain = 64

    /// The variants the binary kernels implement (`.scalar` is the reference the others are tested against).
    public static let variants: [KernelVariant] = [.auto, .scalar, .simd, .parallel]

    /// NumPy broadcast of two shapes, nil when incompatible (the Tensor layer builds the PyTorch message).
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let x = i < n - a.count ? 1 : a[i - (n - a.count)]
            let y = i < n - b.count ? 1 : b[i - (n - b.count)]
            if x == y || y == 1 {
                result[i] = x
            } else if x == 1 {
                result[i] = y
            } else {
                return nil
            }
        }
        return result
    }

    /// out (contiguous, shape `outShape`) = op(a, b); a and b are contiguous with shapes broadcastable to outShape.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func binary<T: KernelFloat>(_ op: BinaryOp, _ a: UnsafePointer<T>, aShape: [Int],
                                              _ b: UnsafePointer<T>, bShape: [Int],
                                              _ out: UnsafeMutablePointer<T>, outShape: [Int],
                                              variant: KernelVariant = .auto, threads: Int? = nil) {
        let plan = BroadcastLayout(outShape: outShape, aShape: aShape, bShape: bShape)
        guard plan.count > 0 else { return }
        let mode = KernelSplit.mode(variant, work: plan.count, threshold: parallelThreshold,
                                    grain: parallelGrain, minGrain: minGrain, threads: threads)
        if T.self == Float.self, mode != .scalar {
            BroadcastLoops.forward(op, SIMD16<Float>.self, plan, VectorIO.rebound(a, to: Float.self),
                                   VectorIO.rebound(b, to: Float.self), VectorIO.rebound(out, to: Float.self), mode)
        } else if T.self == Double.self, mode != .scalar {
            BroadcastLoops.forward(op, SIMD8<Double>.self, plan, VectorIO.rebound(a, to: Double.self),
                                   VectorIO.rebound(b, to: Double.self), VectorIO.rebound(out, to: Double.self), mode)
        } else {
            BroadcastReference.binary(op, a, aShape: aShape, b, bShape: bShape, out, outShape: outShape)
        }
    }

    /// Gradients of out = op(a, b) given gy (contiguous, outShape): ga / gb are written already
    /// reduced (summed) to aShape / bShape; pass nil for one that is not needed. The sum has
    /// `Reduce.sum`'s accuracy and thread-count independence; for mul, div, maximum and minimum it
    /// is fused with the elementwise gradient (no output-sized scratch) wherever the summed dims
    /// form one block (`[R, 1]`, `[1, C]`, `[C]`, a scalar: see BroadcastReduce).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func binaryBackward<T: KernelFloat>(_ op: BinaryOp, a: UnsafePointer<T>, aShape: [Int],
                                                      b: UnsafePointer<T>, bShape: [Int],
                                                      gy: UnsafePointer<T>, outShape: [Int],
                                                      ga: UnsafeMutablePointer<T>?, gb: UnsafeMutablePointer<T>?,
                                                      variant: KernelVariant = .auto, threads: Int? = nil) {
        let plan = BroadcastLayout(outShape: outShape, aShape: aShape, bShape: bShape)
        let mode = KernelSplit.mode(variant, work: plan.count, threshold: parallelThreshold,
                                    grain: parallelGrain, minGrain: minGrain, threads: threads)
        guard mode != .scalar, T.self == Float.self || T.self == Double.self else {
            return BroadcastReference.binaryBackward(op, a: a, aShape: aShape, b: b, bShape: bShape,
                                                     gy: gy, outShape: outShape, ga: ga, gb: gb)
        }
        for (dst, shape, sideA) in [(ga, aShape, true), (gb, bShape, false)] {
            guard let dst else { continue }
            let count = shape.reduce(1, *)
            guard count > 0 else { continue }
            if plan.count == 0 {     // broadcast over an empty dim: the sum of nothing
                dst.update(repeating: 0, count: count)
                continue
            }
            switch op {
            case .add, .sub:
                sumToShape(gy, from: outShape, dst, to: shape, variant: variant, threads: threads)
                if op == .sub && !sideA { negate(dst, count: count) }
            case .mul, .div, .maximum, .minimum:
                // Same element count as the output means the same layout: write in place.
                let reduces = count != plan.count
                if reduces, let r = ReductionShape(output: outShape, operand: shape) {
                    if T.self == Float.self {
                        BroadcastLoops.reducedGradient(op, sideA: sideA, SIMD16<Float>.self, plan, r, VectorIO.rebound(a, to: Float.self),
                                                       VectorIO.rebound(b, to: Float.self), VectorIO.rebound(gy, to: Float.self),
                                                       VectorIO.rebound(dst, to: Float.self), mode)
                    } else {
                        BroadcastLoops.reducedGradient(op, sideA: sideA, SIMD8<Double>.self, plan, r, VectorIO.rebound(a, to: Double.self),
                                                       VectorIO.rebound(b, to: Double.self), VectorIO.rebound(gy, to: Double.self),
                                                       VectorIO.rebound(dst, to: Double.self), mode)
                    }
                    continue
                }
                let target = reduces ? UnsafeMutablePointer<T>.allocate(capacity: plan.count) : dst
                defer { if reduces { target.deallocate() } }
                if T.self == Float.self {
                    BroadcastLoops.gradient(op, sideA: sideA, SIMD16<Float>.self, plan,
                                            VectorIO.rebound(a, to: Float.self), VectorIO.rebound(b, to: Float.self),
                                            VectorIO.rebound(gy, to: Float.self), VectorIO.rebound(target, to: Float.self), mode)
                } else {
                    BroadcastLoops.gradient(op, sideA: sideA, SIMD8<Double>.self, plan,
                                            VectorIO.rebound(a, to: Double.self), VectorIO.rebound(b, to: Double.self),
                                            VectorIO.rebound(gy, to: Double.self), VectorIO.rebound(target, to: Double.self), mode)
                }
                if reduces {
                    sumToShape(UnsafePointer(target), from: outShape, dst, to: shape, variant: variant, threads: threads)
                }
            }
        }
    }

    private static func negate<T: KernelFloat>(_ p: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { p[i] = -p[i] }
    }

    /// Sum src (contiguous, shape `from`) down to the broadcast-compatible shape `to` (dst contiguous).
    ///
    /// Dims are grouped into runs that are all kept or all summed; each summed run is one
    /// `Reduce.sum(outer:size:inner:)` (innermost first), so the result has that kernel's accuracy and
    /// thread-count independence.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func sumToShape<T: KernelFloat>(_ src: UnsafePointer<T>, from: [Int],
                                                  _ dst: UnsafeMutablePointer<T>, to: [Int],
                                                  variant: KernelVariant = .auto, threads: Int? = nil) {
        let dstCount = to.reduce(1, *)
        guard dstCount > 0 else { return }
        if from.reduce(1, *) == 0 { return dst.update(repeating: 0, count: dstCount) }
        if variant == .scalar || variant == .naive {
            return BroadcastReference.sumToShape(src, from: from, dst, to: to)
        }
        var runs = ReductionShape.runs(output: from, operand: to)
        var current = src
        var scratch: UnsafeMutablePointer<T>? = nil
        defer { scratch?.deallocate() }
        while let r = runs.lastIndex(where: { $0.summed }) {
            let outer = runs[..<r].reduce(1) { $0 * $1.size }
            let inner = runs[(r + 1)...].reduce(1) { $0 * $1.size }
            let isLast = runs.firstIndex(where: { $0.summed }) == r
            let target = isLast ? dst : UnsafeMutablePointer<T>.allocate(capacity: outer * inner)
            Reduce.sum(current, outer: outer, size: runs[r].size, inner: inner, target,
                       variant: variant, threads: threads)
            scratch?.deallocate()
            scratch = isLast ? nil : target
            current = UnsafePointer(target)
            runs.remove(at: r)
            if r > 0, r < runs.count {
                runs[r - 1].size *= runs[r].size
                runs.remove(at: r)
            }
        }
        if current == src { dst.update(from: src, count: dstCount) }
    }

    /// Materialise a strided view (e.g. a transpose or an expand with 0 strides) into contiguous dst.
    public static func copyStrided<T: KernelFloat>(_ src: UnsafePointer<T>, shape: [Int], strides: [Int],
                                                   _ dst: UnsafeMutablePointer<T>, threads: Int? = nil) {
        switch MemoryLayout<T>.stride {
        case 4:
            StridedCopy.run(VectorIO.rebound(src, to: UInt32.self), shape: shape, strides: strides,
                            VectorIO.rebound(dst, to: UInt32.self), threads: threads)
        case 8:
            StridedCopy.run(VectorIO.rebound(src, to: UInt64.self), shape: shape, strides: strides,
                            VectorIO.rebound(dst, to: UInt64.self), threads: threads)
        default:
            StridedCopy.run(src, shape: shape, strides: strides, dst, threads: threads)
        }
    }
}
