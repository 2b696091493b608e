import CVecShim
import VecPlatform
import Vecgrad

// Running a validated suite: for each planned case, build it, pin the pool's threads, check the
// variant's output against the reference (a wrong answer is never timed), measure, and record
// where every worker ran.

/// The order in which each round visits the cases.
public enum CaseOrder: String, CaseIterable, Sendable {
    /// Suite order in every round.
    case fixed
    /// A seeded permutation per round (Google Benchmark's random interleaving): a case's position
    /// (what ran before it, how warm the caches and the clock are) changes between rounds, so
    /// position effects average out instead of biasing one case.
    case shuffle
}

/// Everything a run needs besides the cases: how to measure, the machine's fingerprint,
/// calibration and topology, rounds and their order, and when to stop.
public struct BenchSettings {
    /// Sampling options (warm-up and sampling time per case, minimum and maximum samples).
    public var measure: MeasureOptions
    /// The machine and build the rows are stamped with.
    public var fingerprint: Fingerprint
    /// The machine's measured ceilings, for `roofline_pct`; nil leaves that column empty.
    public var calibration: Calibration?
    /// The machine's topology, for pin plans; pinned cases fail without it.
    public var topology: TopologyModel?
    /// Print a progress line per case on stderr.
    public var progress: Bool
    /// Passes over the whole suite; each case gets 1/rounds of its sampling time per round.
    public var rounds: Int
    /// The order each round visits the cases in.
    public var order: CaseOrder
    /// Seed of the shuffled orders (recorded in the sidecar so that a run can be repeated).
    public var seed: UInt64
    /// Stamped on every row and on the sidecar.
    public var runID: String
    /// Busy-loop processes running beside every case (`--contend`), stamped on every row.
    public var contend: Int
    /// Polled between cases: true stops the run (Ctrl-C), keeping what was measured.
    public var shouldStop: () -> Bool
    /// Settings as given; `rounds` below 1 counts as 1.
    public init(measure: MeasureOptions, fingerprint: Fingerprint, calibration: Calibration?,
                topology: TopologyModel?, progress: Bool = true, rounds: Int = 1, order: CaseOrder = .fixed,
                seed: UInt64 = 0, runID: String = "", contend: Int = 0, shouldStop: @escaping () -> Bool = { false }) {
        self.measure = measure; self.fingerprint = fingerprint; self.calibration = calibration
        self.topology = topology; self.progress = progress; self.rounds = Swift.max(1, rounds)
        self.order = order; self.seed = seed; self.runID = runID; self.contend = contend; self.shouldStop = shouldStop
    }
}

/// A case that produced no timing, and why.
public struct CaseFailure: Error, CustomStringConvertible, Equatable {
    /// The case that failed.
    public var planned: PlannedCase
    /// Why: a failed output check, a build or pinning error.
    public var message: String
    /// The case's label and the message.
    public var description: String { "\(BenchRun.label(planned)): \(message)" }
}

/// What a run produced: one record per measured case (suite order) and the cases that failed.
public struct BenchOutcome {
    /// One row per case that passed its check and was measured, in suite order.
    public var records: [BenchRecord]
    /// The cases dropped, with their reasons.
    public var failures: [CaseFailure]
    /// False when the run was stopped before every round of every case ran.
    public var complete = true
}

/// What one round of one case measured.
struct RoundResult {
    var measurement: Measurement
    var cpus: [Int]
    var check: CheckResult?
    /// Tensor storages one call allocates and the resident peak; measured on the first round only.
    var allocations: BenchRun.CallFootprint? = nil
}

/// Runs a planned suite: builds each case, pins the pool, checks the output, measures, records.
public enum BenchRun {
    /// "relu forward float32 1048576 simd t=1 pin=none": how progress lines and failures name a case.
    public static func label(_ c: PlannedCase) -> String {
        c.id.description
    }

