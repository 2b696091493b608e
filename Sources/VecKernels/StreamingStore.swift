import CVecShim
import Synchronization
import VecPlatform

// Outputs far larger than the caches are written with streaming stores. A normal store first
// reads the line into the cache (write-allocate) and later writes it back: for an elementwise
// loop over 8 MiB arrays that is one more memory stream than the data needs, and the lines it
// brings in push the inputs out of a last-level cache that other tenants share. A C loop of
// gx = gy * y over float64 arrays (2026-12-02, Zen 5, 32 MiB L3, one thread, median us, 4 rounds):
// 8 MiB per array 501-710 normal against 301-427 streaming, 16 MiB 982-1474 against 781-1135,
// 4 MiB 100-105 against 115-117 (there the output still fits, and streaming it out costs).
// PyTorch's CPU kernels store normally; glibc's memcpy streams above a size of the same order.

/// How a driver loop writes its output vectors: through the cache, or around it.
protocol VectorStore {
    static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>, _ i: Int)
    /// Makes the stores visible before the loop's chunk is reported done to other threads.
    static func fence()
}

enum CachedStore: VectorStore {
    @inline(__always)
    static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>, _ i: Int) { VectorIO.store(v, p, i) }
    @inline(__always)
    static func fence() {}
}

/// Non-temporal stores of whole 64-byte vectors (or two); p + i must be 64-byte aligned.
enum StreamingStore: VectorStore {
    @inline(__always)
    static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>, _ i: Int) {
        let q = UnsafeMutableRawPointer(p + i)
        if V.self == SIMD16<Float>.self {
            vg_stream_f32x16(q.assumingMemoryBound(to: Float.self), unsafeBitCast(v, to: SIMD16<Float>.self))
        } else if V.self == SIMD8<Double>.self {
            vg_stream_f64x8(q.assumingMemoryBound(to: Double.self), unsafeBitCast(v, to: SIMD8<Double>.self))
        } else if V.self == SIMD16<Double>.self {
            vg_stream_f64x16(q.assumingMemoryBound(to: Double.self), unsafeBitCast(v, to: SIMD16<Double>.self))
        } else {
            VectorIO.store(v, p, i)
        }
    }
    @inline(__always)
    static func fence() { vg_stream_fence() }
}

extension Elementwise {
    /// Output bytes per thread (per output buffer) from which the elementwise drivers stream
    /// their stores: a quarter of the last-level cache (8 MiB of a 32 MiB L3), 8 MiB where hwloc
    /// finds none. Per thread, as measured: float64 2^20 backwards (8 MiB outputs) ran 0.58-0.72x
    /// the time with streaming stores on one thread but 1.02-1.31x on two, where the two cores'
    /// caches kept the 24 MiB working set of the repeated calls; float32 2^24 ran 0.68-0.95x on
    /// both (`vecbench ab`, 5 rounds, median of the per-round ratios).
    public static var streamingStoreBytes: Int { streamingThreshold.load(ordering: .relaxed) }

    /// `streamingStoreBytes`; tests lower it to reach the streaming loops with small buffers
    /// (safe while other kernels run: both kinds of store write the same values).
    static let streamingThreshold = Atomic<Int>({
        let topology = try? Topology.load()
        return max(1 << 20, (topology?.cacheSize(level: 3) ?? (32 << 20)) / 4)
    }())

    /// Whether a loop writing `count` elements to each of `outputs`, split as `mode` says,
    /// streams them: `streamingStoreBytes` or more per thread, and each output 64-byte aligned
    /// (chunks start at multiples of 16 elements, so every full vector of a chunk is then aligned).
    static func streams<S>(_ count: Int, _ mode: KernelSplit.Mode, _ outputs: UnsafeMutablePointer<S>...) -> Bool {
        exceedsCaches(count, MemoryLayout<S>.stride, mode) && outputs.allSatisfy { Int(bitPattern: $0) % 64 == 0 }
    }

    /// Whether `count` elements of `bytes` each, split as `mode` says, are `streamingStoreBytes`
    /// or more per thread: the size from which an output stops fitting in its thread's share of
    /// the caches, whatever its alignment.
    static func exceedsCaches(_ count: Int, _ bytes: Int, _ mode: KernelSplit.Mode) -> Bool {
        var threads = 1
        if case let .parallel(n, _) = mode { threads = n }
        return count * bytes / threads >= streamingStoreBytes
    }
}
