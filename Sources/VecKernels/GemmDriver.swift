import VecPlatform

// The loops around the micro-kernel (BLIS order, see GemmBlocking), the split of one product over
// threads, and the batch loop.

/// Packing buffers of one thread, reused across the blocks of a product and across batch members.
final class GemmWorkspace<T: KernelFloat> {
    let blocking: GemmBlocking
    private(set) var capacity = 0
    private(set) var buffer: UnsafeMutablePointer<T>

    /// BufferCache block size behind `buffer` (0: a malloc'd one).
    private var bufferBytes = 0
    /// Extra buffers by slot, each with its element count and BufferCache block size.
    private var sides: [(pointer: UnsafeMutablePointer<T>, count: Int, blockBytes: Int)] = []

    init(blocking: GemmBlocking = .current(T.self)) {
        self.blocking = blocking
        buffer = .allocate(capacity: 0)
    }

    /// Memory for `count` elements, 64-byte aligned: from BufferCache (with its block size) when
    /// the pool has it, else from malloc (size 0). A workspace is made per product, so without the
    /// pool each call faulted in (or fragmented the heap with) megabytes of fresh packing memory.
    private static func obtain(_ count: Int) -> (UnsafeMutablePointer<T>, Int) {
        if let (block, bytes) = BufferCache.take(atLeast: count * MemoryLayout<T>.stride) {
            return (block.bindMemory(to: T.self, capacity: count), bytes)
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride, alignment: 64)
        return (raw.bindMemory(to: T.self, capacity: count), 0)
    }

    private static func release(_ p: UnsafeMutablePointer<T>, bytes: Int) {
        if bytes > 0 { BufferCache.give(UnsafeMutableRawPointer(p), blockBytes: bytes) } else { p.deallocate() }
    }

    convenience init(for p: GemmProblem<T>) {
        self.init()
        _ = buffers(rows: p.m, cols: p.n, k: p.k)
    }

    deinit {
        Self.release(buffer, bytes: bufferBytes)
        for s in sides { Self.release(s.pointer, bytes: s.blockBytes) }
    }

    /// Extra buffer `slot` (0: the direct path's copy of B^T, 1 and 2: its padded edge strip) of
    /// at least `count` elements.
    func side(_ slot: Int, count: Int) -> UnsafeMutablePointer<T> {
        while sides.count <= slot { sides.append((.allocate(capacity: 0), 0, 0)) }
        if sides[slot].count < count {
            Self.release(sides[slot].pointer, bytes: sides[slot].blockBytes)
            let (p, bytes) = Self.obtain(max(count, 256))
            sides[slot] = (p, max(count, 256), bytes)
        }
        return sides[slot].pointer
    }

    /// (A block, B panel, edge-tile scratch) big enough for a rows x cols x k product.
    func buffers(rows: Int, cols: Int, k: Int) -> (a: UnsafeMutablePointer<T>, b: UnsafeMutablePointer<T>,
                                                   scratch: UnsafeMutablePointer<T>) {
        let bl = blocking
        let kc = min(bl.kc, max(1, k))
        let aSize = min(bl.mc, roundUp(rows, bl.mr)) * kc
        let bSize = min(bl.nc, roundUp(cols, bl.nr)) * kc
        // 64-byte aligned sub-buffers (16 floats / 8 doubles).
        let pad = 64 / MemoryLayout<T>.stride
        let need = roundUp(aSize, pad) + roundUp(bSize, pad) + bl.mr * bl.nr + 2 * pad
        if need > capacity {
            Self.release(buffer, bytes: bufferBytes)
            (buffer, bufferBytes) = Self.obtain(need)
            capacity = need
        }
        let a = buffer
        let b = a + roundUp(aSize, pad)
        return (a, b, b + roundUp(bSize, pad))
    }
}

@inline(__always) func roundUp(_ x: Int, _ to: Int) -> Int { (x + to - 1) / to * to }

enum GemmDriver {

