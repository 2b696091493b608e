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
}

/// A 64-byte aligned buffer (one cache line, one zmm register: SIMD kernels never straddle a line
/// at the start of a tensor) plus the version counter bumped by every in-place write, so that
/// backward can refuse to use a saved tensor that was modified after it was saved.
///
/// The data lives in the object's own tail allocation (ManagedBuffer, padded by 63 bytes and
/// aligned by hand) rather than in a separate posix_memalign block: one malloc per tensor instead
/// of two, and no memalign fragmentation. On tiny tensors that halved the allocator's share of an
/// op's autograd overhead.
final class Storage: ManagedBuffer<StorageHeader, UInt8> {
    static func allocate(byteCount: Int) -> Storage {
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
