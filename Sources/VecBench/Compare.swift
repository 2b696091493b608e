import Foundation

// The CI gate as pure functions. A case is "regressed" or "improved" only when the difference is
// larger than the threshold and than what the machine's own noise explains. On a shared machine
// the spread between runs is far larger than the spread of samples within a run (a rank test over
// one run's samples gives p ~ 0 for every 2% drift: 10-21 of 57 cases flagged on identical runs),
// so reports measured in rounds are judged against their between-round spread; reports without
// rounds (older ones, PyTorch anchors) fall back to a rank test with a minimum-sample guard.

/// What `vecbench compare` concluded for one case: `improved` or `regressed` (beyond the threshold
/// and the noise), `unchanged`, `new` (only in the current report), `missing` (only in the
/// baseline), `noisy` or `tooFewSamples`. Raw values are the JSON and table spellings.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case improved, regressed, unchanged, new, missing
    /// Beyond the threshold but within the noise the two reports themselves show: not a failure.
    case noisy
    /// Beyond the threshold with too few samples for any test to decide: not a failure.
    case tooFewSamples = "too_few_samples"
}

/// The settings of the gate (`vecbench compare` and `ab` flags).
public struct CompareOptions: Sendable {
    /// Smallest |change| of the median that counts (0.05 = 5%).
    public var threshold = 0.05
    /// Significance level of the rank test.
    public var alpha = 0.01
    /// Compare one variant of the baseline with one of the current report (e.g. torch vs simd);
    /// other variants are left out and the variant leaves the key.
    public var baselineVariant: String?
    /// The current report's variant to pair with `baselineVariant` (both or neither).
    public var currentVariant: String?
    /// Leave the pinning out of the key (PyTorch's threads are never pinned; ours may be).
    public var ignorePinning = false
    /// A change must also exceed this many times the larger between-round spread of the two rows.
    public var noiseFactor = 1.0
    /// Fewest samples a side for a significance verdict (rank test); fewer give `tooFewSamples`.
    public var minSamples = 5
    /// Changes smaller than this many nanoseconds never count (ns-scale cases flip between speed
    /// modes across processes).
    public var minDeltaNs = 0.0
    /// A case of the baseline that the current report lacks fails the gate unless this is set.
    public var allowMissing = false
    /// More tensor allocations per call than the baseline fails the gate (the counts are exact, so
    /// no noise margin) unless this is set.
    public var ignoreAllocations = false
    /// Options as given (the defaults are the gate's: 5% threshold, alpha 0.01, 5 samples).
    public init(threshold: Double = 0.05, alpha: Double = 0.01, baselineVariant: String? = nil, currentVariant: String? = nil,
                ignorePinning: Bool = false, noiseFactor: Double = 1.0, minSamples: Int = 5, minDeltaNs: Double = 0,
                allowMissing: Bool = false, ignoreAllocations: Bool = false) {
        self.threshold = threshold; self.alpha = alpha
        self.baselineVariant = baselineVariant; self.currentVariant = currentVariant; self.ignorePinning = ignorePinning
        self.noiseFactor = noiseFactor; self.minSamples = minSamples; self.minDeltaNs = minDeltaNs
        self.allowMissing = allowMissing; self.ignoreAllocations = ignoreAllocations
    }
}

/// The judgement of one case: both medians, the change, how it was judged and the verdict.
public struct CaseComparison: Codable, Equatable, Sendable {
    /// The case.
    public var key: CaseID
    /// The baseline's median, ns per call; nil for a new case.
    public var baselineMedianNs: Double?
    /// The current median, ns per call; nil for a missing case.
    public var currentMedianNs: Double?
    /// current / baseline - 1 of the medians: +0.10 means 10% slower.
    public var change: Double?
    /// "rounds", "mann-whitney", "mann-whitney-exact", "ci-overlap", "mad" or "min-delta": how
    /// the difference was judged.
    public var method: String?
    /// The noise margin the change had to exceed (fraction), for the "rounds" method.
    public var noise: Double? = nil
    /// The rank test's p-value, for the Mann-Whitney methods.
    public var pValue: Double?
    /// The difference exceeded the noise (rounds) or passed the significance test.
    public var significant: Bool
    /// The verdict.
    public var verdict: Verdict
    /// Tensor storages one call allocated in the baseline; nil when not measured.
    public var baselineAllocs: Double? = nil
    /// Tensor storages one call allocates now; nil when not measured.
    public var currentAllocs: Double? = nil
    /// More allocations per call than the baseline (both measured); fails the gate unless ignored.
    public var allocsIncreased: Bool { (currentAllocs ?? 0) > (baselineAllocs ?? .infinity) }
}

