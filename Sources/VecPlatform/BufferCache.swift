import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Large buffers (tensor data, GEMM packing workspaces) are kept for reuse instead of going back to
// malloc.
//
// Why: a training step frees and re-allocates the same activation and gradient sizes every step.
// Through glibc malloc, blocks of a few MB first come from mmap, and each free of an mmapped block
// raises glibc's dynamic mmap threshold, after which the same sizes come from the heap, whose
// freed pieces fragment and are not returned: the MLP of `make train` grew its peak resident memory
// by 56 MB, against 23 MB of tensors live at once, and every matrix product allocated a fresh
// 4.5 MB packing workspace. Freed blocks of exactly the size asked again are the common case, so a
// per-size free list (PyTorch's CUDA caching allocator does the same per size class) keeps the
// footprint near the live set and skips the page faults of fresh memory (mapping every block anew
// made the MLP's step ~20% slower).

/// The reuse pool behind every tensor buffer of `BufferCache.minimumBytes` or more and the GEMM
/// packing workspaces: page-aligned blocks mapped with mmap (those of `hugePageBytes` or more
/// aligned to it and backed by transparent huge pages where the kernel allows), kept on a per-size
/// free list when freed, and unmapped when the pool holds more than `limitBytes` (least recently
/// freed first) or on `emptyCache()`. Thread-safe. Mirrors what PyTorch's caching allocator and
/// `torch.cuda.empty_cache()` do for CUDA memory; PyTorch's CPU allocator has no such pool.
public enum BufferCache {
    /// Tensor buffers below this size (bytes) live inside their Storage object and go to malloc.
    public static let minimumBytes = 128 << 10

    /// The free blocks, the order they were freed in (for eviction) and their total size.
    struct State {
        var free: [Int: [UnsafeMutableRawPointer]] = [:]
        var order: [(bytes: Int, block: UnsafeMutableRawPointer)] = []
        var cachedBytes = 0
        var limitBytes = 256 << 20
        var hits = 0
        var misses = 0
        var usesHugePages = true
    }

    private static let state = Mutex(State())

