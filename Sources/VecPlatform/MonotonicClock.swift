import Glibc

/// Nanoseconds from CLOCK_MONOTONIC: the clock every timing in Vecgrad uses.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (CLOCK_MONOTONIC): only differences mean anything.
    /// Never goes backwards and ignores wall-clock changes.
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
