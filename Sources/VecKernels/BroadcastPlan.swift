// The iteration space of a broadcasting binary kernel, and its SIMD inner loops.
//
// The output is contiguous. Each operand is read through strides aligned to the output shape (0
// along the dims it is broadcast over). Dims of size 1 are dropped and neighbouring dims merged
// wherever every operand is contiguous across them, so the common cases collapse: same shape and
// scalar operand become one flat loop, a bias [n] over [m, n] becomes m rows of a flat loop. What
// is left is walked with an index odometer over the outer dims, the innermost dim running as a SIMD
// loop with each operand read contiguously (stride 1) or as one repeated value (stride 0).

struct BroadcastPlan {
    /// Merged output shape, outermost first; never empty.
    private(set) var shape: [Int] = []
    private(set) var aStrides: [Int] = []
    private(set) var bStrides: [Int] = []
    let count: Int

    /// Element strides of a contiguous operand of shape `s` read along `outShape` (right-aligned).
    static func strides(of s: [Int], along outShape: [Int]) -> [Int] {
        var result = [Int](repeating: 0, count: outShape.count)
        var step = 1
        // Leading dims of s beyond the output's rank can only be 1s: they are skipped.
        for i in stride(from: s.count - 1, through: Swift.max(0, s.count - outShape.count), by: -1) {
            result[i + outShape.count - s.count] = s[i] == 1 ? 0 : step
            step *= s[i]
        }
        return result
    }

    init(outShape: [Int], aShape: [Int], bShape: [Int]) {
        self.init(shape: outShape, aStrides: Self.strides(of: aShape, along: outShape),
                  bStrides: Self.strides(of: bShape, along: outShape))
    }

    /// Any strides (a transposed or expanded view too); merging keeps only what is contiguous.
    init(shape outShape: [Int], aStrides sa: [Int], bStrides sb: [Int]) {
        count = outShape.reduce(1, *)
        for d in outShape.indices where outShape[d] != 1 {
            let n = outShape[d]
            if let last = shape.indices.last, aStrides[last] == sa[d] * n, bStrides[last] == sb[d] * n {
                shape[last] *= n
                aStrides[last] = sa[d]
                bStrides[last] = sb[d]
            } else {
                shape.append(n)
                aStrides.append(sa[d])
                bStrides.append(sb[d])
            }
        }
        if shape.isEmpty {
            shape = [1]
            aStrides = [0]
            bStrides = [0]
        }
    }

    /// Calls body(aOffset, bOffset, outOffset, length) for each innermost run covering the flat
    /// output indices in `range`, which may start and end in the middle of a row.
    @inline(__always)
    func forEachRun(_ range: Range<Int>, _ body: (Int, Int, Int, Int) -> Void) {
        let rank = shape.count
        let inner = shape[rank - 1]
        let innerA = aStrides[rank - 1], innerB = bStrides[rank - 1]
        withUnsafeTemporaryAllocation(of: Int.self, capacity: rank) { index in
            index.initialize(repeating: 0)
            walk(range, index, inner, innerA, innerB, body)
        }
    }

