// Sums that are accurate and do not depend on the thread count.
//
// Accuracy: float32 data is widened exactly to float64 as it is loaded and accumulated in float64
// lanes (measured as fast as adding in float32 first: the loop is bound by loads, ~25 elements/ns
// from L1/L2 on one core), so a float32 sum is the exact sum rounded once, up to float64 rounding,
// and partial sums cannot overflow. Double data accumulates in float64 (8 x 4 lanes).
// Determinism: the data is cut into fixed tasks of `task` elements (a function of the length
// only); each task sums sequentially, and the task sums are added in task order. Threads only
// decide who computes which task, so 1, 2 or 16 threads give bitwise the same result, and the
// `.simd` variant (the same tasks on one thread) agrees with `.parallel` too.

/// Float and Double, each with its widening SIMD loops.
protocol SumScalar: KernelFloat {
    /// Sum of p[0..<n] in a fixed order, in float64.
    static func blockSum(_ p: UnsafePointer<Self>, _ n: Int) -> Double
    /// acc[j] += p[j] for j in 0..<n, in float64.
    static func accumulateRow(_ p: UnsafePointer<Self>, _ acc: UnsafeMutablePointer<Double>, _ n: Int)
}

/// Float lanes to Double lanes. Written lane by lane so that it inlines into one vcvtps2pd: the
/// stdlib's SIMD8<Double>(SIMD8<Float>) stayed an out-of-line call in this module's release build.
@inline(__always)
private func widened(_ v: SIMD8<Float>) -> SIMD8<Double> {
    var r = SIMD8<Double>()
    for l in 0..<8 { r[l] = Double(v[l]) }
    return r
}

extension Float: SumScalar {
    static func blockSum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        typealias V = SIMD16<Float>
        var acc0 = SIMD8<Double>(), acc1 = SIMD8<Double>(), acc2 = SIMD8<Double>(), acc3 = SIMD8<Double>()
        var i = 0
        while i + 32 <= n {
            let v: V = VectorIO.load(p, i), u: V = VectorIO.load(p, i + 16)
            acc0 += widened(v.lowHalf)
            acc1 += widened(v.highHalf)
            acc2 += widened(u.lowHalf)
            acc3 += widened(u.highHalf)
            i += 32
        }
        if i + 16 <= n {
            let v: V = VectorIO.load(p, i)
            acc0 += widened(v.lowHalf)
            acc1 += widened(v.highHalf)
            i += 16
        }
        var total = ((acc0 + acc1) + (acc2 + acc3)).sum()
        while i < n {
            total += Double(p[i])
            i += 1
        }
        return total
    }

    static func accumulateRow(_ p: UnsafePointer<Float>, _ acc: UnsafeMutablePointer<Double>, _ n: Int) {
        var j = 0
        while j + 16 <= n {
            let v: SIMD16<Float> = VectorIO.load(p, j)
            let lo: SIMD8<Double> = VectorIO.load(acc, j), hi: SIMD8<Double> = VectorIO.load(acc, j + 8)
            VectorIO.store(lo + widened(v.lowHalf), acc, j)
            VectorIO.store(hi + widened(v.highHalf), acc, j + 8)
            j += 16
        }
        while j < n {
            acc[j] += Double(p[j])
            j += 1
        }
    }
}

extension Double: SumScalar {
    static func blockSum(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
        typealias V = SIMD8<Double>
        var acc0 = V(), acc1 = V(), acc2 = V(), acc3 = V()
        var i = 0
        while i + 32 <= n {
            acc0 += VectorIO.load(p, i) as V
            acc1 += VectorIO.load(p, i + 8) as V
            acc2 += VectorIO.load(p, i + 16) as V
            acc3 += VectorIO.load(p, i + 24) as V
            i += 32
        }
        while i + 8 <= n {
            acc0 += VectorIO.load(p, i) as V
            i += 8
        }
        var total = ((acc0 + acc1) + (acc2 + acc3)).sum()
        while i < n {
            total += p[i]
            i += 1
        }
        return total
    }

    static func accumulateRow(_ p: UnsafePointer<Double>, _ acc: UnsafeMutablePointer<Double>, _ n: Int) {
        var j = 0
        while j + 8 <= n {
            let v: SIMD8<Double> = VectorIO.load(p, j)
            VectorIO.store(v + VectorIO.load(acc, j), acc, j)
            j += 8
        }
        while j < n {
            acc[j] += p[j]
            j += 1
        }
    }
}