    /// The order of case indices in `round`: suite order, or a permutation seeded by (seed, round).
    public static func order(count: Int, round: Int, order: CaseOrder, seed: UInt64) -> [Int] {
        var indices = Array(0..<count)
        guard order == .shuffle, count > 1 else { return indices }
        var rng = SplitMix64(seed: seed &+ UInt64(round) &* 0x9E37_79B9_7F4A_7C15)
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            indices.swapAt(i, j)
        }
        return indices
    }

    /// Runs every case `settings.rounds` times, each round a full pass in `settings.order`.
    /// A case that fails its check (or cannot be built or pinned) in any round is dropped and
    /// reported; rows come back in suite order whatever the run order was.
    public static func run(_ cases: [PlannedCase], catalog: OpCatalog, settings: BenchSettings) -> BenchOutcome {
        let rounds = settings.rounds
        let progress = Progress(total: cases.count * rounds, enabled: settings.progress)
        var results = [[RoundResult]](repeating: [], count: cases.count)
        var failures: [Int: CaseFailure] = [:]
        var complete = true
        roundLoop: for round in 0..<rounds {
            for i in order(count: cases.count, round: round, order: settings.order, seed: settings.seed)
            where failures[i] == nil && results[i].count <= round {
                if settings.shouldStop() { complete = false; break roundLoop }
                progress.start(label(cases[i]) + (rounds > 1 ? " (round \(round + 1)/\(rounds))" : ""))
                switch runRound(cases[i], catalog: catalog, settings: settings, checkFirst: results[i].isEmpty) {
                case .success(let r):
                    results[i] += r
                    for _ in 1..<Swift.max(1, r.count) { progress.finish() }   // rounds measured ahead
                case .failure(let f): failures[i] = f
                }
                progress.finish()
            }
        }
        _ = Pinning.unpinPool()
        var outcome = BenchOutcome(records: [], failures: [], complete: complete)
        for (i, c) in cases.enumerated() {
            if let f = failures[i] { outcome.failures.append(f); continue }
            guard !results[i].isEmpty, let entry = catalog.entry(named: c.id.op) else { continue }
            outcome.records.append(record(c, entry: entry, rounds: results[i], settings: settings))
        }
        return outcome
    }

    /// One case, one round: build it (fresh buffers each round), pin, check against the reference
    /// on its first round (a wrong answer is never timed), measure 1/rounds of its sampling time.
    /// Building a case costs more than this (inputs of 16M floats and their reference take
    /// seconds): such a case measures all its rounds back to back on its first turn instead of
    /// being rebuilt every round (keeping every case built instead would hold gigabytes).
    static let rebuildLimitNs: UInt64 = 200_000_000

    static func runRound(_ c: PlannedCase, catalog: OpCatalog, settings: BenchSettings, checkFirst: Bool) -> Result<[RoundResult], CaseFailure> {
        func fail(_ m: String) -> Result<[RoundResult], CaseFailure> { .failure(CaseFailure(planned: c, message: m)) }
        guard let entry = catalog.entry(named: c.id.op) else { return fail("op is not in the catalog") }
        let prepared: PreparedCase
        let buildStart = MonotonicClock.nanoseconds()
        do { prepared = try entry.make(c.id) } catch { return fail("could not build the case: \(error)") }
        let costly = checkFirst && MonotonicClock.nanoseconds() - buildStart > rebuildLimitNs

        let pinErrors: [String]
        if c.pinning == .none {
            pinErrors = Pinning.unpinPool()
        } else if let topology = settings.topology {
            // Only the process's CPUs: under taskset the machine's other CPUs are not ours to use.
            let plan = Pinning.plan(c.pinning, workers: c.id.threads, topology: topology.restricted(toCPUs: Pinning.processCPUList))
            pinErrors = Pinning.applyToPool(plan, threads: c.id.threads)
        } else {
            pinErrors = ["no topology of this machine, so no pin plan"]
        }
        guard pinErrors.isEmpty else { return fail("pinning failed: " + pinErrors.joined(separator: "; ")) }

        return Threading.withThreads(c.id.threads) {
            var check: CheckResult?
            if checkFirst {
                let result = prepared.check()
                guard result.passed else { return fail("output does not match the reference, not timed: \(result.detail)") }
                check = result
            }
            var options = settings.measure
            if let ms = c.minTimeMs { options.minTimeNs = Double(ms) * 1e6 }
            let rounds = Double(settings.rounds)
            options.minTimeNs /= rounds
            // Every round rebuilds the buffers, so every round warms up; the first round warms
            // the whole process (clock ramp), later ones the new pages.
            if !checkFirst { options.warmupNs = Swift.max(options.warmupNs / rounds, Swift.min(options.warmupNs, 2e6)) }
            options.minSamples = Swift.max(2, Int((Double(options.minSamples) / rounds).rounded(.up)))
            options.maxSamples = Swift.max(options.minSamples, Int((Double(options.maxSamples) / rounds).rounded(.up)))
            var out: [RoundResult] = []
            for _ in 0..<(costly ? settings.rounds : 1) {
                let m = Runner.measure(options, cpuClock: threadCPUNanoseconds, prepared.run)
                // A no-op on each thread refreshes lastCPUs even when the op stayed on one thread.
                // Capped as the kernels are: more requested threads than CPUs run on `threadLimit`
                // threads, and a no-op must not create the rest.
                let width = Swift.min(c.id.threads, Threading.threadLimit)
                ThreadPool.shared.runOnEachWorker(threads: width) { _ in }
                let cpus = width == 1 ? [Int(vg_current_cpu())] : Array(ThreadPool.shared.lastCPUs.prefix(width))
                out.append(RoundResult(measurement: m, cpus: cpus, check: out.isEmpty ? check : nil,
                                       allocations: out.isEmpty && checkFirst ? allocationsPerCall(prepared.run) : nil))
                options.warmupNs = Swift.min(options.warmupNs, 2e6)
            }
            return .success(out)
        }
    }

    /// What one call allocates and how much memory it keeps resident.
    struct CallFootprint {
        var count: Double, bytes: Double
        var peakRSS: Double?, rssGrowth: Double?
    }

    /// Tensor storages one call allocates, averaged over two untimed calls after the timing (a
    /// first call may allocate what later ones reuse; the timed calls warmed every cache), and the
    /// process's peak resident memory during those calls (its peak reset just before).
    static func allocationsPerCall(_ run: () -> Void) -> CallFootprint {
        let calls = 2
        return ResidentMemory.withPeakWindow {
            let resetOK = ResidentMemory.resetPeak()
            let before = ResidentMemory.currentBytes
            let (a, _) = StorageAllocations.counting { for _ in 0..<calls { run() } }
            var footprint = CallFootprint(count: Double(a.count) / Double(calls), bytes: Double(a.bytes) / Double(calls))
            if resetOK, let peak = ResidentMemory.peakBytes, let before {
                footprint.peakRSS = Double(peak)
                footprint.rssGrowth = Double(Swift.max(0, peak - before))
            }
            return footprint
        }
    }

    /// The row of a case from its rounds.
    static func record(_ c: PlannedCase, entry: OpEntry, rounds: [RoundResult], settings: BenchSettings) -> BenchRecord {
        // Rounded to 0.1 ns before summarising, so that the CSV's samples reproduce its median.
        func tenth(_ x: Double) -> Double { (x * 10).rounded() / 10 }
        let samples = rounds.flatMap { $0.measurement.samples.map(tenth) }
        let roundMedians = rounds.map { tenth(Stats.median($0.measurement.samples.map(tenth))) }
        let summary = Stats.summarize(samples)
        let cost = entry.costModel(c.id.shapes, c.id.dtype, c.id.phase, c.id.variant)
        let check = rounds.first?.check
        let cpuSamples = rounds.flatMap(\.measurement.cpuSamples)
        var r = BenchRecord(
            fingerprintID: settings.fingerprint.id, gitCommit: settings.fingerprint.gitCommit,
            op: c.id.op, variant: c.id.variant, dtype: c.id.dtype, shapes: c.id.shapes,
            threads: c.id.threads, pinning: c.pinning.rawValue, cpuList: rounds.last?.cpus ?? [], phase: c.id.phase,
            summary: summary, bytes: cost.bytes, flops: cost.flops,
            throughput: entry.throughput(cost, nanoseconds: summary.median), unit: entry.unit,
            // The threads that ran (a parallel loop's own rule: capped at the process's CPUs unless oversubscribed).
            rooflinePct: settings.calibration?.rooflinePct(cost: cost, threads: Threading.usableThreads(c.id.threads),
                                                           medianNs: summary.median, label: label(c)),
            maxAbsErr: check?.errors.maxAbs, maxRelErr: check?.errors.maxRel, maxUlp: check?.errors.maxUlp,
            samplesNs: samples)
        r.openblasCore = settings.fingerprint.openblasCore
        if roundMedians.count >= 2 {
            r.roundMediansNs = roundMedians
            r.noisePct = Stats.noisePercent(roundMedians)
        }
        r.callsPerSample = rounds.first?.measurement.callsPerSample
        if !cpuSamples.isEmpty {
            r.cpuNs = tenth(Stats.median(cpuSamples))
            if roundMedians.count >= 2 { r.roundCPUNs = rounds.map { tenth(Stats.median($0.measurement.cpuSamples)) } }
        }
        r.runID = settings.runID
        r.contend = settings.contend
        if let a = rounds.first?.allocations {
            (r.allocsPerCall, r.allocBytesPerCall) = (a.count, a.bytes)
            (r.peakRSSBytes, r.rssGrowthBytes) = (a.peakRSS, a.rssGrowth)
        }
        return r
    }

    /// The CPU list for the table: at most four CPUs, then the count ("0,1,0,1,...(64)").
    static func cpus(_ list: [Int]) -> String {
        let shown = list.prefix(4).map(String.init).joined(separator: ",")
        return list.count > 4 ? shown + ",...(\(list.count))" : shown
    }

    /// The table `vecbench run` prints on stdout.
    public static func table(_ records: [BenchRecord]) -> String {
        let rows = records.map { r -> [String] in
            let halfWidth = r.medianNs > 0 ? (r.ciHighNs - r.ciLowNs) / 2 / r.medianNs : 0
            return [r.op, r.phase.rawValue, r.dtype.rawValue, formatShapes(r.shapes), r.variant, String(r.threads),
                    r.pinning, cpus(r.cpuList), TextFormat.duration(r.medianNs),
                    "±" + TextFormat.fixed(halfWidth * 100, 1) + "%",
                    TextFormat.fixed(r.throughput, 2) + " " + r.unit.rawValue,
                    r.rooflinePct.map { TextFormat.fixed($0, 0) + "%" } ?? "-",
                    r.maxUlp.map { TextFormat.fixed($0, 2) } ?? "-"]
        }
        return TextFormat.table(["op", "phase", "dtype", "shapes", "variant", "thr", "pin", "cpus", "median",
                                 "ci95", "throughput", "roofline", "max ulp|u"], rows, rightAligned: [5, 8, 9, 10, 11, 12])
    }
}
