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

public struct BenchmarkJSON: Codable, Equatable {
    public struct Cache: Codable, Equatable {
        public var type: String
        public var level: Int
        public var size: Int
        public var num_sharing: Int
    }

    /// How the run was made: the id its CSV rows carry, rounds, case order and its seed.
    public struct RunInfo: Codable, Equatable, Sendable {
        public var run_id: String
        public var rounds: Int
        public var order: String
        public var seed: UInt64
        /// Busy-loop processes run beside the cases (`vecbench run --contend`).
        public var contend: Int
        public init(runID: String, rounds: Int, order: String, seed: UInt64, contend: Int = 0) {
            run_id = runID; self.rounds = rounds; self.order = order; self.seed = seed; self.contend = contend
        }
    }

    public struct Context: Codable, Equatable {
        public var date: String
        public var host_name: String
        public var executable: String
        public var num_cpus: Int
        /// From cpufreq (max frequency) or /proc/cpuinfo; absent where neither says.
        public var mhz_per_cpu: Int?
        /// True when a cpufreq governor other than "performance" is active; absent without cpufreq.
        public var cpu_scaling_enabled: Bool?
        public var caches: [Cache]
        public var load_avg: [Double]
        public var library_version: String
        public var library_build_type: String
        public var json_schema_version: Int
        public var vecbench_fingerprint: Fingerprint
        public var vecbench_run: RunInfo?
    }

    public struct Run: Codable, Equatable {
        public var name: String
        public var family_index: Int
        public var per_family_instance_index: Int
        public var run_name: String
        public var run_type: String
        public var repetitions: Int
        public var repetition_index: Int?
        public var threads: Int
        public var aggregate_name: String?
        public var aggregate_unit: String?
        public var iterations: Int
        public var real_time: Double
        public var cpu_time: Double
        public var time_unit: String
        public var bytes_per_second: Double?
        public var items_per_second: Double?
    }

    public var context: Context
    public var benchmarks: [Run]

    public static let version = "vecbench 0.2.0"

    /// Benchmark name of a row: op/phase/dtype/shapes/variant/threads:N/pin:P.
    public static func name(_ r: BenchRecord) -> String {
        "\(r.op)/\(r.phase.rawValue)/\(r.dtype.rawValue)/\(formatShapes(r.shapes))/\(r.variant)"
            + "/threads:\(r.threads)/pin:\(r.pinning)"
    }

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
