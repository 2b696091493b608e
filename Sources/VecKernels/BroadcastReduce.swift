// The gradient of a broadcast operand of mul, div, maximum or minimum, fused with its reduction:
// the elementwise gradient F(a, b, gy) is computed piece by piece into a small buffer (a row, or
// a 1024-column strip of one) and summed from there while it is in L1, instead of being written
// out at the output's full size and read back by a separate sum. The pieces and the order in which
// they are added are exactly those of `Reduce.sum` over the full-size gradient (tasks of
// `SumKernels.task` elements along rows, 1024-column units and fixed row blocks down columns), and
// F is the same lane function, so the result is bitwise that of the unfused path: as accurate
// (Reduce.sum's: float64 accumulation, float32 rows in groups of four vectors first) and as
// independent of the thread count.

/// How an operand's shape sums the output: the output viewed as [outer, size, inner] with the
/// middle dim summed (a [R, 1] operand of [R, C]: rows; [1, C] or [C]: columns; [1]: everything).
struct ReductionShape: Equatable {
    let outer: Int
    let size: Int
    let inner: Int

    init(outer: Int, size: Int, inner: Int) {
        (self.outer, self.size, self.inner) = (outer, size, inner)
    }

    /// nil when the summed dims do not form one block (e.g. [1, C, 1] of [R, C, K]).
    init?(output: [Int], operand: [Int]) {
        let runs = Self.runs(output: output, operand: operand)
        guard let s = runs.firstIndex(where: \.summed), runs.lastIndex(where: \.summed) == s, runs.count - s <= 2,
              s <= 1 else { return nil }
        outer = s == 1 ? runs[0].size : 1
        size = runs[s].size
        inner = s + 1 < runs.count ? runs[s + 1].size : 1
    }
}

extension ReductionShape {
    /// The dims of `output` other than 1s, neighbours merged into runs that the sum down to
    /// `operand` (right-aligned) either keeps or sums whole.
    static func runs(output: [Int], operand: [Int]) -> [(size: Int, summed: Bool)] {
        var runs: [(size: Int, summed: Bool)] = []
        for d in output.indices where output[d] != 1 {
            let t = d + operand.count - output.count
            let summed = t < 0 || operand[t] == 1
            if let last = runs.indices.last, runs[last].summed == summed {
                runs[last].size *= output[d]
            } else {
                runs.append((output[d], summed))
            }
        }
        return runs
    }
}

extension BroadcastLoops {
    /// F over the output positions `range` (one thread) into `out[0..<range.count]`.
    static func evaluate<F: LaneFunction, V: KernelVector>(
        _ f: F.Type, _ v: V.Type, _ plan: BroadcastLayout, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
        _ g: UnsafePointer<V.Scalar>, _ range: Range<Int>, _ out: UnsafeMutablePointer<V.Scalar>
    ) {
        typealias C = VectorIO.Contiguous
        typealias R = VectorIO.Repeated
        let (sa, sb) = plan.innerStrides
        let base = range.lowerBound
        plan.forEachRun(range) { ao, bo, po, len in
            let (pa, pb, pg, pout) = (a + ao, b + bo, g + po, out + (po - base))
            switch (sa, sb) {
            case (1, 1): run(f, v, C.self, C.self, C.self, pa, pb, pg, pout, len)
            case (1, 0): run(f, v, C.self, R.self, C.self, pa, pb, pg, pout, len)
            case (0, 1): run(f, v, R.self, C.self, C.self, pa, pb, pg, pout, len)
            default: run(f, v, R.self, R.self, C.self, pa, pb, pg, pout, len)
            }
        }
    }

    /// One side's elementwise gradient of `op` over `range` into `out[0..<range.count]`.
    static func gradient<V: KernelVector>(_ op: BinaryOp, sideA: Bool, _ v: V.Type, _ plan: BroadcastLayout,
                                          _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
                                          _ gy: UnsafePointer<V.Scalar>, range: Range<Int>,
                                          _ out: UnsafeMutablePointer<V.Scalar>) {
        typealias L = BinaryLanes
        switch (op, sideA) {
        case (.mul, true): evaluate(L.MulGradA.self, v, plan, a, b, gy, range, out)
        case (.mul, false): evaluate(L.MulGradB.self, v, plan, a, b, gy, range, out)
        case (.div, true): evaluate(L.DivGradA.self, v, plan, a, b, gy, range, out)
        case (.div, false): evaluate(L.DivGradB.self, v, plan, a, b, gy, range, out)
        case (.maximum, true): evaluate(L.MaximumGradA.self, v, plan, a, b, gy, range, out)
        case (.maximum, false): evaluate(L.MaximumGradB.self, v, plan, a, b, gy, range, out)
        case (.minimum, true): evaluate(L.MinimumGradA.self, v, plan, a, b, gy, range, out)
        case (.minimum, false): evaluate(L.MinimumGradB.self, v, plan, a, b, gy, range, out)
        case (.add, true), (.sub, true): evaluate(L.Gy.self, v, plan, a, b, gy, range, out)
        case (.add, false): evaluate(L.Gy.self, v, plan, a, b, gy, range, out)
        case (.sub, false): evaluate(L.NegGy.self, v, plan, a, b, gy, range, out)
        }
    }

