import CSV
import Foundation
import Vecgrad

// The CSV report: one row per case x variant x threads x pinning x phase. The header is part of
// the public interface (CI gates, PyTorch anchors and plots read it), so columns are only ever
// added at the end, never renamed; readers reject unknown and missing columns instead of guessing,
// except that the columns added after the first 25 may be absent (reports written before them).
// Text columns are written so that a CSV reader that guesses types (pandas) keeps them text:
// fingerprint_id as "fp-<hex>", shapes and cpu_list in brackets; readers accept the bare forms too.

/// One measured row of a report.
public struct BenchRecord: Equatable, Sendable {
    /// The machine's id (CSV `fingerprint_id`, written with the "fp-" prefix).
    public var fingerprintID: String
    /// The commit of the code measured, or "unknown".
    public var gitCommit: String
    /// Op, variant, dtype, shapes, threads, pinning and phase (each also readable as a field of
    /// its own: `op`, `variant`, ...).
    public var id: CaseID
    /// CPU (OS index) each worker last ran a job on; empty when unknown.
    public var cpuList: [Int]
    /// Number of timing samples.
    public var samples: Int
    /// Median time of one call, nanoseconds.
    public var medianNs: Double
    /// Fastest sample, nanoseconds per call.
    public var minNs: Double
    /// Median absolute deviation of the samples, nanoseconds.
    public var madNs: Double
    /// Lower bound of the 95% confidence interval of the median, nanoseconds.
    public var ciLowNs: Double
    /// Upper bound of that interval, nanoseconds.
    public var ciHighNs: Double
    /// Bytes moved and floating-point operations of one call, from the op's cost model.
    public var bytes: Double
    /// Floating-point operations of one call (cost model).
    public var flops: Double
    /// Bytes or FLOPs per second at the median, in `unit`.
    public var throughput: Double
    /// GB/s or GFLOP/s.
    public var unit: ThroughputUnit
    /// Percent of this machine's roofline for the case; nil when not calibrated.
    public var rooflinePct: Double?
    /// Largest absolute error of the checked output against the reference; nil if not checked.
    public var maxAbsErr: Double?
    /// Largest relative error against the reference; nil if not checked.
    public var maxRelErr: Double?
    /// Largest error in ULPs of the dtype; nil if not checked.
    public var maxUlp: Double?
    /// Every sample (ns per call), for the rank test in `compare`; may be empty.
    public var samplesNs: [Double]
    /// The timing summary the row states (count, median, min, MAD, median interval); the max
    /// is not stored.
    public var summary: SampleSummary {
        get { SampleSummary(count: samples, median: medianNs, min: minNs, max: .nan, mad: madNs, ciLow: ciLowNs, ciHigh: ciHighNs) }
        set {
            samples = newValue.count; medianNs = newValue.median; minNs = newValue.min
            madNs = newValue.mad; ciLowNs = newValue.ciLow; ciHighNs = newValue.ciHigh
        }
    }

    /// OpenBLAS kernel set (`openblas_get_corename`) of the process that measured; "" if unknown.
    public var openblasCore: String = ""
    /// Busy-loop processes that ran beside the case (`vecbench run --contend`), 0 for a quiet run;
    /// nil where the report does not say (PyTorch and JAX rows, reports written before the column).
    public var contend: Int?
    /// Median of each round: the suite is measured in rounds (separate passes over every case,
    /// fresh buffers each time), so these show the between-run drift. Empty in older reports.
    public var roundMediansNs: [Double] = []
    /// Between-round spread, percent of the median ((max - min) / median of `roundMediansNs`).
    public var noisePct: Double?
    /// Calls timed together in one sample (Google Benchmark's "iterations").
    public var callsPerSample: Int?
    /// Median CPU time of the calling thread per call, nanoseconds.
    public var cpuNs: Double?
    /// Median CPU time of the calling thread per call in each round (beside `roundMediansNs`).
    public var roundCPUNs: [Double] = []
    /// Names the run that wrote this row; the JSON sidecar of the same run carries the same id.
    public var runID: String = ""
    /// Tensor storages one call allocates (Vecgrad's `StorageAllocations`); nil when not measured.
    public var allocsPerCall: Double?
    /// Bytes of tensor data one call allocates; nil when not measured.
    public var allocBytesPerCall: Double?
    /// The process's peak resident memory while two untimed calls of the case ran, bytes
    /// (Linux VmHWM after a reset); nil when not measured.
    public var peakRSSBytes: Double?
    /// That peak minus the bytes resident just before the calls: what the case needed beyond
    /// what the process already held; nil when not measured.
    public var rssGrowthBytes: Double?

