// Max with the index of the first maximum, NaN propagating as in PyTorch (the value is NaN and the
// index that of the first NaN), and the full max with its tie count.
//
// Each SIMD lane keeps its own best value and the position where it was set; a lane takes a new
// value when it is larger, or when it is NaN and the lane holds no NaN yet, so a lane keeps its
// first max and its first NaN. Positions are held as floats relative to a block start, exact
// because blocks are at most 2^16 long. Lanes and blocks are merged with `Candidate.better`, which
// is associative and commutative, so the result does not depend on the split.

enum MaxKernels {
    /// Longest run scanned with float positions (exact to 2^24); also the task size of a long row.
    static let block = 1 << 16

    struct Candidate<S: KernelFloat> {
        var value: S
        var index: Int

        /// NaN beats numbers; among NaNs or equal values the smaller index wins.
        @inline(__always)
        static func better(_ x: Candidate, _ y: Candidate) -> Candidate {
            let xn = x.value.isNaN, yn = y.value.isNaN
            if xn != yn { return xn ? x : y }
            if !xn && x.value != y.value { return x.value > y.value ? x : y }
            return x.index <= y.index ? x : y
        }
    }

    @inline(__always)
    static func takes<V: KernelVector>(_ v: V, over m: V) -> V.Mask {
        V.or(V.greater(v, m), V.andNot(V.isNaN(v), V.isNaN(m)))
    }

    /// The best element of p[0..<n] (n <= block), index relative to p. Four independent chains of
    /// (best value, iteration where it was set) hide the compare-blend latency; lanes are merged at
    /// the end, converting an index only for lanes that hold the best value.
    static func scan<V: KernelVector>(_: V.Type, _ p: UnsafePointer<V.Scalar>, _ n: Int) -> Candidate<V.Scalar> {
        typealias S = V.Scalar
        let w = V.scalarCount, step = 4 * w
        var best = Candidate(value: p[0], index: 0)
        var i = 0
        if n >= step {
            var m0: V = VectorIO.load(p, 0), m1: V = VectorIO.load(p, w)
            var m2: V = VectorIO.load(p, 2 * w), m3: V = VectorIO.load(p, 3 * w)
            var at0 = V(), at1 = V(), at2 = V(), at3 = V()
            var iteration = V()
            i = step
            while i + step <= n {
                iteration += 1
                let v0: V = VectorIO.load(p, i), v1: V = VectorIO.load(p, i + w)
                let v2: V = VectorIO.load(p, i + 2 * w), v3: V = VectorIO.load(p, i + 3 * w)
                let t0 = takes(v0, over: m0), t1 = takes(v1, over: m1)
                let t2 = takes(v2, over: m2), t3 = takes(v3, over: m3)
                m0 = V.blend(m0, v0, where: t0); at0 = V.blend(at0, iteration, where: t0)
                m1 = V.blend(m1, v1, where: t1); at1 = V.blend(at1, iteration, where: t1)
                m2 = V.blend(m2, v2, where: t2); at2 = V.blend(at2, iteration, where: t2)
                m3 = V.blend(m3, v3, where: t3); at3 = V.blend(at3, iteration, where: t3)
                i += step
            }
            var top = m0[0]
            @inline(__always) func raise(_ m: V) {
                for l in 0..<w where Candidate.better(Candidate(value: m[l], index: 0),
                                                      Candidate(value: top, index: 1)).index == 0 {
                    top = m[l]
                }
            }
            raise(m0); raise(m1); raise(m2); raise(m3)
            var first = Int.max
            @inline(__always) func locate(_ m: V, _ at: V, _ chain: Int) {
                for l in 0..<w where top.isNaN ? m[l].isNaN : m[l] == top {
                    first = Swift.min(first, Int(Int32(at[l])) * step + chain * w + l)
                }
            }
            locate(m0, at0, 0); locate(m1, at1, 1); locate(m2, at2, 2); locate(m3, at3, 3)
            best = Candidate(value: p[first], index: first)
        }
        while i < n {
            best = .better(best, Candidate(value: p[i], index: i))
            i += 1
        }
        return best
    }

    /// values/indices[o] for rows of `size` contiguous elements; long rows in blocks.
    static func rows<V: KernelVector>(_ v: V.Type, _ x: UnsafePointer<V.Scalar>, outer: Int, size: Int,
                              values: UnsafeMutablePointer<V.Scalar>, indices: UnsafeMutablePointer<Int64>,
                              _ mode: KernelSplit.Mode) {
        let perRow = (size + block - 1) / block
        let units = outer * perRow
        var found = [Candidate<V.Scalar>](repeating: Candidate(value: 0, index: 0), count: units)
        found.withUnsafeMutableBufferPointer { found in
            KernelSplit.run(SumKernels.unitMode(mode, unitSize: Swift.min(size, block)), total: units) { range in
                for u in range {
                    let (o, b) = u.quotientAndRemainder(dividingBy: perRow)
                    let start = b * block
                    var c = scan(v, x + o * size + start, Swift.min(block, size - start))
                    c.index += start
                    found[u] = c
                }
            }
        }
        for o in 0..<outer {
            var best = found[o * perRow]
            for b in 1..<perRow { best = .better(best, found[o * perRow + b]) }
            values[o] = best.value
            indices[o] = Int64(best.index)
        }
    }