    /// Rows `rows` x columns `cols` of C on the calling thread, packed BLIS loops.
    static func packed<T: KernelFloat>(_ p: GemmProblem<T>, rows: Range<Int>, cols: Range<Int>,
                                       workspace ws: GemmWorkspace<T>) {
        if rows.isEmpty || cols.isEmpty { return }
        let bl = ws.blocking
        let buf = ws.buffers(rows: rows.count, cols: cols.count, k: p.k)
        for jc in stride(from: cols.lowerBound, to: cols.upperBound, by: bl.nc) {
            let nb = min(bl.nc, cols.upperBound - jc)
            for pc in stride(from: 0, to: p.k, by: bl.kc) {
                let kb = min(bl.kc, p.k - pc)
                GemmPacking.packB(trans: p.transB, p.bAt(pc, jc), ldb: p.ldb, kc: kb, cols: nb, nr: bl.nr, into: buf.b)
                let beta = pc == 0 ? p.beta : 1
                for ic in stride(from: rows.lowerBound, to: rows.upperBound, by: bl.mc) {
                    let mb = min(bl.mc, rows.upperBound - ic)
                    GemmPacking.packA(trans: p.transA, p.aAt(ic, pc), lda: p.lda, rows: mb, kc: kb, mr: bl.mr, into: buf.a)
                    macro(mb, nb, kb, buf.a, buf.b, p.c + ic * p.ldc + jc, p.ldc, p.alpha, beta,
                          mr: bl.mr, nr: bl.nr, scratch: buf.scratch)
                }
            }
        }
    }

    /// The two innermost loops over packed blocks: the kb x nr B micro-panel stays in L1 while
    /// the A micro-panels of the block stream past it.
    @inline(__always)
    static func macro<T: KernelFloat>(_ mb: Int, _ nb: Int, _ kb: Int, _ a: UnsafeMutablePointer<T>,
                                      _ b: UnsafeMutablePointer<T>, _ c: UnsafeMutablePointer<T>, _ ldc: Int,
                                      _ alpha: T, _ beta: T, mr: Int, nr: Int, scratch: UnsafeMutablePointer<T>) {
        var jr = 0
        while jr < nb {
            let cols = min(nr, nb - jr)
            let bp = b + jr * kb
            var ir = 0
            while ir < mb {
                GemmMicroKernel.run(kb, a + ir * kb, bp, c + ir * ldc + jr, ldc, rows: min(mr, mb - ir),
                                    cols: cols, alpha: alpha, beta: beta, nr: nr, scratch: scratch)
                ir += mr
            }
            jr += nr
        }
    }

    /// One product over `threads` threads: on the direct path C cut into blocks of whole
    /// micro-tiles, a few per thread, each running the direct loops on its own (no barrier); on
    /// the packed path from `sharedPanelsFrom` multiply-adds `sharedPanels` (one job to pack each B
    /// panel, one for the row blocks), below it one rectangle per thread, each packing for itself.
    static func parallel<T: KernelFloat>(_ p: GemmProblem<T>, threads: Int) {
        if Gemv.suits(p) { return Gemv.gemm(p, threads: threads) }
        let direct = SmallMatrix.suits(m: p.m, n: p.n, k: p.k, elementSize: MemoryLayout<T>.stride)
        let bl = GemmBlocking.current(T.self)
        let (mr, nr) = direct ? (SmallMatrix.rows, SmallMatrix.columns(T.self)) : (bl.mr, bl.nr)
        if !direct && threads > 1 && p.m * p.n * p.k >= sharedPanelsFrom { return sharedPanels(p, threads: threads) }
        let cuts: (rows: [Int], cols: [Int])
        if direct {
            cuts = directCuts(m: p.m, n: p.n, threads: threads, mr: mr, nr: nr, transposingB: p.transB)
        } else {
            let (gm, gn) = grid(m: p.m, n: p.n, k: p.k, threads: threads, mr: mr, nr: nr,
                                transposingA: !p.transA, transposingB: p.transB)
            cuts = (evenCuts((p.m + mr - 1) / mr, gm), evenCuts((p.n + nr - 1) / nr, gn))
        }
        let gn = cuts.cols.count - 1
        Threading.parallelFor((cuts.rows.count - 1) * gn, threads: threads) { task in
            let (ti, tj) = (task / gn, task % gn)
            let rows = min(p.m, cuts.rows[ti] * mr) ..< min(p.m, cuts.rows[ti + 1] * mr)
            let cols = min(p.n, cuts.cols[tj] * nr) ..< min(p.n, cuts.cols[tj + 1] * nr)
            if rows.isEmpty || cols.isEmpty { return }
            if direct {
                SmallMatrix.gemm(p.sub(rows: rows, cols: cols), scratch: nil)
            } else {
                packed(p, rows: rows, cols: cols, workspace: GemmWorkspace())
            }
        }
    }

