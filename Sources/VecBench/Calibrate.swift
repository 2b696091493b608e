import Foundation
import VecPlatform

// This machine's ceilings, measured rather than looked up (a 16-vCPU VM does not scale its FMA
// peak linearly, NOTES.md): the FP32 FMA peak from independent SIMD16 FMA chains and the triad
// bandwidth a[i] = b[i] + s*c[i] at working sets in L2, in L3 and in DRAM, for several thread
// counts (one share per pool thread through `runOnEachWorker`, so no thread takes two). The
// roofline of a case is min(peak, intensity x bandwidth) at its working set.

public enum MemoryLevel: String, Codable, CaseIterable, Sendable { case l2, l3, dram }

public struct Calibration: Codable, Equatable, Sendable {
    public struct Point: Codable, Equatable, Sendable {
        public var threads: Int
        public var peakGflops: Double
        /// GB/s per level; a level is absent when its working set could not be placed (e.g. L3
        /// smaller than the threads' L2s together).
        public var bandwidthGBs: [String: Double]
        public init(threads: Int, peakGflops: Double, bandwidthGBs: [String: Double]) {
            self.threads = threads; self.peakGflops = peakGflops; self.bandwidthGBs = bandwidthGBs
        }
    }

    public var fingerprintID: String
    public var date: String
    public var compiledISA: String
    public var l2BytesPerCore: Int
    public var l3BytesTotal: Int
    public var points: [Point]

    public init(fingerprintID: String, date: String, compiledISA: String, l2BytesPerCore: Int, l3BytesTotal: Int, points: [Point]) {
        self.fingerprintID = fingerprintID; self.date = date; self.compiledISA = compiledISA
        self.l2BytesPerCore = l2BytesPerCore; self.l3BytesTotal = l3BytesTotal
        self.points = points.sorted { $0.threads < $1.threads }
    }

    /// results/calibration-<fingerprint>.json
    public static func path(directory: String, fingerprintID: String) -> String {
        "\(directory)/calibration-\(fingerprintID).json"
    }

    /// Which level a call that touches `bytes` runs from on `threads` threads (with 25% slack for
    /// everything else living in the caches).
    public func level(workingSet bytes: Double, threads: Int) -> MemoryLevel {
        if bytes <= 0.75 * Double(l2BytesPerCore * threads) { return .l2 }
        if bytes <= 0.75 * Double(l3BytesTotal) { return .l3 }
        return .dram
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

    public func peakGflops(threads: Int) -> Double? {
        Self.interpolate(points.map { ($0.threads, $0.peakGflops) }, at: threads)
    }

    /// Bandwidth at `level`, falling back to the next slower measured level.
    public func bandwidthGBs(threads: Int, level: MemoryLevel) -> Double? {
        let order: [MemoryLevel] = level == .l2 ? [.l2, .l3, .dram] : level == .l3 ? [.l3, .dram] : [.dram]
        for l in order {
            let pts = points.compactMap { p in p.bandwidthGBs[l.rawValue].map { (p.threads, $0) } }
            if let v = Self.interpolate(pts, at: threads) { return v }
        }
        return nil
    }

    /// Achieved time as a percentage of the roofline time max(flops / peak, bytes / bandwidth).
    public func rooflinePct(cost: Cost, threads: Int, medianNs: Double) -> Double? {
        guard medianNs > 0, let peak = peakGflops(threads: threads),
              let bw = bandwidthGBs(threads: threads, level: level(workingSet: cost.bytes, threads: threads)),
              peak > 0, bw > 0 else { return nil }
        let bound = Swift.max(cost.flops / peak, cost.bytes / bw)   // GFLOP/s and GB/s = per ns
        return bound > 0 ? 100 * bound / medianNs : nil
    }

    public func encoded() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(self), as: UTF8.self) + "\n"
    }

    public static func load(path: String) -> Calibration? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Calibration.self, from: data)
    }
}

public enum Calibrator {
    /// Thread counts to measure: powers of two up to `maxThreads`, and `maxThreads` itself.
    public static func threadCounts(maxThreads: Int) -> [Int] {
        ThreadCount.powersOfTwo.resolve(machinePUs: Swift.max(1, maxThreads))
    }

    /// Triad working sets (bytes of all three arrays together) per level for `threads` threads.
    public static func workingSets(threads: Int, l2PerCore: Int, l3Total: Int) -> [MemoryLevel: Int] {
        var sets: [MemoryLevel: Int] = [.l2: threads * l2PerCore / 2]
        let l3 = l3Total / 2
        if l3 >= 2 * threads * l2PerCore { sets[.l3] = l3 }
        sets[.dram] = Swift.min(Swift.max(4 * l3Total, 256 << 20), 2 << 30)
        return sets
    }