    @inline(__always)
    private func walk(_ range: Range<Int>, _ index: UnsafeMutableBufferPointer<Int>, _ inner: Int,
                      _ innerA: Int, _ innerB: Int, _ body: (Int, Int, Int, Int) -> Void) {
        let rank = shape.count
        var aOff = 0, bOff = 0
        var row = range.lowerBound / inner
        for d in stride(from: rank - 2, through: 0, by: -1) {
            index[d] = row % shape[d]
            row /= shape[d]
            aOff += index[d] * aStrides[d]
            bOff += index[d] * bStrides[d]
        }
        var pos = range.lowerBound
        var j = pos % inner
        while pos < range.upperBound {
            let len = Swift.min(inner - j, range.upperBound - pos)
            body(aOff + j * innerA, bOff + j * innerB, pos, len)
            pos += len
            j = 0
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                aOff += aStrides[d]
                bOff += bStrides[d]
                if index[d] < shape[d] { break }
                aOff -= aStrides[d] * shape[d]
                bOff -= bStrides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}

/// How a binary kernel walks its operands: `flat` when each operand is either the whole output
/// shape or a single value (same shape, scalar operand: the common cases, set up without
/// allocating), else through a merged strided plan.
enum BroadcastLayout {
    case flat(count: Int, aStride: Int, bStride: Int)
    case strided(BroadcastPlan)

    init(outShape: [Int], aShape: [Int], bShape: [Int]) {
        let count = outShape.reduce(1, *)
        let ac = aShape.reduce(1, *), bc = bShape.reduce(1, *)
        // A broadcast-compatible operand with the output's element count has its layout too.
        if count > 0, ac == count || ac == 1, bc == count || bc == 1 {
            self = .flat(count: count, aStride: ac == count ? 1 : 0, bStride: bc == count ? 1 : 0)
        } else {
            self = .strided(BroadcastPlan(outShape: outShape, aShape: aShape, bShape: bShape))
        }
    }

    var count: Int {
        switch self {
        case let .flat(count, _, _): return count
        case let .strided(plan): return plan.count
        }
    }

    /// Strides of a and b along the innermost run (each 0 or 1).
    var innerStrides: (Int, Int) {
        switch self {
        case let .flat(_, sa, sb): return (sa, sb)
        case let .strided(plan): return (plan.aStrides[plan.shape.count - 1], plan.bStrides[plan.shape.count - 1])
        }
    }

    @inline(__always)
    func forEachRun(_ range: Range<Int>, _ body: (Int, Int, Int, Int) -> Void) {
        switch self {
        case let .flat(_, sa, sb): body(range.lowerBound * sa, range.lowerBound * sb, range.lowerBound, range.count)
        case let .strided(plan): plan.forEachRun(range, body)
        }
    }
}

enum BroadcastLoops {
    typealias Access = VectorIO.Access

    /// out[i] = F(a[i or 0], b[i or 0], g[i or 0]) for i in 0..<n.
    @inline(__always)
    static func run<F: LaneFunction, V: KernelVector, A: Access, B: Access, G: Access>(
        _: F.Type, _: V.Type, _: A.Type, _: B.Type, _: G.Type,
        _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ g: UnsafePointer<V.Scalar>,
        _ out: UnsafeMutablePointer<V.Scalar>, _ n: Int
    ) {
        let w = V.scalarCount
        var i = 0
        while i + 2 * w <= n {
            let r0: V = F.vector(A.vector(a, i), B.vector(b, i), G.vector(g, i))
            let r1: V = F.vector(A.vector(a, i + w), B.vector(b, i + w), G.vector(g, i + w))
            VectorIO.store(r0, out, i)
            VectorIO.store(r1, out, i + w)
            i += 2 * w
        }
        if i + w <= n {
            let r: V = F.vector(A.vector(a, i), B.vector(b, i), G.vector(g, i))
            VectorIO.store(r, out, i)
            i += w
        }
        while i < n {
            out[i] = F.scalar(A.scalar(a, i), B.scalar(b, i), G.scalar(g, i))
            i += 1
        }
    }

    /// Runs F over `plan` into the contiguous `out`. `g` (the output gradient, contiguous) is read
    /// only by gradient functions; forward calls pass any valid pointer.
    static func apply<F: LaneFunction, V: KernelVector>(
        _ f: F.Type, _ v: V.Type, _ plan: BroadcastLayout,
        _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ g: UnsafePointer<V.Scalar>,
        gradient: Bool, _ out: UnsafeMutablePointer<V.Scalar>, _ mode: KernelSplit.Mode
    ) {
        typealias C = VectorIO.Contiguous
        typealias R = VectorIO.Repeated
        let (sa, sb) = plan.innerStrides
        let pattern = (sa, sb, gradient)
        KernelSplit.run(mode, total: plan.count, align: V.scalarCount) { range in
            plan.forEachRun(range) { ao, bo, po, len in
                let (pa, pb, po2, pout) = (a + ao, b + bo, g + (gradient ? po : 0), out + po)
                switch pattern {
                case (1, 1, false): run(f, v, C.self, C.self, R.self, pa, pb, po2, pout, len)
                case (1, 0, false): run(f, v, C.self, R.self, R.self, pa, pb, po2, pout, len)
                case (0, 1, false): run(f, v, R.self, C.self, R.self, pa, pb, po2, pout, len)
                case (_, _, false): run(f, v, R.self, R.self, R.self, pa, pb, po2, pout, len)
                case (1, 1, true): run(f, v, C.self, C.self, C.self, pa, pb, po2, pout, len)
                case (1, 0, true): run(f, v, C.self, R.self, C.self, pa, pb, po2, pout, len)
                case (0, 1, true): run(f, v, R.self, C.self, C.self, pa, pb, po2, pout, len)
                case (_, _, true): run(f, v, R.self, R.self, C.self, pa, pb, po2, pout, len)
                }
            }
        }
    }

    static func forward<V: KernelVector>(_ op: BinaryOp, _ v: V.Type, _ plan: BroadcastLayout,
                                 _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
                                 _ out: UnsafeMutablePointer<V.Scalar>, _ mode: KernelSplit.Mode) {
        typealias L = BinaryLanes
        switch op {
        case .add: apply(L.Add.self, v, plan, a, b, a, gradient: false, out, mode)
        case .sub: apply(L.Sub.self, v, plan, a, b, a, gradient: false, out, mode)
        case .mul: apply(L.Mul.self, v, plan, a, b, a, gradient: false, out, mode)
        case .div: apply(L.Div.self, v, plan, a, b, a, gradient: false, out, mode)
        case .maximum: apply(L.Maximum.self, v, plan, a, b, a, gradient: false, out, mode)
        case .minimum: apply(L.Minimum.self, v, plan, a, b, a, gradient: false, out, mode)
        }
    }

    /// The elementwise (not yet reduced) gradient of one side of mul, div, maximum or minimum.
    static func gradient<V: KernelVector>(_ op: BinaryOp, sideA: Bool, _ v: V.Type, _ plan: BroadcastLayout,
                                  _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
                                  _ gy: UnsafePointer<V.Scalar>, _ out: UnsafeMutablePointer<V.Scalar>,
                                  _ mode: KernelSplit.Mode) {
        typealias L = BinaryLanes
        switch (op, sideA) {
        case (.mul, true): apply(L.MulGradA.self, v, plan, a, b, gy, gradient: true, out, mode)
        case (.mul, false): apply(L.MulGradB.self, v, plan, a, b, gy, gradient: true, out, mode)
        case (.div, true): apply(L.DivGradA.self, v, plan, a, b, gy, gradient: true, out, mode)
        case (.div, false): apply(L.DivGradB.self, v, plan, a, b, gy, gradient: true, out, mode)
        case (.maximum, true): apply(L.MaximumGradA.self, v, plan, a, b, gy, gradient: true, out, mode)
        case (.maximum, false): apply(L.MaximumGradB.self, v, plan, a, b, gy, gradient: true, out, mode)
        case (.minimum, true): apply(L.MinimumGradA.self, v, plan, a, b, gy, gradient: true, out, mode)
        case (.minimum, false): apply(L.MinimumGradB.self, v, plan, a, b, gy, gradient: true, out, mode)
        case (.add, _), (.sub, _): preconditionFailure("add and sub gradients need no elementwise pass")
        }
    }
}