    /// The direct path's split: about `tasksPerThread` blocks per thread. The pool's threads take
    /// blocks from a shared counter, so a worker that starts late (a wake-up, another process on
    /// its CPU) costs the blocks the caller takes over instead of the whole of its half: with one
    /// block per thread, 256^3 on 2 threads ran 1.6-1.8x one thread where it computes 2x
    /// (docs/measurements.md, "GEMM on two threads and the direct path's reach"). The direct path
    /// re-reads its operands per 32-column strip anyway, so smaller blocks add no traffic, except
    /// that a block with op(B) = B^T copies its columns of B: those are cut by columns first (B
    /// copied once in all), the others by rows. Blocks keep whole micro-tiles.
    static func directGrid(m: Int, n: Int, threads: Int, mr: Int, nr: Int, transposingB: Bool) -> (Int, Int) {
        let tilesM = (m + mr - 1) / mr, tilesN = (n + nr - 1) / nr
        let tasks = min(tilesM * tilesN, tasksPerThread * threads)
        if transposingB {
            let gn = min(tilesN, tasks)
            return (min(tilesM, max(1, tasks / gn)), gn)
        }
        let gm = min(tilesM, tasks)
        return (gm, min(tilesN, max(1, tasks / gm)))
    }

    /// Multiply-adds from which the parallel packed path shares its B panels (256^3). Below it
    /// (AVX2 builds take the packed path from 64^3 up) one rectangle per thread is kept: sharing
    /// the packing in one job cost 128^3 on 2 threads 67.4 -> 77.9 us on the Zen 1 EPYC
    /// (docs/measurements.md, "Table lookups and small products on the Zen 1 EPYC").
    static let sharedPanelsFrom = 1 << 24

    /// The packed loops on several threads around one shared B panel: per (jc, pc) block the
    /// threads pack the kb x nb panel together (column strips of whole micro-panels), then take
    /// row blocks of at most mc rows in guided sizes (`KernelSplit.guidedCuts` over mr-row tiles), each
    /// packing its own A block. No thread packs B twice, and the last blocks are one tile, so a
    /// thread waits for the other's last block for a tile's time: with one rectangle per thread,
    /// each packing B for itself, 256x784 @ 784x256 ran 1.5x one thread on 2.
    static func sharedPanels<T: KernelFloat>(_ p: GemmProblem<T>, threads: Int) {
        let bl = GemmBlocking.current(T.self)
        let shared = GemmWorkspace<T>()
        let panel = shared.side(0, count: min(bl.nc, roundUp(p.n, bl.nr)) * min(bl.kc, p.k))
        let rowCuts = KernelSplit.guidedCuts(total: (p.m + bl.mr - 1) / bl.mr, most: bl.mc / bl.mr, threads: threads)
        // The workspace owns the panel's memory: kept alive until the last block has read it.
        defer { withExtendedLifetime(shared) {} }
        for jc in stride(from: 0, to: p.n, by: bl.nc) {
            let nb = min(bl.nc, p.n - jc)
            let strips = min((nb + bl.nr - 1) / bl.nr, 2 * threads)
            let panels = (nb + bl.nr - 1) / bl.nr
            for pc in stride(from: 0, to: p.k, by: bl.kc) {
                let kb = min(bl.kc, p.k - pc)
                Threading.parallelFor(strips, threads: threads) { s in
                    let c0 = s * panels / strips * bl.nr, c1 = min(nb, (s + 1) * panels / strips * bl.nr)
                    if c0 < c1 {
                        GemmPacking.packB(trans: p.transB, p.bAt(pc, jc + c0), ldb: p.ldb, kc: kb, cols: c1 - c0,
                                          nr: bl.nr, into: panel + c0 * kb)
                    }
                }
                let beta = pc == 0 ? p.beta : 1
                Threading.parallelFor(rowCuts.count - 1, threads: threads) { task in
                    let r0 = rowCuts[task] * bl.mr, r1 = min(p.m, rowCuts[task + 1] * bl.mr)
                    let ws = GemmWorkspace<T>()
                    let buf = ws.buffers(rows: r1 - r0, cols: 1, k: kb)
                    GemmPacking.packA(trans: p.transA, p.aAt(r0, pc), lda: p.lda, rows: r1 - r0, kc: kb, mr: bl.mr,
                                      into: buf.a)
                    macro(r1 - r0, nb, kb, buf.a, panel, p.c + r0 * p.ldc + jc, p.ldc,
                          p.alpha, beta, mr: bl.mr, nr: bl.nr, scratch: buf.scratch)
                }
            }
        }
    }