    /// GFLOP/s of `threads` threads each running 12 independent SIMD16<Float> FMA chains; the best
    /// of `repeats` runs, since a ceiling is what a run reaches when nothing interrupts it.
    public static func fmaPeak(threads: Int, iterations: Int = 2_000_000, repeats: Int = 5) -> Double {
        var best = 0.0
        for _ in 0..<max(1, repeats) {
            let start = MonotonicClock.nanoseconds()
            var sink = [Float](repeating: 0, count: threads)
            sink.withUnsafeMutableBufferPointer { out in
                ThreadPool.shared.runOnEachWorker(threads: threads) { t in out[t] = fmaChains(iterations, seed: Float(t) * 1e-3) }
            }
            let ns = Double(MonotonicClock.nanoseconds() - start)
            if sink.contains(where: { $0.isNaN }) { return 0 }   // keeps the loop from being optimised away
            best = max(best, Double(threads) * Double(iterations) * 12 * 16 * 2 / ns)
        }
        return best
    }

    /// GB/s of the triad a = b + s*c over `bytes` (all three arrays), split over `threads` threads.
    public static func triadBandwidth(threads: Int, bytes: Int, minTimeNs: Double = 150e6) -> Double {
        let perThread = Swift.max(16, (bytes / 12 / threads) / 16 * 16)
        let n = perThread * threads
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        // First touch by the thread that will use the slice places its pages on its NUMA node.
        ThreadPool.shared.runOnEachWorker(threads: threads) { t in
            for i in t * perThread..<(t + 1) * perThread { a[i] = 0; b[i] = 1; c[i] = 2 }
        }
        var best = 0.0
        var spent = 0.0
        var reps = 0
        while spent < minTimeNs || reps < 3 {
            let t0 = MonotonicClock.nanoseconds()
            ThreadPool.shared.runOnEachWorker(threads: threads) { t in
                triad(a + t * perThread, b + t * perThread, c + t * perThread, perThread, 0.5)
            }
            let dt = Double(MonotonicClock.nanoseconds() - t0)
            spent += dt
            reps += 1
            best = Swift.max(best, Double(12 * n) / dt)
        }
        return best
    }

    /// Measures every thread count and level. `report` receives a line per measurement.
    public static func run(topology: TopologyModel?, fingerprint: Fingerprint, maxThreads: Int,
                           report: (String) -> Void = { _ in }) -> Calibration {
        let l2 = topology?.cacheSize(level: 2) ?? (1 << 20)
        let l3Count = Swift.max(1, topology?.caches.filter { $0.level == 3 }.count ?? 1)
        let l3 = (topology?.cacheSize(level: 3) ?? (8 << 20)) * l3Count
        var points: [Calibration.Point] = []
        for t in threadCounts(maxThreads: maxThreads) {
            let peak = fmaPeak(threads: t)
            var bw: [String: Double] = [:]
            for (level, bytes) in workingSets(threads: t, l2PerCore: l2, l3Total: l3).sorted(by: { $0.value < $1.value }) {
                bw[level.rawValue] = triadBandwidth(threads: t, bytes: bytes)
            }
            let levels = MemoryLevel.allCases.compactMap { l in bw[l.rawValue].map { "\(l.rawValue) \(TextFormat.fixed($0, 1)) GB/s" } }
            report("threads \(t): FMA peak \(TextFormat.fixed(peak, 1)) GFLOP/s, triad " + levels.joined(separator: ", "))
            points.append(Calibration.Point(threads: t, peakGflops: peak, bandwidthGBs: bw))
        }
        return Calibration(fingerprintID: fingerprint.id, date: fingerprint.date, compiledISA: fingerprint.compiledISA,
                           l2BytesPerCore: l2, l3BytesTotal: l3, points: points)
    }
}

@inline(never)
func fmaChains(_ n: Int, seed: Float) -> Float {
    let m = SIMD16<Float>(repeating: 0.999_999), c = SIMD16<Float>(repeating: 1e-7)
    var a0 = SIMD16<Float>(repeating: seed), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3
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

@inline(never)
func triad(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, _ n: Int, _ s: Float) {
    let sv = SIMD16<Float>(repeating: s)
    var i = 0
    while i + 16 <= n {
        let bv = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
        let cv = UnsafeRawPointer(c + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(a + i).storeBytes(of: bv.addingProduct(cv, sv), as: SIMD16<Float>.self)
        i += 16
    }
    while i < n { a[i] = b[i] + s * c[i]; i += 1 }
}
