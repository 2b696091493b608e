import VecPlatform

// Turning a KernelVariant into a way to run (reference loop, one SIMD thread, or SIMD chunks on
// several threads) and cutting a range of work into chunks for Threading.parallelFor.

enum KernelSplit {
    enum Mode: Equatable {
        case scalar
        case simd
        /// SIMD chunks of at least `grain` work items on up to `threads` threads.
        case parallel(threads: Int, grain: Int)
    }

    /// `.naive` is a reference loop like `.scalar`; `.blas` has no library routine for these ops and
    /// runs as `.auto`. `.auto` goes parallel only from `threshold` work items up (measured per
    /// kernel, see the constants next to each kernel) and with chunks of `grain`; a forced
    /// `.parallel` splits even small work (chunks of `minGrain`) so that its overhead can be seen
    /// and its chunk boundaries tested.
    static func mode(_ variant: KernelVariant, work: Int, threshold: Int, grain: Int,
                     minGrain: Int, threads: Int?) -> Mode {
        // Read lazily: the task-local thread count costs more than a small kernel. Capped here,
        // not only in parallelFor, so that chunks are cut for the threads that will run them.
        var t: Int { Threading.usableThreads(threads ?? Threading.currentThreads) }
        switch variant {
        case .scalar, .naive:
            return .scalar
        case .simd:
            return .simd
        case .parallel:
            let n = t
            return n > 1 ? .parallel(threads: n, grain: minGrain) : .simd
        case .auto, .blas:
            guard work >= threshold else { return .simd }
            let n = t
            return n > 1 ? .parallel(threads: n, grain: grain) : .simd
        }
    }

    /// Runs body over 0..<total cut into ranges of at least `grain` items whose starts are
    /// multiples of `align` (full vectors stay full), on up to `threads` threads.
    static func forRanges(total: Int, grain: Int, threads: Int, align: Int = 1,
                          _ body: (Range<Int>) -> Void) {
        // The pool's caller never waits for a worker that has not taken a chunk, only for one
        // that has, so the chunks a job ends on set how long one thread idles at the end, most
        // of all when the cores are shared. Guided sizes (OpenMP's schedule: each chunk a
        // 1/(2 threads) share of what is left) start large and end at a quarter of an eighth per
        // thread, in about as many chunks as eight equal ones per thread.
        let chunks = Threading.chunkCount(total: total, grain: max(1, grain), threads: threads, perThread: 8)
        if chunks <= 1 {
            if total > 0 { body(0..<total) }
            return
        }
        let cuts = guidedCuts(total: total, least: max(grain, total / chunks / 4), threads: threads, align: align)
        Threading.parallelFor(cuts.count - 1, threads: threads) { c in
            body(cuts[c] ..< cuts[c + 1])
        }
    }

    /// Chunk boundaries over 0..<total in OpenMP's guided schedule: each chunk a 1/(2 threads)
    /// share of what is left, between `least` and `most` items, starts at multiples of `align`.
    /// Also the GEMM's block boundaries, in tiles (GemmDriver).
    static func guidedCuts(total: Int, least: Int = 1, most: Int = .max, threads: Int, align: Int = 1) -> [Int] {
        var cuts = [0], cut = 0
        while cut < total {
            let step = max(least, min(most, (total - cut) / (2 * threads)))
            cut = min(total, (cut + step + align - 1) / align * align)
            cuts.append(cut)
        }
        return cuts
    }

    /// Runs body over 0..<total on one thread (`.simd`) or in chunks (`.parallel`).
    static func run(_ mode: Mode, total: Int, align: Int = 1, _ body: (Range<Int>) -> Void) {
        if case let .parallel(threads, grain) = mode {
            forRanges(total: total, grain: grain, threads: threads, align: align, body)
        } else if total > 0 {
            body(0..<total)
        }
    }
}
