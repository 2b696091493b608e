// Copying a strided view (transpose, expand, slice) into contiguous memory. Elements are moved as
// raw 4- or 8-byte words, so one specialisation serves Float and Int32-sized data alike.

enum StridedCopy {
    /// Elements from which the copy is split over threads: a copy is bandwidth-bound like an add,
    /// so Broadcast's measured threshold applies.
    static var parallelThreshold: Int { Broadcast.parallelThreshold }
    /// Side of the square tiles a transposing copy walks, so that source and destination lines are
    /// both reused from L1 (16 x 16 floats = 16 lines of each).
    static let tile = 16

    static func run<E>(_ src: UnsafePointer<E>, shape: [Int], strides: [Int],
                       _ dst: UnsafeMutablePointer<E>, threads: Int?) {
        precondition(shape.count == strides.count, "copyStrided: \(shape.count) dims but \(strides.count) strides")
        let plan = BroadcastPlan(shape: shape, aStrides: strides,
                                 bStrides: [Int](repeating: 0, count: shape.count))
        guard plan.count > 0 else { return }
        let mode = KernelSplit.mode(.auto, work: plan.count, threshold: parallelThreshold,
                                    grain: Broadcast.parallelGrain, minGrain: 64, threads: threads)
        let rank = plan.shape.count
        let inner = plan.aStrides[rank - 1]
        if rank >= 2, inner != 1, inner != 0 {
            return transposing(src, plan: plan, dst, mode: mode)
        }
        KernelSplit.run(mode, total: plan.count) { range in
            plan.forEachRun(range) { ao, _, po, len in
                switch inner {
                case 1: (dst + po).update(from: src + ao, count: len)
                case 0: (dst + po).update(repeating: src[ao], count: len)
                default: for j in 0..<len { dst[po + j] = src[ao + j * inner] }
                }
            }
        }
    }

    /// The last two dims [p, q] walked in tiles: a plain loop reading with a large inner stride
    /// touches a new source line per element and evicts it before its neighbours are read.
    private static func transposing<E>(_ src: UnsafePointer<E>, plan: BroadcastPlan,
                                       _ dst: UnsafeMutablePointer<E>, mode: KernelSplit.Mode) {
        let rank = plan.shape.count
        let p = plan.shape[rank - 2], q = plan.shape[rank - 1]
        let sp = plan.aStrides[rank - 2], sq = plan.aStrides[rank - 1]
        let outerShape = Array(plan.shape[..<(rank - 2)])
        let outerStrides = Array(plan.aStrides[..<(rank - 2)])
        let rowTiles = (p + tile - 1) / tile
        let units = outerShape.reduce(1, *) * rowTiles
        let perUnit = tile * q
        var unitMode = mode
        if case let .parallel(threads, grain) = mode {
            unitMode = .parallel(threads: threads, grain: Swift.max(1, grain / perUnit))
        }
        KernelSplit.run(unitMode, total: units) { range in
            for unit in range {
                var rest = unit / rowTiles
                var base = 0
                for d in stride(from: outerShape.count - 1, through: 0, by: -1) {
                    base += (rest % outerShape[d]) * outerStrides[d]
                    rest /= outerShape[d]
                }
                let i0 = (unit % rowTiles) * tile
                let i1 = Swift.min(p, i0 + tile)
                let out = dst + (unit / rowTiles) * p * q
                var j0 = 0
                while j0 < q {
                    let j1 = Swift.min(q, j0 + tile)
                    for i in i0..<i1 {
                        let s = src + base + i * sp
                        let d = out + i * q
                        for j in j0..<j1 { d[j] = s[j * sq] }
                    }
                    j0 = j1
                }
            }
        }
    }
}