/// Everything `vecbench compare` decided: the options in force, every case and the fingerprint findings.
public struct CompareResult: Codable, Equatable, Sendable {
    /// The threshold used (fraction).
    public var threshold: Double
    /// The significance level used.
    public var alpha: Double
    /// One comparison per case of either report, in key order.
    public var cases: [CaseComparison]
    /// "machine X (baseline) vs Y (current)" for each pair of differing machine fingerprints.
    public var incompatibleFingerprints: [String]
    /// Findings that do not make rows incomparable but weaken them (differing OpenBLAS cores, rows of
    /// fewer than 3 rounds).
    public var fingerprintWarnings: [String]
    /// Missing cases do not fail the gate.
    public var allowMissing = false
    /// More allocations per call do not fail the gate.
    public var ignoreAllocations = false

    /// Cases with verdict `v`.
    public func count(_ v: Verdict) -> Int { cases.filter { $0.verdict == v }.count }
    /// Cases that allocate more tensor storages per call than in the baseline.
    public var allocationIncreases: Int { cases.filter(\.allocsIncreased).count }
    /// 1 when any case regressed, (unless allowed) is missing from the current report or allocates
    /// more per call, else 0 (2, bad input, never reaches here).
    public var exitCode: Int32 {
        count(.regressed) > 0 || (!allowMissing && count(.missing) > 0) || (!ignoreAllocations && allocationIncreases > 0) ? 1 : 0
    }
}

/// The CI gate as pure functions: pairing two reports' rows, judging each change against the
/// threshold and the reports' own noise, the table and verdict.json.
public enum Compare {
    /// Decides whether two rows differ: Mann-Whitney over the raw samples when both rows carry
    /// them (and they agree with the stated medians), else disjoint 95% median intervals, else a
    /// 3-sigma test on the medians' standard errors estimated from the MAD.
    public static func significance(_ a: BenchRecord, _ b: BenchRecord, alpha: Double) -> (significant: Bool, method: String, p: Double?) {
        if samplesUsable(a), samplesUsable(b) {
            // The normal approximation cannot reach p < 0.01 with 5 values a side even when they
            // are fully separated; the exact distribution can (2/252).
            if a.samplesNs.count <= 30 && b.samplesNs.count <= 30 {
                let p = Stats.mannWhitneyExactP(a.samplesNs, b.samplesNs)
                return (p < alpha, "mann-whitney-exact", p)
            }
            let p = Stats.mannWhitney(a.samplesNs, b.samplesNs).pValue
            return (p < alpha, "mann-whitney", p)
        }
        if intervalUsable(a), intervalUsable(b) {
            return (Stats.intervalsDisjoint((a.ciLowNs, a.ciHighNs), (b.ciLowNs, b.ciHighNs)), "ci-overlap", nil)
        }
        // Standard error of a median ~ 1.2533 * sigma / sqrt(n), sigma ~ 1.4826 * MAD.
        func se(_ r: BenchRecord) -> Double { 1.2533 * 1.4826 * r.madNs / Double(max(1, r.samples)).squareRoot() }
        let bound = 3 * (se(a) * se(a) + se(b) * se(b)).squareRoot()
        return (abs(a.medianNs - b.medianNs) > bound, "mad", nil)
    }

    /// Samples count only if there are enough for the rank test and they match the row's median
    /// (a hand-scaled baseline that kept its old samples must not be judged by them).
    static func samplesUsable(_ r: BenchRecord) -> Bool {
        guard r.samplesNs.count >= 5 else { return false }
        return abs(Stats.median(r.samplesNs) - r.medianNs) <= 1e-6 * r.medianNs + 1e-9
    }

    static func intervalUsable(_ r: BenchRecord) -> Bool {
        r.ciLowNs <= r.medianNs && r.medianNs <= r.ciHighNs && r.ciHighNs > 0
    }