    /// The direct path's blocks as tile boundaries along rows and columns: `directGrid`'s split,
    /// except that a split along one dimension only is cut in guided sizes, each block a
    /// 1/(2 threads) share of the tiles still uncut, down to one tile. Threads take blocks in
    /// order, so they finish on one-tile blocks, and the wait for the other thread's last block
    /// is a tile's time, not half of an eighth of the product: with eight equal blocks 256^3 ran
    /// 1.74-1.75x one thread on 2 threads, where its blocks cost the same per multiply-add
    /// (docs/measurements.md, "GEMM on two threads and the direct path's reach").
    static func directCuts(m: Int, n: Int, threads: Int, mr: Int, nr: Int,
                           transposingB: Bool) -> (rows: [Int], cols: [Int]) {
        let tilesM = (m + mr - 1) / mr, tilesN = (n + nr - 1) / nr
        let (gm, gn) = directGrid(m: m, n: n, threads: threads, mr: mr, nr: nr, transposingB: transposingB)
        if gn == 1 && gm > 1 { return (KernelSplit.guidedCuts(total: tilesM, threads: threads), [0, tilesN]) }
        if gm == 1 && gn > 1 { return ([0, tilesM], KernelSplit.guidedCuts(total: tilesN, threads: threads)) }
        return (evenCuts(tilesM, gm), evenCuts(tilesN, gn))
    }

    /// Boundaries of `parts` blocks of nearly equal numbers of tiles.
    static func evenCuts(_ tiles: Int, _ parts: Int) -> [Int] {
        (0...parts).map { $0 * tiles / parts }
    }

    /// Blocks per thread on the direct path (see `directGrid`).
    static let tasksPerThread = 4

    /// The gm x gn split (gm * gn <= threads) with the least time per thread: its share of the
    /// multiply-adds at 32 per cycle plus what it packs (a transposing pack costs about twice a copy).
    static func grid(m: Int, n: Int, k: Int, threads: Int, mr: Int, nr: Int,
                     transposingA: Bool, transposingB: Bool) -> (Int, Int) {
        let tilesM = (m + mr - 1) / mr, tilesN = (n + nr - 1) / nr
        let t = max(1, min(threads, tilesM * tilesN))
        let costA = transposingA ? 0.5 : 0.25, costB = transposingB ? 0.5 : 0.25
        var best = (1, 1), bestCost = Double.infinity
        for gm in 1...t where t % gm == 0 {
            let gn = t / gm
            if gm > tilesM || gn > tilesN { continue }
            let rows = Double((tilesM + gm - 1) / gm * mr), cols = Double((tilesN + gn - 1) / gn * nr)
            let cost = rows * cols * Double(k) / 32 + (rows * costA + cols * costB) * Double(k)
            if cost < bestCost { (best, bestCost) = ((gm, gn), cost) }
        }
        if bestCost.isInfinite { return tilesM >= tilesN ? (min(t, tilesM), 1) : (1, min(t, tilesN)) }
        return best
    }
}

