import CVecShim
import Foundation
import Synchronization
import VecPlatform

// This machine's ceilings, measured rather than looked up (a 16-vCPU VM does not scale its FMA
// peak linearly, docs/measurements.md): the FP32 FMA peak from independent SIMD16 FMA chains, and the
// bandwidth of each access pattern (read, copy, triad, in-place update; copy and triad with
// normal and with streaming stores) at working sets in L1, L2, L3 and DRAM, for several thread
// counts (one share per pool thread through `runOnEachWorker`, so no thread takes two).
// Bandwidths are traffic, write-allocate reads included (Traffic.swift), so that an op is held
// against the probe of its own pattern at its own working set: roofline = min(peak,
// intensity x bandwidth).

/// A level of the memory hierarchy a working set lives in: `l1`, `l2`, `l3` or `dram`
/// (the raw values are the JSON keys of `Calibration.Point.bandwidthGBs`).
public enum MemoryLevel: String, Codable, CaseIterable, Sendable { case l1, l2, l3, dram }

/// This machine's measured ceilings (`vecbench calibrate`): FP32 FMA peak and the bandwidth of
/// each access pattern at each memory level, per thread count; the roofline of every case is
/// computed from them. Cached as results/calibration-<fingerprint>.json.
public struct Calibration: Codable, Equatable, Sendable {
    /// Bumped whenever the meaning of a figure changes: a cached file of another format is
    /// measured again rather than misread (format 1 had triad figures only, in counted bytes;
    /// format 2's FMA peak of an AVX2 build came from spilling chains, 2/3 of the true peak).
    public static let currentFormat = 3

    /// The figures measured on one thread count.
    public struct Point: Codable, Equatable, Sendable {
        /// Threads the probes ran on (one share each).
        public var threads: Int
        /// FP32 FMA peak, GFLOP/s, all threads together.
        public var peakGflops: Double
        /// GB/s of traffic per probe key (`StreamProbe.key`) and level; a level is absent when its
        /// working set could not be placed (e.g. L3 smaller than the threads' L2s together).
        public var bandwidthGBs: [String: [String: Double]]
        /// A point as given.
        public init(threads: Int, peakGflops: Double, bandwidthGBs: [String: [String: Double]]) {
            self.threads = threads; self.peakGflops = peakGflops; self.bandwidthGBs = bandwidthGBs
        }
    }

    /// `currentFormat` when written; a file of another format is not loaded.
    public var format: Int
    /// The machine's fingerprint id: a calibration belongs to one machine and build.
    public var fingerprintID: String
    /// When it was measured.
    public var date: String
    /// The instruction-set level the probes were compiled for (`ISA.compiled`).
    public var compiledISA: String
    /// L1 data cache of one core, bytes (working sets are sized from these three).
    public var l1BytesPerCore: Int
    /// L2 of one core, bytes.
    public var l2BytesPerCore: Int
    /// L3 of the machine, bytes.
    public var l3BytesTotal: Int
    /// Cores (not PUs): threads beyond them share a core's L1 and L2.
    public var cores: Int
    /// One point per measured thread count, sorted by threads.
    public var points: [Point]

    /// A calibration of the current format; `cores` below 1 counts as 1, points are sorted by threads.
    public init(fingerprintID: String, date: String, compiledISA: String, l1BytesPerCore: Int, l2BytesPerCore: Int,
                l3BytesTotal: Int, cores: Int, points: [Point]) {
        format = Self.currentFormat
        self.fingerprintID = fingerprintID; self.date = date; self.compiledISA = compiledISA
        self.l1BytesPerCore = l1BytesPerCore; self.l2BytesPerCore = l2BytesPerCore; self.l3BytesTotal = l3BytesTotal
        self.cores = Swift.max(1, cores)
        self.points = points.sorted { $0.threads < $1.threads }
    }

