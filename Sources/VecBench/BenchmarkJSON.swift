import Foundation
import VecPlatform

// The JSON sidecar of a report, in Google Benchmark's --benchmark_format=json layout so that its
// tools/compare.py reads it (`compare.py benchmarks base.json new.json`). The vecbench fingerprint
// rides along in context.vecbench_fingerprint, which Google's tools ignore and `compare` checks.
// Each sample becomes one "iteration" run (compare.py runs its U test over repetitions of a name),
// followed by a "median" aggregate.

public struct BenchmarkJSON: Codable, Equatable {
    public struct Cache: Codable, Equatable {
        public var type: String
        public var level: Int
        public var size: Int
        public var num_sharing: Int
    }

    public struct Context: Codable, Equatable {
        public var date: String
        public var host_name: String
        public var executable: String
        public var num_cpus: Int
        public var mhz_per_cpu: Int
        public var cpu_scaling_enabled: Bool
        public var caches: [Cache]
        public var library_build_type: String
        public var vecbench_fingerprint: Fingerprint
    }

    public struct Run: Codable, Equatable {
        public var name: String
        public var run_name: String
        public var run_type: String
        public var repetitions: Int
        public var repetition_index: Int?
        public var aggregate_name: String?
        public var threads: Int
        public var iterations: Int
        public var real_time: Double
        public var cpu_time: Double
        public var time_unit: String
        public var bytes_per_second: Double?
        public var items_per_second: Double?
    }

    public var context: Context
    public var benchmarks: [Run]

    /// Benchmark name of a row: op/phase/dtype/shapes/variant/threads:N/pin:P.
    public static func name(_ r: BenchRecord) -> String {
        "\(r.op)/\(r.phase.rawValue)/\(r.dtype.rawValue)/\(formatShapes(r.shapes))/\(r.variant)"
            + "/threads:\(r.threads)/pin:\(r.pinning)"
    }

    public static func make(records: [BenchRecord], fingerprint: Fingerprint, topology: TopologyModel?) -> BenchmarkJSON {
        var caches: [Cache] = []
        if let topology {
            for level in Set(topology.caches.map(\.level)).sorted() {
                guard let c = topology.caches.first(where: { $0.level == level }) else { continue }
                caches.append(Cache(type: level == 1 ? "Data" : "Unified", level: level, size: c.sizeBytes,
                                    num_sharing: max(1, c.pus.count)))
            }
        }
        let context = Context(date: fingerprint.date, host_name: fingerprint.hostname, executable: "vecbench",
                              num_cpus: fingerprint.logicalCPUs, mhz_per_cpu: 0, cpu_scaling_enabled: false,
                              caches: caches, library_build_type: fingerprint.buildConfiguration,
                              vecbench_fingerprint: fingerprint)
        var runs: [Run] = []
        for r in records {
            let name = self.name(r)
            let perSecond = r.medianNs > 0 ? 1e9 / r.medianNs : 0
            let bytesPerSecond = r.bytes > 0 ? r.bytes * perSecond : nil
            let itemsPerSecond = r.flops > 0 ? r.flops * perSecond : nil
            let samples = r.samplesNs.isEmpty ? [r.medianNs] : r.samplesNs
            for (i, s) in samples.enumerated() {
                runs.append(Run(name: name, run_name: name, run_type: "iteration", repetitions: samples.count,
                                repetition_index: i, aggregate_name: nil, threads: r.threads, iterations: 1,
                                real_time: s, cpu_time: s, time_unit: "ns",
                                bytes_per_second: bytesPerSecond, items_per_second: itemsPerSecond))
            }
            runs.append(Run(name: name + "_median", run_name: name, run_type: "aggregate",
                            repetitions: samples.count, repetition_index: nil, aggregate_name: "median",
                            threads: r.threads, iterations: samples.count, real_time: r.medianNs,
                            cpu_time: r.medianNs, time_unit: "ns",
                            bytes_per_second: bytesPerSecond, items_per_second: itemsPerSecond))
        }
        return BenchmarkJSON(context: context, benchmarks: runs)
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