    /// values/indices[o, j] over k of x[o, k, j]. A unit is a chunk of up to `columnChunk`
    /// neighbouring j of one outer index, walked row by row (contiguous pieces, and one independent
    /// compare-blend chain per vector of the chunk), its per-lane state in a small buffer.
    static func columns<V: KernelVector>(_: V.Type, _ x: UnsafePointer<V.Scalar>, outer: Int, size: Int, inner: Int,
                                         values: UnsafeMutablePointer<V.Scalar>, indices: UnsafeMutablePointer<Int64>,
                                         _ mode: KernelSplit.Mode) {
        typealias S = V.Scalar
        let w = V.scalarCount, cw = SumKernels.columnChunk
        let chunks = (inner + cw - 1) / cw
        let unitSize = Swift.min(inner, cw) * size
        KernelSplit.run(SumKernels.unitMode(mode, unitSize: unitSize), total: outer * chunks) { range in
            withUnsafeTemporaryAllocation(of: V.self, capacity: 2 * ((cw + w - 1) / w)) { state in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: cw) { bestAt in
                    for u in range {
                        let (o, c) = u.quotientAndRemainder(dividingBy: chunks)
                        let j0 = c * cw, width = Swift.min(cw, inner - j0), nv = (width + w - 1) / w
                        let base = x + o * size * inner + j0
                        let m = state.baseAddress!, at = m + nv
                        @inline(__always) func load(_ k: Int, _ v: Int) -> V {
                            v * w + w <= width ? VectorIO.load(base, k * inner + v * w)
                                : VectorIO.loadPartial(base + k * inner + v * w, count: width - v * w, fill: 0)
                        }
                        for v in 0..<nv { m[v] = load(0, v) }
                        for l in 0..<width { bestAt[l] = 0 }
                        var k0 = 0
                        while k0 < size {
                            let k1 = Swift.min(size, k0 + block)
                            for v in 0..<nv { at[v] = V(repeating: -1) }
                            for k in Swift.max(k0, 1)..<Swift.max(k1, 1) {
                                let kv = V(repeating: S(k - k0))
                                for v in 0..<nv {
                                    let e = load(k, v)
                                    let t = takes(e, over: m[v])
                                    m[v] = V.blend(m[v], e, where: t)
                                    at[v] = V.blend(at[v], kv, where: t)
                                }
                            }
                            for l in 0..<width where at[l / w][l % w] >= 0 {
                                bestAt[l] = k0 + Int(Int32(at[l / w][l % w]))
                            }
                            k0 = k1
                        }
                        for l in 0..<width {
                            values[o * inner + j0 + l] = m[l / w][l % w]
                            indices[o * inner + j0 + l] = Int64(bestAt[l])
                        }
                    }
                }
            }
        }
    }

    /// Largest element (NaN if any) and how many elements equal it (NaNs counted when NaN).
    static func all<V: KernelVector>(_ v: V.Type, _ x: UnsafePointer<V.Scalar>, count: Int,
                             _ mode: KernelSplit.Mode) -> (value: V.Scalar, ties: Int) {
        var value = V.Scalar(0)
        var index: Int64 = 0
        rows(v, x, outer: 1, size: count, values: &value, indices: &index, mode)
        let isNaN = value.isNaN
        let blocks = (count + block - 1) / block
        var counts = [Int](repeating: 0, count: blocks)
        counts.withUnsafeMutableBufferPointer { counts in
            KernelSplit.run(SumKernels.unitMode(mode, unitSize: Swift.min(count, block)), total: blocks) { range in
                for b in range {
                    let p = x + b * block, n = Swift.min(block, count - b * block)
                    let w = V.scalarCount
                    let target = V(repeating: value)
                    var hits = V()      // per-lane counts, exact: a block is <= 2^16
                    var i = 0
                    while i + w <= n {
                        let e: V = VectorIO.load(p, i)
                        let hit = isNaN ? V.isNaN(e) : V.equal(e, target)
                        hits = V.blend(hits, hits + 1, where: hit)
                        i += w
                    }
                    var c = 0
                    for l in 0..<w { c += Int(hits[l]) }
                    while i < n {
                        if isNaN ? p[i].isNaN : p[i] == value { c += 1 }
                        i += 1
                    }
                    counts[b] = c
                }
            }
        }
        return (value, counts.reduce(0, +))
    }
}