    /// results/calibration-<fingerprint>.json for a process that may use every PU of the machine,
    /// results/calibration-<fingerprint>-<n>cpus.json for one held to `restrictedTo` = n of them
    /// (taskset, a cpuset): its thread counts stop at n, and read as the whole machine's, its last
    /// point would stand for every larger count (2-thread rooflines against the 1-thread peak).
    public static func path(directory: String, fingerprintID: String, restrictedTo cpus: Int? = nil) -> String {
        "\(directory)/calibration-\(fingerprintID)\(cpus.map { "-\($0)cpus" } ?? "").json"
    }

    /// A warning when the FMA peak on t threads (t up to the cores, each on its own) came out
    /// below 0.75 t times the 1-thread one: other load shared the CPUs while it was measured, and
    /// cached, the figure would hold every later t-thread row to a ceiling too low. nil otherwise.
    public var scalingWarning: String? {
        guard let one = points.first(where: { $0.threads == 1 })?.peakGflops, one > 0 else { return nil }
        guard let p = points.first(where: { $0.threads > 1 && $0.threads <= cores && $0.peakGflops < 0.75 * Double($0.threads) * one })
        else { return nil }
        return "the FMA peak on \(p.threads) threads (\(TextFormat.fixed(p.peakGflops, 1)) GFLOP/s) is "
            + "\(TextFormat.fixed(p.peakGflops / one, 2))x the 1-thread one (\(TextFormat.fixed(one, 1))) on \(cores) cores: "
            + "other load was running? Measure again on a quiet machine (vecbench calibrate --force)"
    }

    /// The level whose probe ran at the largest working set not above `bytes` (L1 below all).
    /// Streaming bandwidth never rises with the working set, so that probe's figure bounds the
    /// op. Comparing `bytes` with cache sizes instead gave 107-181% (default suite, 2026-11-30)
    /// to ops just beyond a level (1M floats on 2 threads: 12 MiB, half of it still hitting L2)
    /// held against a probe at several times their size.
    public func level(workingSet bytes: Double, threads: Int) -> MemoryLevel {
        let sets = workingSets(threads: threads)
        return MemoryLevel.allCases.last { l in sets[l].map { Double($0) <= bytes } ?? false } ?? .l1
    }

    /// Linear interpolation over measured thread counts, flat beyond the ends; nil without points.
    static func interpolate(_ pts: [(Int, Double)], at t: Int) -> Double? {
        let pts = pts.sorted { $0.0 < $1.0 }
        guard let first = pts.first, let last = pts.last else { return nil }
        if t <= first.0 { return first.1 }
        if t >= last.0 { return last.1 }
        for (a, b) in zip(pts, pts.dropFirst()) where a.0 <= t && t <= b.0 {
            return a.1 + (b.1 - a.1) * Double(t - a.0) / Double(b.0 - a.0)
        }
        return last.1
    }

    /// Each figure raised to the best of fewer threads: t threads can always do what fewer do, so
    /// a lower figure only says that the calibration shared the machine while it measured.
    static func nonDecreasing(_ pts: [(Int, Double)]) -> [(Int, Double)] {
        var best = 0.0
        return pts.sorted { $0.0 < $1.0 }.map { p in best = Swift.max(best, p.1); return (p.0, best) }
    }

    /// FMA peak on `threads` threads, GFLOP/s: interpolated between measured counts (each raised to the
    /// best of fewer threads), flat beyond them; nil without points.
    public func peakGflops(threads: Int) -> Double? {
        Self.interpolate(Self.nonDecreasing(points.map { ($0.threads, $0.peakGflops) }), at: threads)
    }

    /// Traffic bandwidth of `probe` at `level`, falling back to the next slower measured level.
    public func bandwidthGBs(threads: Int, level: MemoryLevel, probe: StreamProbe = StreamProbe(.triad)) -> Double? {
        for l in MemoryLevel.allCases.drop(while: { $0 != level }) {
            let pts = points.compactMap { p in p.bandwidthGBs[probe.key]?[l.rawValue].map { (p.threads, $0) } }
            if let v = Self.interpolate(Self.nonDecreasing(pts), at: threads) { return v }
        }
        return nil
    }