    /// The verdict for one case: `new`/`missing` when a side is absent; `unchanged` below
    /// `minDeltaNs`; with 3+ rounds on both sides, beyond the threshold and the between-round noise
    /// (times `noiseFactor`) is a regression or improvement, beyond the threshold only `noisy`;
    /// otherwise a side with fewer than `minSamples` samples gives `tooFewSamples` (when beyond the
    /// threshold), else the rank test decides (`significance`).
    public static func judge(baseline: BenchRecord?, current: BenchRecord?, key: CaseID, options: CompareOptions) -> CaseComparison {
        guard let baseline, let current else {
            return CaseComparison(key: key, baselineMedianNs: baseline?.medianNs, currentMedianNs: current?.medianNs,
                                  change: nil, method: nil, pValue: nil, significant: false,
                                  verdict: baseline == nil ? .new : .missing)
        }
        let change = current.medianNs / baseline.medianNs - 1
        func result(_ verdict: Verdict, _ method: String, significant: Bool, p: Double? = nil, noise: Double? = nil) -> CaseComparison {
            CaseComparison(key: key, baselineMedianNs: baseline.medianNs, currentMedianNs: current.medianNs,
                           change: change, method: method, noise: noise, pValue: p, significant: significant, verdict: verdict)
        }
        // The size of a change is taken against the faster side (1.156x slower and 1/1.156 = 0.865x
        // are both 15.6%), so that comparing B with A gives the mirror verdict of A with B
        // (REGRESSED <-> IMPROVED) instead of one side NOISY: a slowdown reads as before.
        let size = change >= 0 ? change : baseline.medianNs / current.medianNs - 1
        let beyond = size > options.threshold
        let direction: Verdict = change > 0 ? .regressed : .improved
        if abs(current.medianNs - baseline.medianNs) < options.minDeltaNs { return result(.unchanged, "min-delta", significant: false) }
        if let noise = roundNoise(baseline, current) {
            let margin = options.noiseFactor * noise
            let significant = size > margin
            return result(beyond ? (significant ? direction : .noisy) : .unchanged, "rounds", significant: significant, noise: margin)
        }
        let count = Swift.min(sampleCount(baseline), sampleCount(current))
        if count < options.minSamples {
            return result(beyond ? .tooFewSamples : .unchanged, "too-few-samples", significant: false)
        }
        let s = significance(baseline, current, alpha: options.alpha)
        return result(s.significant && beyond ? direction : .unchanged, s.method, significant: s.significant, p: s.p)
    }

    /// The larger between-round spread of the two rows (fraction), when both were measured in
    /// at least three rounds; nil otherwise.
    static func roundNoise(_ a: BenchRecord, _ b: BenchRecord) -> Double? {
        guard a.roundMediansNs.count >= 3, b.roundMediansNs.count >= 3 else { return nil }
        let x = Stats.roundSpread(a.roundMediansNs), y = Stats.roundSpread(b.roundMediansNs)
        guard x.isFinite, y.isFinite else { return nil }
        return Swift.max(x, y)
    }

    /// Samples behind a row: the listed ones when present, else the stated count.
    static func sampleCount(_ r: BenchRecord) -> Int { r.samplesNs.isEmpty ? r.samples : r.samplesNs.count }

    /// Rows by key; two rows with one key make the report ambiguous, which is bad input.
    public static func index(_ records: [BenchRecord], file: String, variant: String?, ignorePinning: Bool = false) throws -> [CaseID: BenchRecord] {
        var out: [CaseID: BenchRecord] = [:]
        for r in records where variant == nil || r.variant == variant {
            let k = r.id.ignoring(variant: variant != nil, pinning: ignorePinning)
            guard out[k] == nil else {
                throw ReportError(file: file, "holds the case '\(k.description)' twice; compare needs one row per case")
            }
            out[k] = r
        }
        if let variant, out.isEmpty { throw ReportError(file: file, "has no rows of variant '\(variant)'") }
        return out
    }

    /// Pairs the two reports' rows by key and judges each. Throws `ReportError` when only one of the
    /// two variants is given, a report holds a case twice, or a named variant has no rows.
    public static func compare(baseline: [BenchRecord], current: [BenchRecord], baselineFile: String = "baseline",
                               currentFile: String = "current", options: CompareOptions = CompareOptions()) throws -> CompareResult {
        let variantsPaired = options.baselineVariant != nil || options.currentVariant != nil
        guard !variantsPaired || (options.baselineVariant != nil && options.currentVariant != nil) else {
            throw ReportError(file: currentFile, "give both a baseline and a current variant, or neither")
        }
        let base = try index(baseline, file: baselineFile, variant: options.baselineVariant, ignorePinning: options.ignorePinning)
        let cur = try index(current, file: currentFile, variant: options.currentVariant, ignorePinning: options.ignorePinning)
        var cases: [CaseComparison] = []
        var incompatible: Set<String> = []
        var warnings: Set<String> = []
        for key in Set(base.keys).union(cur.keys).sorted() {
            let (b, c) = (base[key], cur[key])
            if let b, let c, b.fingerprintID != c.fingerprintID {
                incompatible.insert("machine \(b.fingerprintID) (baseline) vs \(c.fingerprintID) (current)")
            }
            // Only BLAS-backed rows depend on the OpenBLAS kernel set; PyTorch rows have none.
            if let b, let c, !b.openblasCore.isEmpty, !c.openblasCore.isEmpty,
               b.openblasCore.lowercased() != c.openblasCore.lowercased() {
                warnings.insert("OpenBLAS core: \(b.openblasCore) (baseline) vs \(c.openblasCore) (current): blas rows are not comparable")
            }
            // A contended row measures how the kernel shares the machine, not the kernel alone.
            if let b, let c, let bc = b.contend, let cc = c.contend, bc != cc {
                warnings.insert("contention: --contend \(bc) (baseline) vs \(cc) (current): the rows measure different loads")
            }
            var judged = judge(baseline: b, current: c, key: key, options: options)
            (judged.baselineAllocs, judged.currentAllocs) = (b?.allocsPerCall, c?.allocsPerCall)
            cases.append(judged)
        }
        // A run held to fewer CPUs (taskset, a cpuset) keeps each row's thread count as asked and
        // runs it on the CPUs there are: its cpu_list is shorter than its threads.
        for (side, rows) in [("baseline", base.values), ("current", cur.values)] {
            let capped = rows.filter { !$0.cpuList.isEmpty && $0.cpuList.count < $0.threads }.count
            if capped > 0 {
                warnings.insert("\(capped) \(side) row(s) ran on fewer CPUs than their thread count (cpu_list; a taskset or "
                                + "cpuset held the run): they did not measure the threads they name")
            }
        }
        let fewRounds = base.values.filter { (1...2).contains($0.roundMediansNs.count) }.count
            + cur.values.filter { (1...2).contains($0.roundMediansNs.count) }.count
        if fewRounds > 0 {
            warnings.insert("\(fewRounds) row(s) measured in fewer than 3 rounds: judged by a rank test over samples, "
                            + "which does not see between-run noise (vecbench run --rounds 3 or more)")
        }
        return CompareResult(threshold: options.threshold, alpha: options.alpha, cases: cases,
                             incompatibleFingerprints: incompatible.sorted(), fingerprintWarnings: warnings.sorted(),
                             allowMissing: options.allowMissing, ignoreAllocations: options.ignoreAllocations)
    }

