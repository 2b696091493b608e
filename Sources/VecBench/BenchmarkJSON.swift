#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VecPlatform

// The JSON sidecar of a report, in Google Benchmark's --benchmark_format=json layout (schema of
// src/json_reporter.cc, json_schema_version 1) so that its tools/compare.py reads it as intended:
// `compare.py benchmarks base.json new.json`. Each case is one family; each round of the run is
// one repetition (real_time = that round's median, iterations = calls per sample), followed by
// median/mean/stddev/cv aggregates over the rounds. Every case has the same number of
// repetitions (the run's rounds), so compare.py's geomean weighs every case alike; raw samples
// stay in the CSV. Context fields are measured or left out, never constants that look measured.
// The vecbench fingerprint and run settings ride along in context.vecbench_*, which Google's
// tools ignore and `vecbench compare` checks.

/// A report's JSON sidecar in Google Benchmark's `--benchmark_format=json` layout (json_schema_version 1),
/// so that its tools/compare.py reads it; field names are Google Benchmark's (snake_case).
public struct BenchmarkJSON: Codable, Equatable {
    /// One cache level of the machine, as Google Benchmark's context lists it.
    public struct Cache: Codable, Equatable {
        /// "Data" for L1, "Unified" for the others.
        public var type: String
        /// Cache level (1, 2, 3).
        public var level: Int
        /// Size of one cache of this level, bytes.
        public var size: Int
        /// PUs that share one such cache (at least 1).
        public var num_sharing: Int
    }

    /// How the run was made: the id its CSV rows carry, rounds, case order and its seed.
    public struct RunInfo: Codable, Equatable, Sendable {
        /// The run id stamped on the report's CSV rows, so that a reader can tell a mismatched pair.
        public var run_id: String
        /// Passes over the suite.
        public var rounds: Int
        /// `CaseOrder` raw value: "fixed" or "shuffle".
        public var order: String
        /// Seed of the shuffled orders.
        public var seed: UInt64
        /// Busy-loop processes run beside the cases (`vecbench run --contend`).
        public var contend: Int
        /// Run information as given.
        public init(runID: String, rounds: Int, order: String, seed: UInt64, contend: Int = 0) {
            run_id = runID; self.rounds = rounds; self.order = order; self.seed = seed; self.contend = contend
        }
    }

    /// Google Benchmark's context block: the machine and build, plus `vecbench_*` fields its tools ignore.
    public struct Context: Codable, Equatable {
        /// When the run started (the fingerprint's date).
        public var date: String
        /// The machine's host name.
        public var host_name: String
        /// Always "vecbench".
        public var executable: String
        /// Logical CPUs of the machine.
        public var num_cpus: Int
        /// From cpufreq (max frequency) or /proc/cpuinfo; absent where neither says.
        public var mhz_per_cpu: Int?
        /// True when a cpufreq governor other than "performance" is active; absent without cpufreq.
        public var cpu_scaling_enabled: Bool?
        /// One entry per cache level, from the topology (empty without one).
        public var caches: [Cache]
        /// The 1, 5 and 15 minute load averages when the sidecar was made (fewer if getloadavg gave fewer).
        public var load_avg: [Double]
        /// `BenchmarkJSON.version`.
        public var library_version: String
        /// The build configuration of vecbench ("release" or "debug").
        public var library_build_type: String
        /// Always 1 (Google Benchmark's schema version).
        public var json_schema_version: Int
        /// The full fingerprint, which `vecbench compare` checks against the baseline's.
        public var vecbench_fingerprint: Fingerprint
        /// Rounds, order, seed and run id; nil in sidecars written without run settings.
        public var vecbench_run: RunInfo?
    }

    /// One entry of `benchmarks`: a repetition (one round of one case) or an aggregate over the rounds.
    public struct Run: Codable, Equatable {
        /// The case's name (`BenchmarkJSON.name`), with "_mean", "_median", "_stddev" or "_cv" for aggregates.
        public var name: String
        /// The case's position in the report (one family per case).
        public var family_index: Int
        /// Always 0: each family has one instance.
        public var per_family_instance_index: Int
        /// The case's name without an aggregate suffix.
        public var run_name: String
        /// "iteration" for a repetition, "aggregate" for the statistics.
        public var run_type: String
        /// Rounds the case was measured in.
        public var repetitions: Int
        /// The round, for repetitions; nil for aggregates.
        public var repetition_index: Int?
        /// Threads the case ran on.
        public var threads: Int
        /// "mean", "median", "stddev" or "cv"; nil for repetitions.
        public var aggregate_name: String?
        /// "time", or "percentage" for cv; nil for repetitions.
        public var aggregate_unit: String?
        /// Calls per sample (1 when the report does not say).
        public var iterations: Int
        /// The round's median time per call, nanoseconds (the aggregate's value for aggregates; cv is a fraction).
        public var real_time: Double
        /// CPU time per call, nanoseconds (the real time for rows read from reports that did not record it).
        public var cpu_time: Double
        /// Always "ns".
        public var time_unit: String
        /// Bytes moved per second at `real_time`; nil when the case counts no bytes, and for cv.
        public var bytes_per_second: Double?
        /// FLOPs per second at `real_time`; nil when the case counts no FLOPs, and for cv.
        public var items_per_second: Double?
    }