    private static let pageSize = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)

    /// The most bytes of free blocks kept for reuse (256 MiB by default). Lowering it unmaps the
    /// oldest free blocks at once; 0 turns reuse off (every large buffer is unmapped when freed).
    public static var limitBytes: Int {
        get { state.withLock { $0.limitBytes } }
        set { state.withLock { s in s.limitBytes = max(0, newValue); evict(&s) } }
    }

    /// Bytes held in free blocks now (resident memory that no tensor uses).
    public static var cachedBytes: Int { state.withLock { $0.cachedBytes } }

    /// Free blocks of exactly `blockBytes` bytes held now.
    public static func cachedBlockCount(blockBytes bytes: Int) -> Int { state.withLock { $0.free[bytes]?.count ?? 0 } }

    /// Allocations served from the pool and those that had to map new memory, since the start.
    public static var reuseCounts: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }

    /// Unmaps every free block (live tensors keep theirs), as `torch.cuda.empty_cache()` does.
    public static func emptyCache() {
        state.withLock { s in
            let keep = s.limitBytes
            s.limitBytes = 0
            evict(&s)
            s.limitBytes = keep
        }
    }

    /// The size a request is rounded up to: whole pages, so that equal-sized tensors share a list.
    public static func blockBytes(for byteCount: Int) -> Int {
        let (padded, overflow) = byteCount.addingReportingOverflow(pageSize - 1)
        return overflow ? byteCount : padded / pageSize * pageSize
    }

    /// Memory for a buffer of `byteCount` bytes when it belongs in the pool (`minimumBytes` or
    /// more) and the system has it: a page-aligned block and the size to `give` it back with. nil
    /// otherwise: the caller allocates with malloc as before.
    public static func take(atLeast byteCount: Int) -> (block: UnsafeMutableRawPointer, blockBytes: Int)? {
        guard byteCount >= minimumBytes else { return nil }
        let bytes = blockBytes(for: byteCount)
        return take(blockBytes: bytes).map { ($0, bytes) }
    }

    /// A page-aligned block of `bytes` bytes (a `blockBytes(for:)` size), or nil when the system
    /// has no memory (the caller falls back to malloc). Its contents are undefined.
    public static func take(blockBytes bytes: Int) -> UnsafeMutableRawPointer? {
        let reused: UnsafeMutableRawPointer? = state.withLock { s in
            guard var list = s.free[bytes], let block = list.popLast() else {
                s.misses += 1
                return nil
            }
            s.free[bytes] = list.isEmpty ? nil : list
            s.cachedBytes -= bytes
            if let i = s.order.lastIndex(where: { $0.block == block }) { s.order.remove(at: i) }
            s.hits += 1
            return block
        }
        if let reused { return reused }
        #if os(Linux)
        if bytes >= hugePageBytes {
            if usesHugePages { return mapHuge(bytes) }
            // Where THP is `always` the kernel would use huge pages anyway: off means off.
            guard let block = map(bytes) else { return nil }
            _ = madvise(block, bytes, MADV_NOHUGEPAGE)
            return block
        }
        #endif
        return map(bytes)
    }

    /// The transparent huge page size of x86-64 Linux and of arm64 Linux with 4 KiB base pages
    /// (2 MiB; arm64 kernels with 16 or 64 KiB pages use larger ones, and blocks there get what the
    /// kernel gives a 2 MiB-aligned range): blocks of this size or more are mapped at a multiple
    /// of it and marked for huge pages.
    public static let hugePageBytes = 2 << 20

    /// Whether blocks of `hugePageBytes` or more are mapped at a multiple of it and marked for
    /// transparent huge pages (madvise MADV_HUGEPAGE, what PyTorch's CPU allocator does with
    /// THP_MEM_ALLOC_ENABLE=1); false marks them MADV_NOHUGEPAGE instead (so that `always` in
    /// /sys/kernel/mm/transparent_hugepage/enabled does not bring huge pages back) and drops the
    /// alignment. On by default; affects blocks mapped after the change. Linux only: elsewhere
    /// every block is a plain page-aligned mmap either way. The kernel grants huge pages where
    /// that file says `always` or `madvise`; AnonHugePages in /proc/self/smaps_rollup shows how
    /// much of the process they back.
    ///
    /// Why: a memory-bound kernel over a few MB streams through thousands of 4 KiB pages, more
    /// than the second-level TLB holds (Zen 4: 3072 entries), so each new page costs a page walk.
    /// With huge pages, a C loop gx = gy * y over 2^20 float64 (24 MiB, L3-resident) took 5-15%
    /// less, and Vecgrad's 2-thread float64 backward rows at 2^20 about 14-18% less
    /// (docs/measurements.md, "Huge pages").
    public static var usesHugePages: Bool {
        get { state.withLock { $0.usesHugePages } }
        set { state.withLock { $0.usesHugePages = newValue } }
    }

    private static func map(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard let block = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              block != MAP_FAILED else { return nil }
        return block
    }

    #if os(Linux)
    /// Maps `bytes` + one huge page and unmaps the slack on both sides, so that the block starts
    /// on a huge page boundary (the kernel backs only aligned 2 MiB ranges with huge pages; an
    /// unaligned 8 MiB block would get three instead of four).
    private static func mapHuge(_ bytes: Int) -> UnsafeMutableRawPointer? {
        let span = bytes + hugePageBytes
        guard let raw = map(span) else { return map(bytes) }
        let head = (hugePageBytes - Int(bitPattern: raw) % hugePageBytes) % hugePageBytes
        let block = raw + head
        if head > 0 { munmap(raw, head) }
        munmap(block + bytes, span - head - bytes)
        _ = madvise(block, bytes, MADV_HUGEPAGE)   // refused (EINVAL) where the kernel has no THP: small pages then
        return block
    }
    #endif

    /// Takes back a block from `take(blockBytes:)`, with the size it was taken with.
    public static func give(_ block: UnsafeMutableRawPointer, blockBytes bytes: Int) {
        state.withLock { s in
            s.free[bytes, default: []].append(block)
            s.order.append((bytes, block))
            s.cachedBytes += bytes
            evict(&s)
        }
    }

    /// Unmaps the least recently freed blocks until the pool fits its limit.
    private static func evict(_ s: inout State) {
        var dropped = 0
        while s.cachedBytes > s.limitBytes, dropped < s.order.count {
            let (bytes, block) = s.order[dropped]
            dropped += 1
            if var list = s.free[bytes], let i = list.firstIndex(of: block) {
                list.remove(at: i)
                s.free[bytes] = list.isEmpty ? nil : list
            }
            s.cachedBytes -= bytes
            munmap(block, bytes)
        }
        s.order.removeFirst(dropped)
    }
}
