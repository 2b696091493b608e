#if canImport(Glibc)
import Glibc
#endif
import VecPlatform

// Timing one case: warm up, pick how many calls make one sample so that the clock's resolution
// and overhead vanish, then take samples until both a minimum time and a minimum count are met.

/// How long and how often `Runner.measure` samples a case.
public struct MeasureOptions: Equatable, Sendable {
    /// Total sampling time to reach (after warm-up), nanoseconds.
    public var minTimeNs: Double = 100e6
    /// Warm-up time before sampling (caches, page faults, waking threads, clock frequency), nanoseconds.
    public var warmupNs: Double = 20e6
    /// Fewest samples, whatever the time.
    public var minSamples = 10
    /// Most samples, whatever the time (at least `minSamples`).
    public var maxSamples = 300
    /// Calls per sample are chosen so that one sample takes at least this long (clock overhead
    /// is ~20 ns, so 20 us keeps it below 0.1%).
    public var minSampleNs: Double = 20e3
    /// Options as given; `maxSamples` is raised to `minSamples` if below it.
    public init(minTimeNs: Double = 100e6, warmupNs: Double = 20e6, minSamples: Int = 10, maxSamples: Int = 300) {
        self.minTimeNs = minTimeNs; self.warmupNs = warmupNs
        self.minSamples = minSamples; self.maxSamples = Swift.max(minSamples, maxSamples)
    }
}

/// What `Runner.measure` took: per-call times of every sample and how many calls each timed.
public struct Measurement: Equatable, Sendable {
    /// Nanoseconds per call, one value per sample.
    public var samples: [Double]
    /// Calls timed together in one sample.
    public var callsPerSample: Int
    /// CPU time of the calling thread per call, one value per sample (empty under a fake clock).
    public var cpuSamples: [Double] = []
}

/// CPU time consumed by the calling thread, nanoseconds (Google Benchmark's cpu_time measures the
/// same: the main thread only, so a parallel op's workers are not in it).
public func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Times one case: warm-up, calls per sample sized so clock overhead vanishes, then samples until
/// both the minimum time and the minimum count are met, or `maxSamples` samples are taken.
public enum Runner {
    /// Measures `body`. `clock` returns nanoseconds (tests pass a fake one).
    public static func measure(_ options: MeasureOptions, clock: () -> UInt64 = MonotonicClock.nanoseconds,
                               cpuClock: (() -> UInt64)? = nil, _ body: () -> Void) -> Measurement {
        // Warm-up: caches, page faults, the pool's threads waking, the CPU's frequency.
        let warmStart = clock()
        var warmCalls = 0
        var now = warmStart
        repeat {
            body()
            warmCalls += 1
            now = clock()
        } while Double(now - warmStart) < options.warmupNs
        let perCall = Swift.max(1, Double(now - warmStart) / Double(warmCalls))
        let target = Swift.max(options.minSampleNs, options.minTimeNs / Double(Swift.max(options.minSamples, 30)))
        let calls = Swift.max(1, Int((target / perCall).rounded(.up)))

        var samples: [Double] = []
        var cpuSamples: [Double] = []
        var elapsed = 0.0
        // Slow cases (one call above the minimum time) stop at minSamples even then, but a case
        // never runs longer than ten times the minimum once it has its minimum count.
        while samples.count < options.maxSamples {
            let c0 = cpuClock?() ?? 0
            let t0 = clock()
            for _ in 0..<calls { body() }
            let dt = Double(clock() - t0)
            if let cpuClock { cpuSamples.append(Double(cpuClock() - c0) / Double(calls)) }
            samples.append(dt / Double(calls))
            elapsed += dt
            if samples.count >= options.minSamples && elapsed >= options.minTimeNs { break }
            if samples.count >= options.minSamples && elapsed >= 10 * options.minTimeNs { break }
        }
        return Measurement(samples: samples, callsPerSample: calls, cpuSamples: cpuSamples)
    }
}

/// Progress on stderr: a redrawn bar on a terminal, one line per case otherwise (CI logs).
public final class Progress {
    /// Steps the run will take (cases times rounds).
    public let total: Int
    /// Steps finished so far.
    public private(set) var done = 0
    let isTerminal: Bool
    let enabled: Bool

    /// A progress display of `total` steps; `enabled: false` prints nothing (and still counts).
    public init(total: Int, enabled: Bool = true) {
        self.total = total
        self.enabled = enabled
        isTerminal = isatty(2) == 1
    }

    /// Announces the next step: the bar redrawn in place on a terminal, one line per step otherwise.
    public func start(_ label: String) {
        guard enabled else { return }
        let line = Progress.bar(done: done, total: total, width: 24) + " \(done + 1)/\(total) \(label)"
        if isTerminal {
            // \r and erase-to-end-of-line redraw in place; long labels are cut to the terminal width.
            writeStderr("\r\u{1B}[K" + String(line.prefix(Progress.columns() - 1)))
        } else {
            writeStderr(line + "\n")
        }
    }

    /// Counts a step as done; on a terminal the last one prints the finished bar.
    public func finish(_ label: String? = nil) {
        done += 1
        guard enabled, isTerminal, done == total else { return }
        writeStderr("\r\u{1B}[K" + Progress.bar(done: done, total: total, width: 24) + " \(done)/\(total) done\n")
    }

    /// "[#########---------------]"
    public static func bar(done: Int, total: Int, width: Int) -> String {
        let filled = total > 0 ? Swift.min(width, width * done / total) : width
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    static func columns() -> Int {
        var size = winsize()
        return ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 20 ? Int(size.ws_col) : 100
    }
}

/// Writes `s` to standard error unbuffered (so that it interleaves correctly with the progress
/// bar), retrying short writes and stopping at an error.
public func writeStderr(_ s: String) {
    var bytes = Array(s.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { break }
        offset += n
    }
}
