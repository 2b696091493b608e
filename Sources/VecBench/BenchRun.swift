import CVecShim
import VecPlatform

// Running a validated suite: for each planned case, build it, pin the pool's threads, check the
// variant's output against the reference (a wrong answer is never timed), measure, and record
// where every worker ran.

public struct BenchSettings {
    public var measure: MeasureOptions
    public var fingerprint: Fingerprint
    public var calibration: Calibration?
    /// The machine's topology, for pin plans; pinned cases fail without it.
    public var topology: TopologyModel?
    public var progress: Bool
    public init(measure: MeasureOptions, fingerprint: Fingerprint, calibration: Calibration?,
                topology: TopologyModel?, progress: Bool = true) {
        self.measure = measure; self.fingerprint = fingerprint; self.calibration = calibration
        self.topology = topology; self.progress = progress
    }
}

/// A case that produced no timing, and why.
public struct CaseFailure: Error, CustomStringConvertible, Equatable {
    public var planned: PlannedCase
    public var message: String
    public var description: String { "\(BenchRun.label(planned)): \(message)" }
}

public struct BenchOutcome {
    public var records: [BenchRecord]
    public var failures: [CaseFailure]
}

public enum BenchRun {
    public static func label(_ c: PlannedCase) -> String {
        "\(c.spec.op) \(c.spec.phase.rawValue) \(c.spec.dtype.rawValue) \(formatShapes(c.spec.shapes)) "
            + "\(c.spec.variant) t=\(c.spec.threads) pin=\(c.pinning.rawValue)"
    }

    public static func run(_ cases: [PlannedCase], catalog: OpCatalog, settings: BenchSettings) -> BenchOutcome {
        let progress = Progress(total: cases.count, enabled: settings.progress)
        var outcome = BenchOutcome(records: [], failures: [])
        for c in cases {
            progress.start(label(c))
            switch runCase(c, catalog: catalog, settings: settings) {
            case .success(let r): outcome.records.append(r)
            case .failure(let f): outcome.failures.append(f)
            }
            progress.finish()
        }
        _ = Pinning.unpinPool()
        return outcome
    }

    public static func runCase(_ c: PlannedCase, catalog: OpCatalog, settings: BenchSettings) -> Result<BenchRecord, CaseFailure> {
        func fail(_ m: String) -> Result<BenchRecord, CaseFailure> { .failure(CaseFailure(planned: c, message: m)) }
        guard let entry = catalog.entry(named: c.spec.op) else { return fail("op is not in the catalog") }
        let prepared: PreparedCase
        do { prepared = try entry.make(c.spec) } catch { return fail("could not build the case: \(error)") }

        let pinErrors: [String]
        if c.pinning == .none {
            pinErrors = Pinning.unpinPool()
        } else if let topology = settings.topology {
            pinErrors = Pinning.applyToPool(Pinning.plan(c.pinning, workers: c.spec.threads, topology: topology),
                                            threads: c.spec.threads)
        } else {
            pinErrors = ["no topology of this machine, so no pin plan"]
        }
        guard pinErrors.isEmpty else { return fail("pinning failed: " + pinErrors.joined(separator: "; ")) }

        return Threading.withThreads(c.spec.threads) {
            let check = prepared.check()
            guard check.passed else { return fail("output does not match the reference, not timed: \(check.detail)") }
            var options = settings.measure
            if let ms = c.minTimeMs { options.minTimeNs = Double(ms) * 1e6 }
            let m = Runner.measure(options, prepared.run)
            // A no-op on each thread refreshes lastCPUs even when the op stayed on one thread.
            ThreadPool.shared.runOnEachWorker(threads: c.spec.threads) { _ in }
            let cpus = c.spec.threads == 1 ? [Int(vg_current_cpu())] : Array(ThreadPool.shared.lastCPUs.prefix(c.spec.threads))
            // Rounded to 0.1 ns before summarising, so that the CSV's samples reproduce its median.
            let samples = m.samples.map { ($0 * 10).rounded() / 10 }
            let summary = Stats.summarize(samples)
            let cost = entry.costModel(c.spec.shapes, c.spec.dtype, c.spec.phase)
            let record = BenchRecord(
                fingerprintID: settings.fingerprint.id, gitCommit: settings.fingerprint.gitCommit,
                op: c.spec.op, variant: c.spec.variant, dtype: c.spec.dtype, shapes: c.spec.shapes,
                threads: c.spec.threads, pinning: c.pinning.rawValue, cpuList: cpus, phase: c.spec.phase,
                summary: summary, bytes: cost.bytes, flops: cost.flops,
                throughput: entry.throughput(cost, nanoseconds: summary.median), unit: entry.unit,
                rooflinePct: settings.calibration?.rooflinePct(cost: cost, threads: c.spec.threads, medianNs: summary.median),
                maxAbsErr: check.errors.maxAbs, maxRelErr: check.errors.maxRel, maxUlp: check.errors.maxUlp,
                samplesNs: samples)
            return .success(record)
        }
    }

    /// The table `vecbench run` prints on stdout.
    public static func table(_ records: [BenchRecord]) -> String {
        let rows = records.map { r -> [String] in
            let halfWidth = r.medianNs > 0 ? (r.ciHighNs - r.ciLowNs) / 2 / r.medianNs : 0
            return [r.op, r.phase.rawValue, r.dtype.rawValue, formatShapes(r.shapes), r.variant, String(r.threads),
                    r.pinning, r.cpuList.map(String.init).joined(separator: ","), TextFormat.duration(r.medianNs),
                    "±" + TextFormat.fixed(halfWidth * 100, 1) + "%",
                    TextFormat.fixed(r.throughput, 2) + " " + r.unit.rawValue,
                    r.rooflinePct.map { TextFormat.fixed($0, 0) + "%" } ?? "-",
                    r.maxUlp.map { TextFormat.fixed($0, 2) } ?? "-"]
        }
        return TextFormat.table(["op", "phase", "dtype", "shapes", "variant", "thr", "pin", "cpus", "median",
                                 "ci95", "throughput", "roofline", "max ulp"], rows, rightAligned: [5, 8, 9, 10, 11, 12])
    }
}