    /// The machine, build and run settings.
    public var context: Context
    /// Every case's repetitions, each followed by its aggregates (with two or more rounds).
    public var benchmarks: [Run]

    /// The `library_version` written into every sidecar.
    public static let version = "vecbench 0.2.0"

    /// Benchmark name of a row: op/phase/dtype/shapes/variant/threads:N/pin:P.
    public static func name(_ r: BenchRecord) -> String {
        "\(r.op)/\(r.phase.rawValue)/\(r.dtype.rawValue)/\(formatShapes(r.shapes))/\(r.variant)"
            + "/threads:\(r.threads)/pin:\(r.pinning)"
    }

    /// The sidecar of `records`: context from the fingerprint, topology (caches) and the load average
    /// now, then one family per record (`entries`).
    public static func make(records: [BenchRecord], fingerprint: Fingerprint, topology: TopologyModel?,
                            run: RunInfo? = nil) -> BenchmarkJSON {
        var caches: [Cache] = []
        if let topology {
            for level in Set(topology.caches.map(\.level)).sorted() {
                guard let c = topology.caches.first(where: { $0.level == level }) else { continue }
                caches.append(Cache(type: level == 1 ? "Data" : "Unified", level: level, size: c.sizeBytes,
                                    num_sharing: max(1, c.pus.count)))
            }
        }
        var load = [Double](repeating: 0, count: 3)
        let loadCount = Int(getloadavg(&load, 3))
        let context = Context(date: fingerprint.date, host_name: fingerprint.hostname, executable: "vecbench",
                              num_cpus: fingerprint.logicalCPUs, mhz_per_cpu: fingerprint.cpuMHz,
                              cpu_scaling_enabled: fingerprint.frequencyScaling,
                              caches: caches, load_avg: Array(load.prefix(max(0, loadCount))),
                              library_version: version, library_build_type: fingerprint.buildConfiguration,
                              json_schema_version: 1, vecbench_fingerprint: fingerprint, vecbench_run: run)
        var runs: [Run] = []
        for (family, r) in records.enumerated() { runs += entries(r, family: family) }
        return BenchmarkJSON(context: context, benchmarks: runs)
    }

    /// One repetition per round, then the aggregates (only with two or more, as Google Benchmark).
    static func entries(_ r: BenchRecord, family: Int) -> [Run] {
        let name = self.name(r)
        let times = r.roundMediansNs.isEmpty ? [r.medianNs] : r.roundMediansNs
        // Rows read from reports older than round_cpu_ns have no CPU time: real time stands in.
        let cpuTimes = r.roundCPUNs.count == times.count ? r.roundCPUNs : times
        let iterations = r.callsPerSample ?? 1
        func entry(_ n: String, _ type: String, index: Int?, aggregate: String?, unit: String?, real: Double, cpu: Double) -> Run {
            let perSecond = unit == "percentage" || real <= 0 ? nil : 1e9 / real
            return Run(name: n, family_index: family, per_family_instance_index: 0, run_name: name, run_type: type,
                       repetitions: times.count, repetition_index: index, threads: r.threads, aggregate_name: aggregate,
                       aggregate_unit: unit, iterations: iterations, real_time: real, cpu_time: cpu, time_unit: "ns",
                       bytes_per_second: r.bytes > 0 ? perSecond.map { r.bytes * $0 } : nil,
                       items_per_second: r.flops > 0 ? perSecond.map { r.flops * $0 } : nil)
        }
        var out = times.indices.map { entry(name, "iteration", index: $0, aggregate: nil, unit: nil, real: times[$0], cpu: cpuTimes[$0]) }
        guard times.count >= 2 else { return out }
        func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
        func stddev(_ x: [Double]) -> Double {
            let m = mean(x)
            return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
        }
        out.append(entry(name + "_mean", "aggregate", index: nil, aggregate: "mean", unit: "time", real: mean(times), cpu: mean(cpuTimes)))
        out.append(entry(name + "_median", "aggregate", index: nil, aggregate: "median", unit: "time",
                         real: Stats.median(times), cpu: Stats.median(cpuTimes)))
        out.append(entry(name + "_stddev", "aggregate", index: nil, aggregate: "stddev", unit: "time",
                         real: stddev(times), cpu: stddev(cpuTimes)))
        out.append(entry(name + "_cv", "aggregate", index: nil, aggregate: "cv", unit: "percentage",
                         real: stddev(times) / mean(times), cpu: stddev(cpuTimes) / mean(cpuTimes)))
        return out
    }

    /// Pretty-printed JSON with sorted keys, newline-terminated.
    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads a sidecar written by `vecbench run`; errors name the file.
    public static func read(path: String) throws -> BenchmarkJSON {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError(file: path, "cannot read the file (missing or unreadable)")
        }
        do {
            return try JSONDecoder().decode(BenchmarkJSON.self, from: data)
        } catch {
            throw ReportError(file: path, "is not a vecbench JSON sidecar: \(error)")
        }
    }

    /// The sidecar path for a report: results/x.csv -> results/x.json.
    public static func sidecarPath(forReport path: String) -> String {
        (path.hasSuffix(".csv") ? String(path.dropLast(4)) : path) + ".json"
    }
}