    /// A row from its identity, timing summary, cost and errors; the later columns (rounds, CPU
    /// time, run id, OpenBLAS core) start empty.
    public init(fingerprintID: String, gitCommit: String, op: String, variant: String, dtype: DType,
                shapes: [[Int]], threads: Int, pinning: String, cpuList: [Int], phase: Phase,
                summary: SampleSummary, bytes: Double, flops: Double, throughput: Double, unit: ThroughputUnit,
                rooflinePct: Double? = nil, maxAbsErr: Double? = nil, maxRelErr: Double? = nil,
                maxUlp: Double? = nil, samplesNs: [Double] = []) {
        self.fingerprintID = fingerprintID; self.gitCommit = gitCommit
        id = CaseID(op: op, variant: variant, dtype: dtype, shapes: shapes, threads: threads, pinning: pinning, phase: phase)
        self.cpuList = cpuList; self.samples = summary.count
        self.medianNs = summary.median; self.minNs = summary.min; self.madNs = summary.mad
        self.ciLowNs = summary.ciLow; self.ciHighNs = summary.ciHigh
        self.bytes = bytes; self.flops = flops; self.throughput = throughput; self.unit = unit
        self.rooflinePct = rooflinePct; self.maxAbsErr = maxAbsErr; self.maxRelErr = maxRelErr
        self.maxUlp = maxUlp; self.samplesNs = samplesNs
    }
}

/// A problem in a report file, located by file, line (1-based, as an editor counts) and column.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    /// The file's path as given.
    public var file: String
    /// 1-based line, when the problem has one.
    public var line: Int?
    /// The column's name, when the problem is in one.
    public var column: String?
    /// What is wrong.
    public var message: String

    /// An error located as given.
    public init(file: String, line: Int? = nil, column: String? = nil, _ message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }

    /// "file:line: column 'name': message", the parts that are known.
    public var description: String {
        var where_ = file
        if let line { where_ += ":\(line)" }
        if let column { where_ += ": column '\(column)'" }
        return "\(where_): \(message)"
    }
}

/// The CSV report: its columns, writing and strict reading (unknown, missing or malformed
/// columns are errors, never guesses).
public enum ReportCSV {
    /// The columns in the order they are written, with what each holds (README documents these).
    public static let columns: [(name: String, doc: String)] = [
        ("fingerprint_id", "12 hex digits naming the machine (CPU model, PU/core/package counts); see the .json sidecar"),
        ("git_commit", "commit of the code measured, or 'unknown'"),
        ("op", "catalog op name, e.g. sigmoid, matmul"),
        ("variant", "kernel variant, e.g. scalar, simd, parallel, blas, torch"),
        ("dtype", "float32 or float64"),
        ("shapes", "operand shapes, dims joined by 'x', operands by ';', e.g. 256x784;784x10"),
        ("threads", "worker threads requested"),
        ("pinning", "none, compact or scatter"),
        ("cpu_list", "CPU each worker last ran on, ';'-separated (empty if unknown)"),
        ("phase", "forward or backward"),
        ("samples", "number of timing samples"),
        ("median_ns", "median time of one call, nanoseconds"),
        ("min_ns", "fastest sample, nanoseconds"),
        ("mad_ns", "median absolute deviation of the samples, nanoseconds"),
        ("ci_low_ns", "lower bound of the 95% confidence interval of the median"),
        ("ci_high_ns", "upper bound of the 95% confidence interval of the median"),
        ("bytes", "bytes moved by one call (cost model)"),
        ("flops", "floating-point operations of one call (cost model)"),
        ("throughput", "bytes or flops per second at the median, in `unit`"),
        ("unit", "GB/s or GFLOP/s"),
        ("roofline_pct", "percent of this machine's roofline for the case (empty if not calibrated)"),
        ("max_abs_err", "largest absolute error against the reference (empty if not checked)"),
        ("max_rel_err", "largest relative error against the reference"),
        ("max_ulp", "largest error in units in the last place of the dtype"),
        ("samples_ns", "every sample, ';'-separated nanoseconds (empty allowed)"),
        ("openblas_core", "OpenBLAS kernel set of the measuring process (openblas_get_corename), e.g. SkylakeX"),
        ("round_medians_ns", "median of each round (separate pass over the suite), ';'-separated nanoseconds"),
        ("noise_pct", "between-round spread: (max - min) / median of round_medians_ns, percent"),
        ("calls_per_sample", "calls timed together in one sample"),
        ("cpu_ns", "median CPU time of the calling thread per call, nanoseconds"),
        ("run_id", "id of the run that wrote the row; the .json sidecar of that run holds the same id"),
        ("round_cpu_ns", "median CPU time of the calling thread per call in each round, ';'-separated nanoseconds"),
        ("allocs_per_call", "tensor storages one call allocates (untimed calls after the timing; empty if not measured)"),
        ("alloc_bytes_per_call", "bytes of tensor data one call allocates (empty if not measured)"),
        ("peak_rss_bytes", "peak resident memory of the process while two untimed calls ran (Linux VmHWM after a reset)"),
        ("rss_growth_bytes", "peak_rss_bytes minus the resident memory just before those calls"),
        ("contend", "busy-loop processes running beside the case (vecbench run --contend); 0 quiet, empty if not recorded"),
    ]

    /// Columns every report has; the later ones may be missing from reports written before them.
    static let requiredColumnCount = 25

    /// The column names in write order.
    public static var header: [String] { columns.map(\.name) }

    // MARK: writing

