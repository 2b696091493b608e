#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The memory behind one or more tensors (a tensor and its zero-copy views share one Storage).

/// A 64-byte aligned buffer (one cache line, one zmm register: the SIMD kernels never straddle a
/// line at the start of a tensor) plus PyTorch's version counter, bumped by every in-place write so
/// that backward can refuse to use a saved tensor that was modified after it was saved.
final class Storage {
    let base: UnsafeMutableRawPointer
    let byteCount: Int
    /// Number of in-place modifications (shared by all views of this storage, as in PyTorch).
    var version = 0

    init(byteCount: Int) {
        var p: UnsafeMutableRawPointer? = nil
        // posix_memalign with size 0 may return nil; always ask for at least one line.
        let rc = posix_memalign(&p, 64, Swift.max(byteCount, 64))
        precondition(rc == 0 && p != nil, "Vecgrad: out of memory allocating \(byteCount) bytes")
        base = p!
        self.byteCount = byteCount
    }

    deinit { free(base) }
}