    /// dst (shape `shape` = `r`'s kept dims) = the sum of one side's gradient over `r`'s middle dim.
    static func reducedGradient<V: KernelVector>(_ op: BinaryOp, sideA: Bool, _ v: V.Type, _ plan: BroadcastLayout,
                                                 _ r: ReductionShape, _ a: UnsafePointer<V.Scalar>,
                                                 _ b: UnsafePointer<V.Scalar>, _ gy: UnsafePointer<V.Scalar>,
                                                 _ dst: UnsafeMutablePointer<V.Scalar>, _ mode: KernelSplit.Mode)
    where V.Scalar: SumScalar {
        typealias S = V.Scalar
        if r.inner == 1 {
            // Rows: tasks of `SumKernels.task` elements, as SumKernels.rows cuts them.
            let task = SumKernels.task
            let perRow = Swift.max(1, (r.size + task - 1) / task)
            let tasks = r.outer * perRow
            let partial = UnsafeMutablePointer<CompensatedSum>.allocate(capacity: tasks)
            defer { partial.deallocate() }
            KernelSplit.run(SumKernels.unitMode(mode, unitSize: Swift.min(r.size, task)), total: tasks) { range in
                let buffer = UnsafeMutablePointer<S>.allocate(capacity: Swift.min(r.size, task))
                defer { buffer.deallocate() }
                for t in range {
                    let (o, k) = t.quotientAndRemainder(dividingBy: perRow)
                    let start = o * r.size + k * task, n = Swift.min(task, r.size - k * task)
                    gradient(op, sideA: sideA, v, plan, a, b, gy, range: start..<start + n, buffer)
                    partial[t] = S.blockSum(buffer, n)
                }
            }
            for o in 0..<r.outer {
                if perRow == 1 { dst[o] = S(partial[o].value); continue }
                var s = CompensatedSum()
                for k in 0..<perRow { s.add(partial[o * perRow + k]) }
                dst[o] = S(s.value)
            }
            return
        }
        // Columns: 1024-column units of fixed row blocks, as SumKernels.columns cuts them.
        let chunk = SumKernels.columnChunk
        let chunks = (r.inner + chunk - 1) / chunk
        let rowsPerBlock = r.outer * chunks >= SumKernels.minColumnUnits ? r.size : SumKernels.rowsPerBlock(inner: r.inner)
        let blocks = (r.size + rowsPerBlock - 1) / rowsPerBlock
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: r.outer * blocks * r.inner)
        defer { partial.deallocate() }
        let unitSize = Swift.min(r.inner, chunk) * Swift.min(r.size, rowsPerBlock)
        KernelSplit.run(SumKernels.unitMode(mode, unitSize: unitSize), total: r.outer * chunks * blocks) { range in
            let buffer = UnsafeMutablePointer<S>.allocate(capacity: Swift.min(r.inner, chunk))
            defer { buffer.deallocate() }
            for u in range {
                let (ob, c) = u.quotientAndRemainder(dividingBy: chunks)
                let (o, blk) = ob.quotientAndRemainder(dividingBy: blocks)
                let j0 = c * chunk, width = Swift.min(chunk, r.inner - j0)
                let acc = partial + (o * blocks + blk) * r.inner + j0
                acc.update(repeating: 0, count: width)
                for k in blk * rowsPerBlock..<Swift.min(r.size, (blk + 1) * rowsPerBlock) {
                    let start = (o * r.size + k) * r.inner + j0
                    gradient(op, sideA: sideA, v, plan, a, b, gy, range: start..<start + width, buffer)
                    S.accumulateRow(buffer, acc, width, ahead: 0)   // an L1 buffer: nothing to fetch
                }
            }
        }
        for o in 0..<r.outer {
            for j in 0..<r.inner {
                var s = partial[o * blocks * r.inner + j]
                for blk in 1..<Swift.max(1, blocks) { s += partial[(o * blocks + blk) * r.inner + j] }
                dst[o * r.inner + j] = S(s)
            }
        }
    }
}

extension BinaryLanes {
    /// add's gradient and sub's for a: gy itself.
    enum Gy: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V { g }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S { g }
    }
    /// sub's gradient for b: -gy.
    enum NegGy: LaneFunction {
        @inline(__always) static func vector<V: KernelVector>(_ a: V, _ b: V, _ g: V) -> V { -g }
        @inline(__always) static func scalar<S: KernelFloat>(_ a: S, _ b: S, _ g: S) -> S { -g }
    }
}
