import VecPlatform

// The stream form split along k: for one or two rows of S beside a short big dimension (a row of
// G of at most two pages, as in 1 x 1024 times 1024 x 1024), cutting the columns over threads
// leaves each thread pieces of G's rows shorter than the page the hardware prefetcher runs through
// (GemvStream.swift), and a late worker holds half of the product. Cut along k instead, every
// chunk streams whole rows of G into its own partial result, and the partial results are added in
// chunk order at the end. The chunks depend on k only, never on the thread count, so 1, 2 or 16
// threads give bitwise the same C (as the column split did).

extension Gemv {
    /// Rows of G per chunk of the split.
    static let kChunk = 256

    /// Whether `run` splits this product along k: the stream form (one or two rows of S), a big
    /// dimension of at most two 4 KiB pages, and at least two chunks of k.
    static func splitsK<T: KernelFloat>(_ s: SkinnyProduct<T>) -> Bool {
        s.form == .combine && s.small <= 2 && s.big * MemoryLayout<T>.stride <= 8192 && s.k >= 2 * kChunk
    }

    /// O = alpha * sum over chunks of S[:, chunk] G[chunk, :] + beta * O, chunk partial results in a
    /// temporary buffer (small x big per chunk), computed on up to `threads` threads.
    static func runSplitK<T: KernelFloat>(_ s: SkinnyProduct<T>, threads: Int) {
        let chunks = (s.k + kChunk - 1) / kChunk, size = s.small * s.big
        withUnsafeTemporaryAllocation(of: T.self, capacity: chunks * size) { buffer in
            let partial = buffer.baseAddress!
            Threading.parallelFor(chunks, threads: threads) { c in
                let k0 = c * kChunk
                var p = s
                p.g = s.g + k0 * s.ldg
                p.s = s.s + k0 * s.sq
                p.k = min(kChunk, s.k - k0)
                p.o = partial + c * size
                p.os = s.big
                p.or = 1
                p.alpha = 1
                p.beta = 0
                part(p, rows: 0..<s.small, big: 0..<s.big)
            }
            for t in 0..<s.small { addChunks(s, row: t, partial + t * s.big, chunks: chunks, stride: size) }
        }
    }

    /// Row t of O from the chunks' partial rows (added in chunk order), scaled by alpha, plus beta O.
    @inline(__always)
    static func addChunks<T: KernelFloat>(_ s: SkinnyProduct<T>, row t: Int, _ first: UnsafeMutablePointer<T>,
                                          chunks: Int, stride: Int) {
        let o = s.o + t * s.os, w = width(T.self)
        var r = 0
        if s.or == 1 && T.self == Float.self {
            // Contiguous output: sixteen columns at a time.
            let f = VectorIO.rebound(first, to: Float.self), of = VectorIO.rebound(o, to: Float.self)
            let alpha = Float(s.alpha), beta = Float(s.beta)
            while r + w <= s.big {
                var acc: SIMD16<Float> = VectorIO.load(f, r)
                for c in 1..<chunks { acc += VectorIO.load(f + c * stride, r) as SIMD16<Float> }
                let y = alpha * acc
                VectorIO.store(beta == 0 ? y : y.addingProduct(SIMD16(repeating: beta), VectorIO.load(of, r) as SIMD16<Float>), of, r)
                r += w
            }
        }
        while r < s.big {
            var acc = first[r]
            for c in 1..<chunks { acc += first[c * stride + r] }
            let d = o + r * s.or
            d.pointee = s.beta == 0 ? s.alpha * acc : s.alpha * acc + s.beta * d.pointee
            r += 1
        }
    }
}
