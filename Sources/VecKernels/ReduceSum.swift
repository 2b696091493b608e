import CVecShim

// Sums that are accurate and do not depend on the thread count.
//
// Accuracy: float32 data is added in groups of four vectors in float32, and the group sums are
// widened exactly to float64 and accumulated in float64 lanes (Float.blockSum says why and what
// it costs: within 2u sum |x| + u |sum| of the exact sum, u = 2^-24); a float64 partial sum
// cannot overflow. Double data has no wider type to hide in: each lane keeps the
// rounding error of its additions in a second lane (Fast2Sum), block and task sums are combined as
// float64 pairs (TwoSum, `CompensatedSum`), and the pair is rounded once at the end.
// Determinism: the data is cut into fixed tasks of `task` elements (a function of the length
// only); each task sums sequentially, and the task sums are added in task order. Threads only
// decide who computes which task, so 1, 2 or 16 threads give bitwise the same result, and the
// `.simd` variant (the same tasks on one thread) agrees with `.parallel` too.

/// A float64 sum carried as the unevaluated pair `hi + lo`: `add` keeps the rounding error of
/// each addition to `hi` (TwoSum, Knuth: exact in round-to-nearest, no ordering of magnitudes
/// needed) in `lo`, so a chain of n additions is off by about u |sum| + n u^2 sum |x| instead of
/// n u sum |x| (u = 2^-53). `hi` alone is the plain float64 sum, so infinities and NaN pass
/// through it as in a plain sum.
struct CompensatedSum {
    var hi = 0.0, lo = 0.0

    @inline(__always)
    mutating func add(_ x: Double) {
        let s = hi + x, xPart = s - hi
        lo += (hi - (s - xPart)) + (x - xPart)
        hi = s
    }

    @inline(__always)
    mutating func add(_ other: CompensatedSum) {
        add(other.hi)
        lo += other.lo
    }

    /// hi + lo rounded once. A non-finite `hi` (an infinity or NaN among the terms, or an overflow)
    /// is the result as it stands: `lo` is then NaN (inf - inf) and would turn an infinity into NaN.
    var value: Double { hi.isFinite ? hi + lo : hi }
}

/// Float and Double, each with its widening SIMD loops.
protocol SumScalar: KernelFloat {
    /// Sum of p[0..<n] in a fixed order, in float64 (Double: with its rounding error in `lo`;
    /// Float: groups of four vectors added in float32 first, within 2u sum |x|, u = 2^-24).
    static func blockSum(_ p: UnsafePointer<Self>, _ n: Int) -> CompensatedSum
    /// acc[j] += p[j] for j in 0..<n, in float64, prefetching p[j + ahead] (the data of a later row).
    static func accumulateRow(_ p: UnsafePointer<Self>, _ acc: UnsafeMutablePointer<Double>, _ n: Int, ahead: Int)
}

/// How far ahead (bytes) the streaming loops prefetch (float64 blockSum, accumulateRow): a sum reads
/// each line once, and the hardware prefetcher stops at every 4 KiB page, so a stream from L3 or
/// memory waits on the first lines of each page. Prefetching 8 KiB ahead measured 1.3-1.5x faster on
/// 2^24 floats (64 MiB, one thread, median and best of 60 runs each, interleaved, on the Xeon) and
/// cost nothing from L1/L2 (2^16, 2^20); 4 KiB gave about the same. The float32 blockSum reads one
/// stream without prefetch instead (its doc comment says why). On Zen 4 (2026-12-05, `vecbench
/// ab`, 10 rounds) dropping the hint here made the float64 sum of 2^24 elements 8-10% and the
/// column sums of add's backward [1024, 1024] + [1024] ~20% slower, so it stays on AMD too.
let prefetchBytes = 8192

/// A page: how far ahead (bytes) the row loops of softmax backward and the complement backward
/// prefetch (SoftmaxBackward32.prefetchAhead, ComplementDriver.backwardVectors), measured on the
/// Zen 5 against 8 KiB (the same from memory, up to 5% slower from L2 and L3).
let prefetchPageBytes = 4096