    /// One row's fields in column order (shapes and CPU list bracketed, the id prefixed "fp-").
    public static func fields(_ r: BenchRecord) -> [String] {
        [fingerprintPrefix + r.fingerprintID, r.gitCommit, r.op, r.variant, r.dtype.rawValue,
         "[" + formatShapes(r.shapes) + "]",
         String(r.threads), r.pinning, "[" + r.cpuList.map(String.init).joined(separator: ";") + "]", r.phase.rawValue,
         String(r.samples), num(r.medianNs), num(r.minNs), num(r.madNs), num(r.ciLowNs), num(r.ciHighNs),
         num(r.bytes), num(r.flops), num(r.throughput), r.unit.rawValue, opt(r.rooflinePct),
         opt(r.maxAbsErr), opt(r.maxRelErr), opt(r.maxUlp), r.samplesNs.map(num).joined(separator: ";"),
         r.openblasCore, r.roundMediansNs.map(num).joined(separator: ";"), opt(r.noisePct),
         r.callsPerSample.map(String.init) ?? "", opt(r.cpuNs), r.runID, r.roundCPUNs.map(num).joined(separator: ";"),
         opt(r.allocsPerCall), opt(r.allocBytesPerCall), opt(r.peakRSSBytes), opt(r.rssGrowthBytes),
         r.contend.map(String.init) ?? ""]
    }

    /// Written before the machine id so that it never reads as a number (an all-digit id would
    /// lose its leading zeros in pandas).
    public static let fingerprintPrefix = "fp-"

    /// The whole report as CSV text, header first, every line ending in "\n".
    public static func render(_ records: [BenchRecord]) throws -> String {
        let stream = OutputStream(toMemory: ())
        let writer = try CSVWriter(stream: stream)
        try writer.write(row: header)
        for r in records { try writer.write(row: fields(r)) }
        stream.close()
        guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data,
              let text = String(data: data, encoding: .utf8) else {
            throw ReportError(file: "<memory>", "could not render the CSV")
        }
        return text + "\n"
    }

    /// Writes the report atomically: a crash or a full disk leaves any earlier file intact.
    public static func write(_ records: [BenchRecord], to path: String) throws {
        try AtomicFile.write(try render(records), to: path)
    }

    static func num(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    static func opt(_ x: Double?) -> String { x.map(num) ?? "" }

    // MARK: reading

    /// Reads and parses a report; throws `ReportError` naming the file, line and column of a problem
    /// ("cannot read the file (missing or unreadable)" when it cannot be read).
    public static func read(path: String) throws -> [BenchRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError(file: path, "cannot read the file (missing or unreadable)")
        }
        return try parse(data, file: path)
    }

    /// Parses report bytes; throws `ReportError` ("is not valid UTF-8 text", or the first problem found).
    public static func parse(_ data: Data, file: String) throws -> [BenchRecord] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReportError(file: file, "is not valid UTF-8 text")
        }
        return try parse(text, file: file)
    }

    /// Parses a report; every error names the file, the line and, for a bad field, the column.
    public static func parse(_ text: String, file: String) throws -> [BenchRecord] {
        if text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
            throw ReportError(file: file, "is empty (expected the header line \(header.joined(separator: ",")))")
        }
        if text.unicodeScalars.contains("\0") { throw ReportError(file: file, "contains NUL bytes: not a CSV text file") }
        let reader = try CSVReader(string: text, hasHeaderRow: false)
        var line = 1
        guard let head = reader.next() else { throw ReportError(file: file, "is empty") }
        let index = try headerIndex(head, file: file)
        line += newlines(in: head) + 1
        var records: [BenchRecord] = []
        while let row = reader.next() {
            defer { line += newlines(in: row) + 1 }
            if row.count == 1 && row[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard row.count == head.count else {
                let hint = row.count < head.count ? " (truncated row?)" : ""
                throw ReportError(file: file, line: line, "has \(row.count) fields, the header has \(head.count)\(hint)")
            }
            records.append(try RowParser(row: row, index: index, file: file, line: line).record())
        }
        // unicodeScalars: in Swift "\r\n" is one Character, so hasSuffix("\n") misses CRLF files.
        if text.unicodeScalars.last != "\n" {
            throw ReportError(file: file, line: max(1, line - 1),
                              "the file ends without a final newline: it looks truncated")
        }
        if records.isEmpty { throw ReportError(file: file, line: 2, "has a header but no data rows") }
        return records
    }

    static func newlines(in row: [String]) -> Int {
        row.reduce(0) { $0 + $1.reduce(0) { $1 == "\n" || $1 == "\r\n" ? $0 + 1 : $0 } }
    }

    static func headerIndex(_ head: [String], file: String) throws -> [String: Int] {
        let known = Set(header)
        var index: [String: Int] = [:]
        for (i, raw) in head.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces)
            guard known.contains(name) else {
                throw ReportError(file: file, line: 1, column: name,
                                  "unknown column (field \(i + 1)); known columns: \(header.joined(separator: ", "))")
            }
            guard index[name] == nil else { throw ReportError(file: file, line: 1, column: name, "appears twice") }
            index[name] = i
        }
        let missing = header.prefix(requiredColumnCount).filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw ReportError(file: file, line: 1, "missing column(s): \(missing.joined(separator: ", "))")
        }
        return index
    }
}