    /// The roofline of one cost: which probe, level and figures bound it, and the time bound.
    public struct Ceiling: Equatable, Sendable {
        /// The access pattern whose bandwidth applies.
        public var probe: StreamProbe
        /// The level the working set falls in.
        public var level: MemoryLevel
        /// That probe's traffic bandwidth there, GB/s.
        public var bandwidthGBs: Double
        /// FMA peak on the case's threads, GFLOP/s.
        public var peakGflops: Double
        /// Bytes crossing the hierarchy at `level` (write-allocate included).
        public var trafficBytes: Double
        /// Floating-point operations per call.
        public var flops: Double
        /// max(flops / peak, traffic / bandwidth): GFLOP/s and GB/s are both per nanosecond.
        public var boundNs: Double { Swift.max(flops / peakGflops, trafficBytes / bandwidthGBs) }
        /// True when the traffic term is the larger one.
        public var memoryBound: Bool { trafficBytes / bandwidthGBs >= flops / peakGflops }
        /// The binding ceiling, e.g. "triad at L2 110.0 GB/s" or "FMA peak 175.0 GFLOP/s".
        public var description: String {
            memoryBound ? "\(probe.key) at \(level.rawValue.uppercased()) \(TextFormat.fixed(bandwidthGBs, 1)) GB/s"
                : "FMA peak \(TextFormat.fixed(peakGflops, 1)) GFLOP/s"
        }
    }

    /// The ceiling matching the cost's pattern and working set on `threads` threads.
    public func ceiling(cost: Cost, threads: Int) -> Ceiling? {
        let level = level(workingSet: cost.workingSet, threads: threads)
        guard let peak = peakGflops(threads: threads), let bw = bandwidthGBs(threads: threads, level: level, probe: cost.probe),
              peak > 0, bw > 0 else { return nil }
        return Ceiling(probe: cost.probe, level: level, bandwidthGBs: bw, peakGflops: peak,
                       trafficBytes: cost.traffic(at: level), flops: cost.flops)
    }

    /// Achieved time as a percentage of the roofline time of the matching ceiling. Above 100%
    /// the ceiling was measured too low (noise while calibrating): with `recheck` it is measured
    /// once more in this process (the higher figure stays for the rest of the run), and a case
    /// still above it is printed as measured with a warning on stderr naming `label` and the
    /// ceiling, never clamped.
    public func rooflinePct(cost: Cost, threads: Int, medianNs: Double, label: String = "", recheck: Bool = true) -> Double? {
        guard medianNs > 0, var c = ceiling(cost: cost, threads: threads), c.boundNs > 0 else { return nil }
        Recheck.raise(&c, calibration: self, threads: threads, measure: false)
        var pct = 100 * c.boundNs / medianNs
        if pct > 100 && recheck {
            Recheck.raise(&c, calibration: self, threads: threads, measure: true)
            pct = 100 * c.boundNs / medianNs
            if pct > 100 {
                Recheck.warn("warning: roofline: \(label.isEmpty ? "a case" : label) ran at \(TextFormat.fixed(pct, 0))% of "
                             + "its ceiling, \(c.description) on \(threads) thread\(threads == 1 ? "" : "s") (re-measured), "
                             + "with \(TextFormat.fixed(c.trafficBytes / 1e6, 2)) MB of traffic and "
                             + "\(TextFormat.fixed(c.flops / 1e6, 2)) MFLOP per call; the figure is printed unclamped\n")
            }
        }
        return pct
    }

