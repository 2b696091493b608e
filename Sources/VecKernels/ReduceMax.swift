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
    static func takes<V: SIMD>(_ v: V, over m: V) -> SIMDMask<V.MaskStorage> where V.Scalar: KernelFloat {
        (v .> m) .| ((v .!= v) .& (m .== m))
    }

    /// The best element of p[0..<n] (n <= block), index relative to p.
    static func scan<V: SIMD>(_: V.Type, _ p: UnsafePointer<V.Scalar>, _ n: Int) -> Candidate<V.Scalar>
    where V.Scalar: KernelFloat {
        typealias S = V.Scalar
        let w = V.scalarCount
        var best = Candidate(value: p[0], index: 0)
        var i = 0
        if n >= w {
            var m: V = VectorIO.load(p, 0)
            var at = V()
            for l in 0..<w { at[l] = S(l) }
            var pos = at
            i = w
            while i + w <= n {
                pos += V(repeating: S(w))
                let v: V = VectorIO.load(p, i)
                let t = takes(v, over: m)
                m = m.replacing(with: v, where: t)
                at = at.replacing(with: pos, where: t)
                i += w
            }
            for l in 0..<w { best = .better(best, Candidate(value: m[l], index: Int(at[l]))) }
        }
        while i < n {
            best = .better(best, Candidate(value: p[i], index: i))
            i += 1
        }
        return best
    }

    /// values/indices[o] for rows of `size` contiguous elements; long rows in blocks.
    static func rows<V: SIMD>(_ v: V.Type, _ x: UnsafePointer<V.Scalar>, outer: Int, size: Int,
                              values: UnsafeMutablePointer<V.Scalar>, indices: UnsafeMutablePointer<Int64>,
                              _ mode: KernelSplit.Mode) where V.Scalar: KernelFloat {
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

    /// values/indices[o, j] over k of x[o, k, j]: lanes run along j, blocks of k one after another.
    static func columns<V: SIMD>(_: V.Type, _ x: UnsafePointer<V.Scalar>, outer: Int, size: Int, inner: Int,
                                 values: UnsafeMutablePointer<V.Scalar>, indices: UnsafeMutablePointer<Int64>,
                                 _ mode: KernelSplit.Mode) where V.Scalar: KernelFloat {
        typealias S = V.Scalar
        let w = V.scalarCount
        let tiles = (inner + w - 1) / w
        KernelSplit.run(SumKernels.unitMode(mode, unitSize: w * size), total: outer * tiles) { range in
            for u in range {
                let (o, t) = u.quotientAndRemainder(dividingBy: tiles)
                let j0 = t * w, width = Swift.min(w, inner - j0)
                let base = x + o * size * inner + j0
                @inline(__always) func row(_ k: Int) -> V {
                    width == w ? VectorIO.load(base, k * inner)
                        : VectorIO.loadPartial(base + k * inner, count: width, fill: 0)
                }
                var best = row(0)
                var bestAt = [Int](repeating: 0, count: w)
                var k0 = 0
                while k0 < size {
                    let k1 = Swift.min(size, k0 + block)
                    var m = best, at = V(repeating: -1)
                    for k in Swift.max(k0, 1)..<Swift.max(k1, 1) {
                        let v = row(k)
                        let take = takes(v, over: m)
                        m = m.replacing(with: v, where: take)
                        at = at.replacing(with: V(repeating: S(k - k0)), where: take)
                    }
                    for l in 0..<w where at[l] >= 0 { bestAt[l] = k0 + Int(at[l]) }
                    best = m
                    k0 = k1
                }
                for l in 0..<width {
                    values[o * inner + j0 + l] = best[l]
                    indices[o * inner + j0 + l] = Int64(bestAt[l])
                }
            }
        }
    }

    /// Largest element (NaN if any) and how many elements equal it (NaNs counted when NaN).
    static func all<V: SIMD>(_ v: V.Type, _ x: UnsafePointer<V.Scalar>, count: Int,
                             _ mode: KernelSplit.Mode) -> (value: V.Scalar, ties: Int) where V.Scalar: KernelFloat {
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
                        let hit = isNaN ? (e .!= e) : (e .== target)
                        hits = hits.replacing(with: hits + 1, where: hit)
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