    /// The table printed by `vecbench compare`.
    public static func table(_ result: CompareResult) -> String {
        let rows: [[String]] = result.cases.map { c in
            [c.key.op, c.key.phase.rawValue, c.key.dtype.rawValue, formatShapes(c.key.shapes), c.key.variant, String(c.key.threads), c.key.pinning,
             c.baselineMedianNs.map(TextFormat.duration) ?? "-", c.currentMedianNs.map(TextFormat.duration) ?? "-",
             c.change.map(TextFormat.percent) ?? "-",
             c.pValue.map { TextFormat.fixed($0, 4) }
                ?? c.noise.map { "noise " + TextFormat.fixed($0 * 100, 1) + "%" }
                ?? (c.method == nil ? "-" : c.method! + (c.significant ? " diff" : " same")),
             c.verdict.rawValue.uppercased(), allocs(c)]
        }
        let header = ["op", "phase", "dtype", "shapes", "variant", "thr", "pin", "baseline", "current", "change",
                      "p / margin", "verdict", "allocs/call"]
        let summary = "\(result.count(.regressed)) regressed, \(result.count(.improved)) improved, "
            + "\(result.count(.unchanged)) unchanged, \(result.count(.noisy)) noisy, "
            + "\(result.count(.tooFewSamples)) too few samples, \(result.count(.new)) new, \(result.count(.missing)) missing "
            + "(threshold \(TextFormat.fixed(result.threshold * 100, 1))%, alpha \(result.alpha))\n"
            + (result.allocationIncreases > 0 ? "\(result.allocationIncreases) case(s) allocate more per call (MORE)\n" : "")
        return TextFormat.table(header, rows, rightAligned: [5, 7, 8, 9, 10]) + summary
    }

    /// "3", "4 -> 3", "2 -> 3 MORE", or "-" when neither report measured it.
    static func allocs(_ c: CaseComparison) -> String {
        func text(_ x: Double) -> String { ReportCSV.num((x * 100).rounded() / 100) }
        switch (c.baselineAllocs, c.currentAllocs) {
        case (nil, nil): return "-"
        case let (b?, cur?) where b == cur: return text(cur)
        case let (b, cur): return (b.map(text) ?? "-") + " -> " + (cur.map(text) ?? "-") + (c.allocsIncreased ? " MORE" : "")
        }
    }

    /// verdict.json: the options, the fingerprint findings, counts and every case.
    public static func verdictJSON(_ result: CompareResult, baselinePath: String, currentPath: String, advisory: Bool) throws -> String {
        struct Document: Encodable {
            var baseline: String
            var current: String
            var advisory: Bool
            var exit_code: Int32
            var summary: [String: Int]
            var result: CompareResult
        }
        let summary = Dictionary(uniqueKeysWithValues: Verdict.allCases.map { ($0.rawValue, result.count($0)) })
        let doc = Document(baseline: baselinePath, current: currentPath, advisory: advisory,
                           exit_code: advisory ? 0 : result.exitCode, summary: summary, result: result)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(doc), as: UTF8.self) + "\n"
    }
}