    /// Pretty-printed JSON with sorted keys, newline-terminated (the cached file's content).
    public func encoded() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(self), as: UTF8.self) + "\n"
    }

    /// nil when missing, unreadable or of another format (so that it is measured again).
    public static func load(path: String) -> Calibration? {
        guard let data = FileManager.default.contents(atPath: path),
              let c = try? JSONDecoder().decode(Calibration.self, from: data), c.format == currentFormat else { return nil }
        return c
    }

    /// Working sets the calibration measures at, per level, for `threads` threads.
    public func workingSets(threads: Int) -> [MemoryLevel: Int] {
        Calibrator.workingSets(threads: threads, l1PerCore: l1BytesPerCore, l2PerCore: l2BytesPerCore, l3Total: l3BytesTotal, cores: cores)
    }
}

/// Ceilings re-measured during this process because a case beat them, and the warnings given.
enum Recheck {
    private static let state = Mutex<(raised: [String: Double], measured: Set<String>, warned: Set<String>)>(([:], [], []))

    static func key(_ c: Calibration.Ceiling, _ cal: Calibration, threads: Int) -> String {
        "\(cal.fingerprintID)|\(threads)|" + (c.memoryBound ? "\(c.probe.key)|\(c.level.rawValue)" : "peak")
    }

    /// Applies a figure re-measured earlier for this ceiling; with `measure`, measures it first
    /// (once per ceiling and process) and keeps the higher of the two.
    static func raise(_ c: inout Calibration.Ceiling, calibration: Calibration, threads: Int, measure: Bool) {
        let k = key(c, calibration, threads: threads)
        if measure && state.withLock({ $0.measured.insert(k).inserted }) {
            let fresh: Double
            if c.memoryBound {
                let bytes = calibration.workingSets(threads: threads)[c.level] ?? calibration.workingSets(threads: threads)[.dram]!
                fresh = Calibrator.bandwidth(c.probe, threads: threads, bytes: bytes, level: c.level)
            } else {
                fresh = Calibrator.fmaPeak(threads: threads)
            }
            state.withLock { $0.raised[k] = Swift.max($0.raised[k] ?? 0, fresh) }
        }
        guard let raised = state.withLock({ $0.raised[k] }) else { return }
        if c.memoryBound { c.bandwidthGBs = Swift.max(c.bandwidthGBs, raised) } else { c.peakGflops = Swift.max(c.peakGflops, raised) }
    }

    static func warn(_ line: String) {
        if state.withLock({ $0.warned.insert(line).inserted }) { writeStderr(line) }
    }
}

/// The probes behind a `Calibration`: FMA peak, streaming bandwidth per pattern and level, and the
/// working sets they run at.
public enum Calibrator {
    /// Thread counts to measure: powers of two up to `maxThreads`, and `maxThreads` itself.
    public static func threadCounts(maxThreads: Int) -> [Int] {
        ThreadCount.powersOfTwo.resolve(machinePUs: Swift.max(1, maxThreads))
    }

    /// Working sets (bytes of all of a probe's arrays together) per level for `threads` threads:
    /// half of L1, and each further level at its fast end, just beyond the level before
    /// (1.25x), since an op is held against the largest probe not above its working set; L3
    /// there also because a large L3 shared with other tenants of a VM holds far less for us
    /// than its size (at half of it, a probe ran at DRAM speed); DRAM at several times the L3.
    public static func workingSets(threads: Int, l1PerCore: Int, l2PerCore: Int, l3Total: Int, cores: Int) -> [MemoryLevel: Int] {
        let sharing = Swift.min(Swift.max(1, threads), Swift.max(1, cores))
        var sets: [MemoryLevel: Int] = [.l1: sharing * l1PerCore / 2, .l2: sharing * l1PerCore * 5 / 4]
        if l3Total / 2 >= 2 * sharing * l2PerCore { sets[.l3] = sharing * l2PerCore * 5 / 4 }
        sets[.dram] = Swift.min(Swift.max(4 * l3Total, 256 << 20), 2 << 30)
        return sets
    }

    /// Minimum time per probe: short where one pass is microseconds, longer in DRAM.
    static func minTimeNs(_ level: MemoryLevel) -> Double {
        switch level { case .l1, .l2: return 20e6; case .l3: return 50e6; case .dram: return 100e6 }
    }