enum SumKernels {
    /// Elements per task of a contiguous sum: 64 KiB of floats, large against a ~0.5 us dispatch.
    static let task = 1 << 14
    /// Columns per unit of a strided sum or max: whole 4 KiB rows of floats are read one after the
    /// other (the prefetcher does not cross pages, so narrower pieces of rows 4 KiB apart ran at a
    /// quarter of the speed); the per-column state (8 KiB of float64 sums) stays in L1.
    static let columnChunk = 1024
    /// A strided sum with fewer (outer x column-chunk) units than this also cuts the summed dim into
    /// blocks, so that a tall, narrow sum still has parallel work. Decided from the shape alone.
    static let minColumnUnits = 16
    /// Rows per block of the summed dim (about 64K elements per block).
    static func rowsPerBlock(inner: Int) -> Int { Swift.max(16, (1 << 16) / Swift.max(1, inner)) }

    /// Mode for work counted in units of `unitSize` elements (the grain is given in elements).
    static func unitMode(_ mode: KernelSplit.Mode, unitSize: Int) -> KernelSplit.Mode {
        guard case let .parallel(threads, grain) = mode else { return mode }
        return .parallel(threads: threads, grain: Swift.max(1, grain / Swift.max(1, unitSize)))
    }

    /// out[o] = sum of row o (rows of `size` contiguous elements), each row cut into fixed tasks.
    static func rows<S: SumScalar>(_ x: UnsafePointer<S>, outer: Int, size: Int,
                                   _ out: UnsafeMutablePointer<S>, _ mode: KernelSplit.Mode) {
        let perRow = Swift.max(1, (size + task - 1) / task)
        let tasks = outer * perRow
        let taskMode = unitMode(mode, unitSize: Swift.min(size, task))
        if perRow == 1 {
            KernelSplit.run(taskMode, total: tasks) { range in
                for o in range { out[o] = S(S.blockSum(x + o * size, size)) }
            }
            return
        }
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: tasks)
        defer { partial.deallocate() }
        KernelSplit.run(taskMode, total: tasks) { range in
            for t in range {
                let (o, k) = t.quotientAndRemainder(dividingBy: perRow)
                let start = k * task
                partial[t] = S.blockSum(x + o * size + start, Swift.min(task, size - start))
            }
        }
        for o in 0..<outer {
            var s = 0.0
            for k in 0..<perRow { s += partial[o * perRow + k] }
            out[o] = S(s)
        }
    }

    /// out[o, j] = sum over k of x[o, k, j], accumulated in float64 rows.
    static func columns<S: SumScalar>(_ x: UnsafePointer<S>, outer: Int, size: Int, inner: Int,
                                      _ out: UnsafeMutablePointer<S>, _ mode: KernelSplit.Mode) {
        let chunks = (inner + columnChunk - 1) / columnChunk
        let rowsPerBlock = outer * chunks >= minColumnUnits ? size : Self.rowsPerBlock(inner: inner)
        let blocks = (size + rowsPerBlock - 1) / rowsPerBlock
        // partial[(o * blocks + b) * inner + j]: the block sums, added in block order below.
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: outer * blocks * inner)
        defer { partial.deallocate() }
        let units = outer * chunks * blocks
        let unitSize = Swift.min(inner, columnChunk) * Swift.min(size, rowsPerBlock)
        KernelSplit.run(unitMode(mode, unitSize: unitSize), total: units) { range in
            for u in range {
                let (ob, c) = u.quotientAndRemainder(dividingBy: chunks)
                let (o, b) = ob.quotientAndRemainder(dividingBy: blocks)
                let j0 = c * columnChunk, width = Swift.min(columnChunk, inner - j0)
                let k0 = b * rowsPerBlock, k1 = Swift.min(size, k0 + rowsPerBlock)
                let acc = partial + (o * blocks + b) * inner + j0
                acc.update(repeating: 0, count: width)
                for k in k0..<k1 {
                    S.accumulateRow(x + (o * size + k) * inner + j0, acc, width)
                }
            }
        }
        for o in 0..<outer {
            for j in 0..<inner {
                var s = partial[o * blocks * inner + j]
                for b in 1..<Swift.max(1, blocks) { s += partial[(o * blocks + b) * inner + j] }
                out[o * inner + j] = S(s)
            }
        }
    }
}
