// Plain-loop references for the broadcasting kernels (variant `.scalar`): one element at a time,
// each operand index recomputed from the output index, gradients accumulated in float64. Simple
// enough to trust, and independent of the plan merging and chunking of the SIMD paths.

enum BroadcastReference {
    static func function<T: KernelFloat>(_ op: BinaryOp, _: T.Type) -> (T, T, T) -> T {
        typealias L = BinaryLanes
        switch op {
        case .add: return L.Add.scalar
        case .sub: return L.Sub.scalar
        case .mul: return L.Mul.scalar
        case .div: return L.Div.scalar
        case .maximum: return L.Maximum.scalar
        case .minimum: return L.Minimum.scalar
        }
    }

    static func gradient<T: KernelFloat>(_ op: BinaryOp, sideA: Bool, _: T.Type) -> (T, T, T) -> T {
        typealias L = BinaryLanes
        switch (op, sideA) {
        case (.add, _): return { _, _, g in g }
        case (.sub, true): return { _, _, g in g }
        case (.sub, false): return { _, _, g in -g }
        case (.mul, true): return L.MulGradA.scalar
        case (.mul, false): return L.MulGradB.scalar
        case (.div, true): return L.DivGradA.scalar
        case (.div, false): return L.DivGradB.scalar
        case (.maximum, true): return L.MaximumGradA.scalar
        case (.maximum, false): return L.MaximumGradB.scalar
        case (.minimum, true): return L.MinimumGradA.scalar
        case (.minimum, false): return L.MinimumGradB.scalar
        }
    }

    /// Calls body(outIndex, aIndex, bIndex) for every output element in row-major order.
    static func forEachIndex(outShape: [Int], aShape: [Int], bShape: [Int],
                             _ body: (Int, Int, Int) -> Void) {
        let count = outShape.reduce(1, *)
        guard count > 0 else { return }
        let sa = BroadcastPlan.strides(of: aShape, along: outShape)
        let sb = BroadcastPlan.strides(of: bShape, along: outShape)
        for i in 0..<count {
            var rest = i, ia = 0, ib = 0
            for d in stride(from: outShape.count - 1, through: 0, by: -1) {
                let k = rest % outShape[d]
                rest /= outShape[d]
                ia += k * sa[d]
                ib += k * sb[d]
            }
            body(i, ia, ib)
        }
    }

    static func binary<T: KernelFloat>(_ op: BinaryOp, _ a: UnsafePointer<T>, aShape: [Int],
                                       _ b: UnsafePointer<T>, bShape: [Int],
                                       _ out: UnsafeMutablePointer<T>, outShape: [Int]) {
        let f = function(op, T.self)
        forEachIndex(outShape: outShape, aShape: aShape, bShape: bShape) { i, ia, ib in
            out[i] = f(a[ia], b[ib], 0)
        }
    }

    static func binaryBackward<T: KernelFloat>(_ op: BinaryOp, a: UnsafePointer<T>, aShape: [Int],
                                               b: UnsafePointer<T>, bShape: [Int],
                                               gy: UnsafePointer<T>, outShape: [Int],
                                               ga: UnsafeMutablePointer<T>?,
                                               gb: UnsafeMutablePointer<T>?) {
        for (dst, shape, sideA) in [(ga, aShape, true), (gb, bShape, false)] {
            guard let dst else { continue }
            let f = gradient(op, sideA: sideA, T.self)
            var acc = [Double](repeating: 0, count: shape.reduce(1, *))
            forEachIndex(outShape: outShape, aShape: aShape, bShape: bShape) { i, ia, ib in
                acc[sideA ? ia : ib] += Double(f(a[ia], b[ib], gy[i]))
            }
            for k in acc.indices { dst[k] = T(acc[k]) }
        }
    }

    /// dst[j] = sum of src over the dims where `to` (right-aligned) is 1 and `from` is not.
    static func sumToShape<T: KernelFloat>(_ src: UnsafePointer<T>, from: [Int],
                                           _ dst: UnsafeMutablePointer<T>, to: [Int]) {
        var acc = [Double](repeating: 0, count: to.reduce(1, *))
        forEachIndex(outShape: from, aShape: to, bShape: []) { i, it, _ in
            acc[it] += Double(src[i])
        }
        for k in acc.indices { dst[k] = T(acc[k]) }
    }
}