    /// GFLOP/s of `threads` threads each running 12 independent FMA chains of one register each
    /// (SIMD16<Float> in an AVX-512 build, SIMD8<Float> otherwise: 12 SIMD16 chains need 24 ymm
    /// registers of 16, and the spills held a Zen 1 EPYC to 27.9 GFLOP/s where OpenBLAS's sgemm ran
    /// at 40.9); the best of `repeats` runs, since a ceiling is what a run reaches when nothing
    /// interrupts it.
    public static func fmaPeak(threads: Int, iterations: Int = 2_000_000, repeats: Int = 5) -> Double {
        let zmm = ISA.compiled >= .avx512
        let lanes = zmm ? 16 : 8
        var best = 0.0
        for _ in 0..<max(1, repeats) {
            let start = MonotonicClock.nanoseconds()
            var sink = [Float](repeating: 0, count: threads)
            sink.withUnsafeMutableBufferPointer { out in
                ThreadPool.shared.runOnEachWorker(threads: threads) { t in
                    let seed = Float(t) * 1e-3
                    out[t] = zmm ? fmaChains(SIMD16<Float>.self, iterations, seed: seed)
                        : fmaChains(SIMD8<Float>.self, iterations, seed: seed)
                }
            }
            let ns = Double(MonotonicClock.nanoseconds() - start)
            if sink.contains(where: { $0.isNaN }) { return 0 }   // keeps the loop from being optimised away
            best = max(best, Double(threads) * Double(iterations) * 12 * Double(lanes) * 2 / ns)
        }
        return best
    }

