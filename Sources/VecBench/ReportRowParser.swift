import Foundation
import Vecgrad

// One CSV row of a report read into a BenchRecord, each bad value named by its column.

/// Reads the typed fields of one row, naming the column of any bad value.
struct RowParser {
    let row: [String]
    let index: [String: Int]
    let file: String
    let line: Int

    func raw(_ c: String) -> String {
        guard let i = index[c] else { return "" }   // a later column absent from an older report
        return row[i].trimmingCharacters(in: .whitespaces)
    }

    /// A text column written in brackets ("[0;1]"); the bare form of older reports is accepted.
    func unbracketed(_ c: String) throws -> String {
        let v = raw(c)
        guard v.hasPrefix("[") || v.hasSuffix("]") else { return v }
        guard v.hasPrefix("["), v.hasSuffix("]"), v.count >= 2 else { throw fail(c, "'\(v)' has an unmatched bracket") }
        return String(v.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
    }
    func fail(_ c: String, _ message: String) -> ReportError { ReportError(file: file, line: line, column: c, message) }

    func text(_ c: String) throws -> String {
        let v = raw(c)
        guard !v.isEmpty else { throw fail(c, "is empty") }
        return v
    }

    func int(_ c: String, min: Int) throws -> Int {
        let v = raw(c)
        guard let x = Int(v) else { throw fail(c, "'\(v)' is not an integer") }
        guard x >= min else { throw fail(c, "\(x) is below \(min)") }
        return x
    }

    func double(_ c: String) throws -> Double {
        let v = raw(c)
        guard let x = Double(v), x.isFinite else { throw fail(c, "'\(v)' is not a finite number") }
        guard x >= 0 else { throw fail(c, "\(v) is negative") }
        return x
    }

    func optionalDouble(_ c: String) throws -> Double? { raw(c).isEmpty ? nil : try double(c) }

    func choice<T: RawRepresentable>(_ c: String, _ type: T.Type, _ allowed: [String]) throws -> T where T.RawValue == String {
        let v = raw(c)
        guard allowed.contains(v), let x = T(rawValue: v) else { throw fail(c, "'\(v)' is not one of \(allowed.joined(separator: ", "))") }
        return x
    }

    func list<T>(_ c: String, _ convert: (String) -> T?) throws -> [T] {
        let v = try unbracketed(c)
        if v.isEmpty { return [] }
        return try v.split(separator: ";", omittingEmptySubsequences: false).map {
            guard let x = convert(String($0).trimmingCharacters(in: .whitespaces)) else {
                throw fail(c, "'\($0)' in '\(v)' is not a valid entry")
            }
            return x
        }
    }

    func record() throws -> BenchRecord {
        let shapesText = try unbracketed("shapes")
        guard !shapesText.isEmpty else { throw fail("shapes", "is empty") }
        let shapes: [[Int]]
        do { shapes = try parseShapes(shapesText) } catch let e as ShapeSyntaxError { throw fail("shapes", e.message) }
        let pinning = try text("pinning")
        guard ["none", "compact", "scatter"].contains(pinning) else {
            throw fail("pinning", "'\(pinning)' is not one of none, compact, scatter")
        }
        let summary = SampleSummary(count: try int("samples", min: 1), median: try double("median_ns"),
                                    min: try double("min_ns"), max: .nan, mad: try double("mad_ns"),
                                    ciLow: try double("ci_low_ns"), ciHigh: try double("ci_high_ns"))
        guard summary.median > 0 else { throw fail("median_ns", "must be above 0") }
        let samplesNs = try list("samples_ns") { Double($0).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } }
        guard samplesNs.isEmpty || samplesNs.count == summary.count else {
            throw fail("samples_ns", "holds \(samplesNs.count) values but samples is \(summary.count)")
        }
        var fingerprint = try text("fingerprint_id")
        if fingerprint.hasPrefix(ReportCSV.fingerprintPrefix) { fingerprint.removeFirst(ReportCSV.fingerprintPrefix.count) }
        guard !fingerprint.isEmpty else { throw fail("fingerprint_id", "is empty") }
        let roundMedians = try list("round_medians_ns") { Double($0).flatMap { $0.isFinite && $0 > 0 ? $0 : nil } }
        var callsPerSample: Int?
        if !raw("calls_per_sample").isEmpty { callsPerSample = try int("calls_per_sample", min: 1) }
        var record = BenchRecord(
            fingerprintID: fingerprint, gitCommit: try text("git_commit"),
            op: try text("op"), variant: try text("variant"),
            dtype: try choice("dtype", DType.self, OpEntry.floatingDTypes.map(\.rawValue)),
            shapes: shapes, threads: try int("threads", min: 1), pinning: pinning,
            cpuList: try list("cpu_list") { Int($0).flatMap { $0 >= 0 ? $0 : nil } },
            phase: try choice("phase", Phase.self, Phase.allCases.map(\.rawValue)),
            summary: summary, bytes: try double("bytes"), flops: try double("flops"),
            throughput: try double("throughput"),
            unit: try choice("unit", ThroughputUnit.self, ThroughputUnit.allCases.map(\.rawValue)),
            rooflinePct: try optionalDouble("roofline_pct"), maxAbsErr: try optionalDouble("max_abs_err"),
            maxRelErr: try optionalDouble("max_rel_err"), maxUlp: try optionalDouble("max_ulp"),
            samplesNs: samplesNs)
        record.openblasCore = raw("openblas_core")
        record.roundMediansNs = roundMedians
        record.noisePct = try optionalDouble("noise_pct")
        record.callsPerSample = callsPerSample
        record.cpuNs = try optionalDouble("cpu_ns")
        record.runID = raw("run_id")
        record.roundCPUNs = try list("round_cpu_ns") { Double($0).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } }
        record.allocsPerCall = try optionalDouble("allocs_per_call")
        record.allocBytesPerCall = try optionalDouble("alloc_bytes_per_call")
        record.peakRSSBytes = try optionalDouble("peak_rss_bytes")
        record.rssGrowthBytes = try optionalDouble("rss_growth_bytes")
        if !raw("contend").isEmpty { record.contend = try int("contend", min: 0) }
        return record
    }
}
