import Synchronization
import VecPlatform
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The memory behind one or more tensors (a tensor and its zero-copy views share one Storage).

/// Header of a Storage: where the aligned data starts, and PyTorch's version counter.
struct StorageHeader {
    /// First byte of the data, 64-byte aligned.
    var base: UnsafeMutableRawPointer
    /// Number of in-place modifications (shared by all views of this storage, as in PyTorch).
    var version: Int
    /// Size of the BufferCache block behind `base`; 0 when the data is in the object's tail.
    var blockBytes: Int = 0
}

/// A 64-byte aligned buffer (one cache line, one zmm register: SIMD kernels never straddle a line
/// at the start of a tensor) plus the version counter bumped by every in-place write, so that
/// backward can refuse to use a saved tensor that was modified after it was saved.
///
/// Small data lives in the object's own tail allocation (ManagedBuffer, padded by 63 bytes and
/// aligned by hand) rather than in a separate posix_memalign block: one malloc per tensor instead
/// of two, and no memalign fragmentation. On tiny tensors that halved the allocator's share of an
/// op's autograd overhead. Data of `BufferCache.minimumBytes` or more comes from BufferCache's
/// reuse pool and goes back to it in deinit.
final class Storage: ManagedBuffer<StorageHeader, UInt8> {
    static func allocate(byteCount: Int) -> Storage {
        StorageAllocations.note(byteCount: byteCount)
        if let (block, bytes) = BufferCache.take(atLeast: byteCount) {
            let buffer = Storage.create(minimumCapacity: 0) { _ in StorageHeader(base: block, version: 0, blockBytes: bytes) }
            return unsafeDowncast(buffer, to: Storage.self)
        }
        let buffer = Storage.create(minimumCapacity: byteCount + 63) { buffer in
            let tail = buffer.withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0) }
            let aligned = (Int(bitPattern: tail) + 63) & ~63
            return StorageHeader(base: UnsafeMutableRawPointer(bitPattern: aligned)!, version: 0)
        }
        return unsafeDowncast(buffer, to: Storage.self)
    }

    /// Throws `outOfMemory` when `byteCount` cannot be allocated: ManagedBuffer stops the process
    /// when malloc fails, so large requests are tried with malloc first (small ones always succeed
    /// or the process is lost anyway). More than the machine's RAM is refused outright: with
    /// overcommit on, malloc would succeed and filling the tensor would bring in the OOM killer.
    static func checkAllocatable(byteCount: Int) throws {
        guard byteCount >= 1 << 30 else { return }
        let physical = sysconf(Int32(_SC_PHYS_PAGES)).multipliedReportingOverflow(by: sysconf(Int32(_SC_PAGESIZE)))
        let (padded, overflow) = byteCount.addingReportingOverflow(63)
        guard !overflow, physical.overflow || physical.partialValue <= 0 || byteCount <= physical.partialValue,
              let probe = malloc(padded) else { throw TensorError.outOfMemory(bytes: byteCount) }
        free(probe)
    }

    deinit {
        let (base, bytes) = withUnsafeMutablePointerToHeader { ($0.pointee.base, $0.pointee.blockBytes) }
        if bytes > 0 { BufferCache.give(base, blockBytes: bytes) }
    }

    // Through the header pointer rather than `header`: a class's stored var gets a dynamic
    // exclusivity check (swift_beginAccess) on every access, which showed up as ~4% of an op.

    /// First byte of the data (stable for the object's lifetime: a class instance never moves).
    @inline(__always) var base: UnsafeMutableRawPointer {
        withUnsafeMutablePointerToHeader { $0.pointee.base }
    }

    var version: Int {
        @inline(__always) get { withUnsafeMutablePointerToHeader { $0.pointee.version } }
        set { withUnsafeMutablePointerToHeader { $0.pointee.version = newValue } }
    }
}

/// How many tensor storages (and bytes of tensor data) are allocated: the count behind
/// `vecbench run`'s allocs_per_call column and the tests that pin an op's allocations (`a + b`
/// forward: 1). Every Storage counts; views share theirs and count nothing; the kernels' own
/// scratch buffers are not Storages and are not counted.
public enum StorageAllocations {
    /// A reading of the counters; subtract two to get what happened in between.
    public struct Snapshot: Equatable, Sendable {
        /// Storages allocated.
        public var count: Int
        /// Bytes requested for tensor data (without the 63 bytes of alignment padding each).
        public var bytes: Int

        /// A reading as given.
        public init(count: Int, bytes: Int) {
            self.count = count
            self.bytes = bytes
        }

        /// What was allocated between `earlier` and this reading.
        public static func - (later: Snapshot, earlier: Snapshot) -> Snapshot {
            Snapshot(count: later.count - earlier.count, bytes: later.bytes - earlier.bytes)
        }
    }

    /// The counters of one `counting` scope (atomic: child tasks of the scope may count at once).
    final class Scope: Sendable {
        let count = Atomic<Int>(0)
        let bytes = Atomic<Int>(0)
    }

    private static let count = Atomic<Int>(0)
    private static let bytes = Atomic<Int>(0)
    /// How many `counting` scopes are open in the process: while none is, an allocation costs two
    /// relaxed atomic adds and one load, and never reads the task-local scope.
    private static let openScopes = Atomic<Int>(0)
    @TaskLocal static var scope: Scope?

    @inline(__always)
    static func note(byteCount: Int) {
        count.wrappingAdd(1, ordering: .relaxed)
        bytes.wrappingAdd(byteCount, ordering: .relaxed)
        if openScopes.load(ordering: .relaxed) > 0, let s = scope {
            s.count.wrappingAdd(1, ordering: .relaxed)
            s.bytes.wrappingAdd(byteCount, ordering: .relaxed)
        }
    }

    /// The totals since the process started (every task and thread).
    public static var current: Snapshot {
        Snapshot(count: count.load(ordering: .relaxed), bytes: bytes.load(ordering: .relaxed))
    }

    /// What `body` (and the child tasks it starts) allocated, and its result. Only this task's
    /// allocations count, so tests that run in parallel do not see each other's.
    public static func counting<R>(_ body: () throws -> R) rethrows -> (allocations: Snapshot, result: R) {
        let s = Scope()
        openScopes.wrappingAdd(1, ordering: .relaxed)
        defer { openScopes.wrappingSubtract(1, ordering: .relaxed) }
        let result = try $scope.withValue(s, operation: body)
        return (Snapshot(count: s.count.load(ordering: .relaxed), bytes: s.bytes.load(ordering: .relaxed)), result)
    }
}