    /// A 64-byte aligned block of floats, first touched by the threads that will stream it.
    final class Region {
        let base: UnsafeMutablePointer<Float>
        let floats: Int
        init(bytes: Int, threads: Int) {
            // Every array of every probe splits into per-thread slices of whole 64-byte lines.
            let unit = 16 * threads * 6
            floats = Swift.max(unit, (bytes / 4) / unit * unit)
            base = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64).bindMemory(to: Float.self, capacity: floats)
            let chunk = floats / threads, base = base
            ThreadPool.shared.runOnEachWorker(threads: threads) { t in (base + t * chunk).initialize(repeating: 1, count: chunk) }
        }
        deinit { base.deallocate() }
    }

    /// GB/s of traffic (`Cost.traffic(at: level)`) of `probe` over `region`, split over `threads`.
    static func bandwidth(_ probe: StreamProbe, threads: Int, region: Region, level: MemoryLevel, minTimeNs: Double) -> Double {
        let n = region.floats / probe.arrays, perThread = n / threads
        let arrays = (0..<probe.arrays).map { region.base + $0 * n }
        // One pass over an L1 slice takes well under a microsecond, less than a dispatch:
        // each thread repeats it until ~8 MiB have moved.
        let reps = Swift.max(1, (8 << 20) / (perThread * 4 * probe.arrays))
        let traffic = Double(reps) * probe.cost(arrayBytes: Double(n * 4)).traffic(at: level)
        let nt: Int32 = probe.stores == .nonTemporal ? 1 : 0
        var sink = [Float](repeating: 0, count: threads)
        var best = 0.0, spent = 0.0, runs = 0
        while spent < minTimeNs || runs < 3 {
            let t0 = MonotonicClock.nanoseconds()
            sink.withUnsafeMutableBufferPointer { out in
                ThreadPool.shared.runOnEachWorker(threads: threads) { t in
                    let o = t * perThread, count = perThread, r = reps
                    switch probe.pattern {
                    case .read: out[t] += vg_bw_read(arrays[0] + o, count, r)
                    case .copy: vg_bw_copy(arrays[1] + o, arrays[0] + o, count, 1, nt, r)
                    case .triad: vg_bw_triad(arrays[2] + o, arrays[0] + o, arrays[1] + o, count, 0.5, nt, r)
                    case .update: vg_bw_update(arrays[0] + o, count, 1, r)
                    }
                }
            }
            let dt = Double(MonotonicClock.nanoseconds() - t0)
            spent += dt
            runs += 1
            best = Swift.max(best, traffic / dt)
        }
        return sink.contains { $0.isNaN } ? 0 : best
    }

    /// One probe on a fresh region of `bytes` (the re-measure of a ceiling a case beat).
    public static func bandwidth(_ probe: StreamProbe, threads: Int, bytes: Int, level: MemoryLevel, minTimeNs: Double? = nil) -> Double {
        bandwidth(probe, threads: threads, region: Region(bytes: bytes, threads: threads), level: level,
                  minTimeNs: minTimeNs ?? Self.minTimeNs(level))
    }

    /// Measures every thread count, level and probe. `report` receives a line per thread count.
    public static func run(topology: TopologyModel?, fingerprint: Fingerprint, maxThreads: Int,
                           report: (String) -> Void = { _ in }) -> Calibration {
        let l1 = topology?.cacheSize(level: 1) ?? (32 << 10)
        let l2 = topology?.cacheSize(level: 2) ?? (1 << 20)
        let l3Count = Swift.max(1, topology?.caches.filter { $0.level == 3 }.count ?? 1)
        let l3 = (topology?.cacheSize(level: 3) ?? (8 << 20)) * l3Count
        let cores = topology?.cores.count ?? maxThreads
        var points: [Calibration.Point] = []
        for t in threadCounts(maxThreads: maxThreads) {
            let peak = fmaPeak(threads: t)
            var bw: [String: [String: Double]] = [:]
            for (level, bytes) in workingSets(threads: t, l1PerCore: l1, l2PerCore: l2, l3Total: l3, cores: cores)
                .sorted(by: { $0.value < $1.value }) {
                let region = Region(bytes: bytes, threads: t)
                for probe in StreamProbe.all {
                    bw[probe.key, default: [:]][level.rawValue] =
                        bandwidth(probe, threads: t, region: region, level: level, minTimeNs: minTimeNs(level))
                }
            }
            let triad = MemoryLevel.allCases.compactMap { l in bw["triad"]?[l.rawValue].map { "\(l.rawValue) \(TextFormat.fixed($0, 1))" } }
            report("threads \(t): FMA peak \(TextFormat.fixed(peak, 1)) GFLOP/s, triad traffic GB/s " + triad.joined(separator: ", "))
            points.append(Calibration.Point(threads: t, peakGflops: peak, bandwidthGBs: bw))
        }
        return Calibration(fingerprintID: fingerprint.id, date: fingerprint.date, compiledISA: fingerprint.compiledISA,
                           l1BytesPerCore: l1, l2BytesPerCore: l2, l3BytesTotal: l3, cores: cores, points: points)
    }
}

@inline(never)
func fmaChains<V: SIMD>(_: V.Type, _ n: Int, seed: Float) -> Float where V.Scalar == Float {
    let m = V(repeating: 0.999_999), c = V(repeating: 1e-7)
    var a0 = V(repeating: seed), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3
    var a4 = a0 + 4, a5 = a0 + 5, a6 = a0 + 6, a7 = a0 + 7, a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11
    for _ in 0..<n {
        a0 = c.addingProduct(a0, m); a1 = c.addingProduct(a1, m); a2 = c.addingProduct(a2, m)
        a3 = c.addingProduct(a3, m); a4 = c.addingProduct(a4, m); a5 = c.addingProduct(a5, m)
        a6 = c.addingProduct(a6, m); a7 = c.addingProduct(a7, m); a8 = c.addingProduct(a8, m)
        a9 = c.addingProduct(a9, m); a10 = c.addingProduct(a10, m); a11 = c.addingProduct(a11, m)
    }
    let s = (a0 + a1 + a2 + a3) + (a4 + a5 + a6 + a7) + (a8 + a9 + a10 + a11)
    return s.sum()
}