@inline(__always)
func prefetch<T>(_ p: UnsafePointer<T>, _ i: Int) {
    vg_prefetch(UnsafeRawPointer(p + i))
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
    /// Groups of four vectors are added in float32 first, ((a + b) + (c + d)), and only the group
    /// sum is widened: the widening (vcvtps2pd) issues one 4-lane convert per cycle on Zen 1, so
    /// widening every element capped the loop at ~4.3 floats/ns, 0.44x PyTorch's float32 sum at
    /// 2^20 elements (measured in C on this AMD EPYC: widen all 4.3, quads 10.5-11.3, plain
    /// float32 11.7-18 floats/ns). Cost in accuracy: the two float32 levels add at most 2u sum |x|
    /// of the group (u = 2^-24), so the result is within 2u sum |x| + u |sum| (plus O(u^2) and
    /// float64 rounding, ~n 2^-53 sum |x|) of the exact sum: at most ~2.5 ULP for same-signed
    /// data, against the first float32 level's `n u` bound of a plain float32 loop. Sums of equal
    /// values stay exact (x + x is exact), so 2^24+3 copies of 0.1f still give the float nearest
    /// the exact sum. The block is read front to back as one stream, two groups per step: a
    /// block is one task of the contiguous sum (`SumKernels.task`, 64 KiB), and the tasks of one
    /// thread are contiguous, so the hardware prefetcher follows a single stream through all of
    /// them. Four interleaved quarters of each task (the former form, from a C model on the Zen 1
    /// EPYC where four streams read 2^24 floats in 4.2-4.3 ms against 5.2-5.9 for one) restart
    /// four streams every 64 KiB: on Zen 4 (C, huge-page memory, 25 interleaved runs each) 2^24
    /// floats took 2.62 ms that way against 1.84 ms as one stream per task, and 2^20 46.4 against
    /// 42.5 us (docs/measurements.md, "float32 sum as one stream"; not re-measured on Zen 1).
    static func blockSum(_ p: UnsafePointer<Float>, _ n: Int) -> CompensatedSum {
        typealias V = SIMD16<Float>
        // The groups are summed in C (vg_sum4_f32x16): the same expression in Swift compiled
        // under AVX2 into lane-by-lane inserts and blends.
        var acc0 = SIMD8<Double>(), acc1 = SIMD8<Double>(), acc2 = SIMD8<Double>(), acc3 = SIMD8<Double>()
        var i = 0
        while i &+ 128 <= n {
            let g0 = vg_sum4_f32x16(p + i), g1 = vg_sum4_f32x16(p + (i &+ 64))
            acc0 += widened(g0.lowHalf)
            acc1 += widened(g0.highHalf)
            acc2 += widened(g1.lowHalf)
            acc3 += widened(g1.highHalf)
            i &+= 128
        }
        while i &+ 64 <= n {
            let g = vg_sum4_f32x16(p + i)
            acc0 += widened(g.lowHalf)
            acc1 += widened(g.highHalf)
            i &+= 64
        }
        while i &+ 16 <= n {
            let v: V = VectorIO.load(p, i)
            acc0 += widened(v.lowHalf)
            acc1 += widened(v.highHalf)
            i &+= 16
        }
        var total = ((acc0 + acc1) + (acc2 + acc3)).sum()
        while i < n {
            total += Double(p[i])
            i &+= 1
        }
        // A group of values near Float.greatestMagnitude can overflow in float32 where the float64
        // sum does not ([3e38, 3e38, -3e38, -3e38] would give inf - inf = NaN): such a block is
        // summed again with every element widened, which never overflows and gives the same
        // infinity or NaN when the data holds one.
        return total.isFinite ? CompensatedSum(hi: total, lo: 0) : widenedSum(p, n)
    }

    /// Sum of p[0..<n] with every element widened to float64 as it is loaded: the exact sum up to
    /// float64 rounding; 2.2x slower than blockSum's groups on Zen 1.
    static func widenedSum(_ p: UnsafePointer<Float>, _ n: Int) -> CompensatedSum {
        var acc0 = SIMD8<Double>(), acc1 = SIMD8<Double>()
        var i = 0
        while i &+ 16 <= n {
            let v: SIMD16<Float> = VectorIO.load(p, i)
            acc0 += widened(v.lowHalf)
            acc1 += widened(v.highHalf)
            i &+= 16
        }
        var total = (acc0 + acc1).sum()
        while i < n {
            total += Double(p[i])
            i &+= 1
        }
        return CompensatedSum(hi: total, lo: 0)
    }

    static func accumulateRow(_ p: UnsafePointer<Float>, _ acc: UnsafeMutablePointer<Double>, _ n: Int, ahead: Int) {
        var j = 0
        while j + 16 <= n {
            prefetch(p, j &+ ahead)
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

/// s += x in every lane, with the rounding error of the addition added to c (Fast2Sum, Dekker:
/// exact when |s| >= |x| lane by lane, as it is once a lane of a same-signed sum has its first
/// terms; otherwise off by at most u |x|). Four operations instead of TwoSum's seven: per element,
/// TwoSum was ~55% slower than a plain sum at 2^24 elements, TwoSum on pair sums ~20%.
@inline(__always)
private func fastTwoSum(_ s: inout SIMD8<Double>, _ c: inout SIMD8<Double>, _ x: SIMD8<Double>) {
    let t = s + x
    c += x - (t - s)
    s = t
}

/// (s, c) pairs of two accumulators merged lane by lane, the rounding error of s0 + s1 kept
/// (TwoSum).
@inline(__always)
private func merged(_ s0: SIMD8<Double>, _ c0: SIMD8<Double>, _ s1: SIMD8<Double>,
                    _ c1: SIMD8<Double>) -> (SIMD8<Double>, SIMD8<Double>) {
    let s = s0 + s1, part = s - s0
    return (s, (c0 + c1) + ((s0 - (s - part)) + (s1 - part)))
}

extension Double: SumScalar {
    /// Pairs of vectors are added plainly before the compensated step: a pair's rounding error
    /// (at most u |x_i + x_j|, none for equal values) is the one error left uncompensated, and
    /// halving the compensated steps is what keeps the loop within a few % of a plain sum when it
    /// streams from memory. Error bound: u |sum| + 2u sum |x| + O(n u^2) sum |x|, against
    /// PyTorch's cascade sum, whose bound grows with its levels; measured 0 ULP on positive data
    /// and 2^24+3 copies of 0.1 (PyTorch: correctly rounded too, the plain lanes: 94 ULP).
    static func blockSum(_ p: UnsafePointer<Double>, _ n: Int) -> CompensatedSum {
        typealias V = SIMD8<Double>
        // Eight (s, c) accumulators: with four the loop ran ~15% behind a plain sum at 2^24
        // elements (streaming from memory), with eight 2-14% (2^20: 0-13%), in CPU time on a
        // shared 2-vCPU machine; sixteen spill and measured the same.
        var s = (V(), V(), V(), V(), V(), V(), V(), V()), c = s
        let ahead = prefetchBytes / 8
        @inline(__always) func pair(_ i: Int) -> V {
            prefetch(p, i &+ ahead)
            prefetch(p, i &+ (ahead + 8))
            return (VectorIO.load(p, i) as V) + (VectorIO.load(p, i &+ 8) as V)
        }
        var i = 0
        // Wrapping index arithmetic (i < n, an element count): the overflow checks of `+` cost
        // ~8% at 2^24 elements.
        while i &+ 128 <= n {
            fastTwoSum(&s.0, &c.0, pair(i))
            fastTwoSum(&s.1, &c.1, pair(i &+ 16))
            fastTwoSum(&s.2, &c.2, pair(i &+ 32))
            fastTwoSum(&s.3, &c.3, pair(i &+ 48))
            fastTwoSum(&s.4, &c.4, pair(i &+ 64))
            fastTwoSum(&s.5, &c.5, pair(i &+ 80))
            fastTwoSum(&s.6, &c.6, pair(i &+ 96))
            fastTwoSum(&s.7, &c.7, pair(i &+ 112))
            i &+= 128
        }
        while i &+ 8 <= n {
            fastTwoSum(&s.0, &c.0, VectorIO.load(p, i) as V)
            i &+= 8
        }
        let (s01, c01) = merged(s.0, c.0, s.1, c.1), (s23, c23) = merged(s.2, c.2, s.3, c.3)
        let (s45, c45) = merged(s.4, c.4, s.5, c.5), (s67, c67) = merged(s.6, c.6, s.7, c.7)
        let (s03, c03) = merged(s01, c01, s23, c23), (s47, c47) = merged(s45, c45, s67, c67)
        let (sAll, cAll) = merged(s03, c03, s47, c47)
        var total = CompensatedSum()
        for l in 0..<8 {
            total.add(sAll[l])
            total.lo += cAll[l]
        }
        while i < n {
            total.add(p[i])
            i &+= 1
        }
        return total
    }

    static func accumulateRow(_ p: UnsafePointer<Double>, _ acc: UnsafeMutablePointer<Double>, _ n: Int, ahead: Int) {
        var j = 0
        while j + 8 <= n {
            prefetch(p, j &+ ahead)
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
                for o in range { out[o] = S(S.blockSum(x + o * size, size).value) }
            }
            return
        }
        let partial = UnsafeMutablePointer<CompensatedSum>.allocate(capacity: tasks)
        defer { partial.deallocate() }
        KernelSplit.run(taskMode, total: tasks) { range in
            for t in range {
                let (o, k) = t.quotientAndRemainder(dividingBy: perRow)
                let start = k * task
                partial[t] = S.blockSum(x + o * size + start, Swift.min(task, size - start))
            }
        }
        for o in 0..<outer {
            var s = CompensatedSum()
            for k in 0..<perRow { s.add(partial[o * perRow + k]) }
            out[o] = S(s.value)
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
                // The same columns of the row 8 KiB further on (at least the next row's).
                let ahead = Swift.max(1, prefetchBytes / MemoryLayout<S>.stride / inner) * inner
                for k in k0..<k1 {
                    S.accumulateRow(x + (o * size + k) * inner + j0, acc, width, ahead: ahead)
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
