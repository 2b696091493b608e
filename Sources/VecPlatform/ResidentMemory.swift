import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The process's resident memory from Linux's /proc/self/status, and the reset of its peak (a 5
// written to /proc/self/clear_refs, Linux 4.0 and later), so that the peak of one piece of work
// can be read on its own: reset, run it, read `peakBytes`.

/// Resident set size of this process (Linux /proc; nil elsewhere or when unreadable).
public enum ResidentMemory {
    /// Bytes resident now (VmRSS).
    public static var currentBytes: Int? { statusField("VmRSS:") }

    /// The most bytes resident since the process started or the last `resetPeak()` (VmHWM).
    public static var peakBytes: Int? { statusField("VmHWM:") }

    /// Runs `body`, a window that resets the peak and reads it back, with every other such window
    /// of the process kept out: the peak is the process's, so a reset in one window would drop
    /// what another has not read yet (two concurrent measurements each saw no growth at all).
    public static func withPeakWindow<R>(_ body: () throws -> R) rethrows -> R {
        peakWindow.lock()
        defer { peakWindow.unlock() }
        return try body()
    }

    private static let peakWindow = NSLock()

    /// Sets the peak to the bytes resident now; false where the kernel refuses or has no /proc.
    /// Callers that read the peak back do both inside `withPeakWindow`.
    @discardableResult
    public static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var five: UInt8 = 0x35
        return write(fd, &five, 1) == 1
    }

    /// A "Name:   1234 kB" line of /proc/self/status in bytes. Read with open/read: /proc files
    /// report size 0, which whole-file readers take at its word.
    static func statusField(_ name: String) -> Int? {
        let fd = open("/proc/self/status", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return nil }
        let fields = line.dropFirst(name.count).split { $0 == " " || $0 == "\t" }
        guard let value = fields.first.flatMap({ Int($0) }) else { return nil }
        return fields.count > 1 && fields[1] == "kB" ? value * 1024 : value
    }
}