enum GemmBatch {
    /// Batch indices sorted by C offset and cut into groups of equal offset, or nil when the
    /// offsets are strictly increasing (the usual case: one group per batch, nothing to allocate).
    /// Members of a group run in order on one thread, the first with beta, the others accumulating.
    static func groups(_ cOffsets: [Int]) -> (order: [Int], ranges: [Range<Int>])? {
        var increasing = true
        for i in cOffsets.indices.dropFirst() where cOffsets[i] <= cOffsets[i - 1] { increasing = false; break }
        if increasing { return nil }
        let order = cOffsets.indices.sorted { (cOffsets[$0], $0) < (cOffsets[$1], $1) }
        var ranges: [Range<Int>] = []
        var start = 0
        for i in 1...order.count where i == order.count || cOffsets[order[i]] != cOffsets[order[start]] {
            ranges.append(start..<i)
            start = i
        }
        return (order, ranges)
    }

    static func run<T: KernelFloat>(_ base: GemmProblem<T>, aOffsets: [Int], bOffsets: [Int], cOffsets: [Int],
                                    variant: KernelVariant, threads: Int) {
        let sorted = groups(cOffsets)
        let g = sorted?.ranges.count ?? cOffsets.count
        // Groups spread over the threads, or, with few large groups (and always for OpenBLAS, which
        // threads inside each call), each product on all threads in turn.
        let splitGroups = threads > 1 && variant != .blas
            && (g % threads == 0 || g >= 8 * threads || base.m * base.n * base.k < Gemm.parallelThreshold)
        let inner = splitGroups ? 1 : threads
        // A few chunks per thread, as for one product's blocks: a late worker costs only the chunks
        // the caller takes over.
        let chunks = splitGroups ? min(g, GemmDriver.tasksPerThread * threads) : 1
        // Skinny members go through `one` (Gemm.single and parallel route them to Gemv).
        let small = inner == 1 && variant != .naive && variant != .scalar && variant != .blas && !Gemv.suits(base)
            && SmallMatrix.suits(m: base.m, n: base.n, k: base.k, elementSize: MemoryLayout<T>.stride)
        Threading.parallelFor(chunks, threads: threads) { chunk in
            let ws = GemmWorkspace<T>()
            @inline(__always) func member(_ i: Int, first: Bool) {
                let p = base.offset(a: aOffsets[i], b: bOffsets[i], c: cOffsets[i], beta: first ? base.beta : 1)
                if small {
                    SmallMatrix.gemm(p, scratch: ws)
                } else {
                    one(p, variant: variant, threads: inner, workspace: ws)
                }
            }
            let range = (chunk * g / chunks)..<((chunk + 1) * g / chunks)
            if small && sorted == nil {
                return SmallMatrix.batch(base, aOffsets: aOffsets, bOffsets: bOffsets, cOffsets: cOffsets,
                                         range: range, scratch: ws)
            }
            for gi in range {
                if let sorted {
                    for slot in sorted.ranges[gi] { member(sorted.order[slot], first: slot == sorted.ranges[gi].lowerBound) }
                } else {
                    member(gi, first: true)
                }
            }
        }
    }

    /// One member product with the batch's variant.
    @inline(__always)
    static func one<T: KernelFloat>(_ p: GemmProblem<T>, variant: KernelVariant, threads: Int, workspace: GemmWorkspace<T>) {
        if variant == .blas {
            return Blas.gemm(transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k, alpha: p.alpha, p.a, lda: p.lda,
                             p.b, ldb: p.ldb, beta: p.beta, p.c, ldc: p.ldc, threads: threads)
        }
        if p.alpha == 0 || p.k == 0 { return Gemm.scale(p.c, ldc: p.ldc, m: p.m, n: p.n, beta: p.beta) }
        switch variant {
        case .naive, .scalar: Gemm.naive(p)
        default: threads > 1 ? GemmDriver.parallel(p, threads: threads) : Gemm.single(p, workspace: workspace)
        }
    }
}
