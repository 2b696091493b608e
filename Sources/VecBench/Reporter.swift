#if canImport(Glibc)
import Glibc
#endif
import VecPlatform

// The formats a run is reported in, as google/benchmark's reporter.h has them: one interface
// (BenchmarkReporter there, `Reporter` here) with the console table, CSV, JSON and chart writers
// as implementations, so that a new format is one more conformance and the run command keeps one
// list. Reporters only render; `ReportFiles.write` writes every file of a run through AtomicFile
// in one group, so a failed write leaves all the old files and no reporter can bypass that.

/// What a reporter sees of a run: its rows and the context the sidecar carries.
public struct RunReport {
    /// The measured rows, in suite order (possibly none: the console table is still printed).
    public var records: [BenchRecord]
    /// The machine and build the rows were measured on.
    public var fingerprint: Fingerprint
    /// The machine's topology, for the sidecar's cache list; nil leaves it empty.
    public var topology: TopologyModel?
    /// Run id, rounds, order, seed and contention, as the sidecar records them.
    public var run: BenchmarkJSON.RunInfo
    /// OUT/NAME (OUT/NAME.partial for an interrupted run): file reporters append their extension.
    public var base: String
    /// A report as given.
    public init(records: [BenchRecord], fingerprint: Fingerprint, topology: TopologyModel?, run: BenchmarkJSON.RunInfo,
                base: String) {
        self.records = records; self.fingerprint = fingerprint; self.topology = topology; self.run = run; self.base = base
    }
}

/// One rendered piece of a report: its text and where it goes.
public struct ReportOutput: Equatable, Sendable {
    /// Where a piece of a report goes.
    public enum Destination: Equatable, Sendable {
        /// The process's standard output (the console table).
        case standardOutput
        /// A file, replaced atomically with the run's other files.
        case file(String)
    }
    /// Where the text goes.
    public var destination: Destination
    /// The whole text, as written.
    public var text: String
    /// An output as given.
    public init(_ destination: Destination, _ text: String) { self.destination = destination; self.text = text }
}

/// A format of a run's results (google/benchmark's BenchmarkReporter): renders a `RunReport` into
/// outputs for standard output or files. Rendering has no side effects; `ReportOutputs.print`
/// and `ReportFiles.write` deliver what the reporters of a run rendered.
public protocol Reporter {
    /// The outputs of `report` in this format, in the order they are delivered.
    func outputs(for report: RunReport) throws -> [ReportOutput]
}

/// The table `vecbench run` prints on stdout (`BenchRun.table`), one row per record.
public struct ConsoleTableReporter: Reporter {
    /// A console reporter.
    public init() {}
    /// The table on standard output.
    public func outputs(for report: RunReport) throws -> [ReportOutput] {
        [ReportOutput(.standardOutput, BenchRun.table(report.records))]
    }
}

/// The CSV report, BASE.csv (`ReportCSV.render`).
public struct CSVReporter: Reporter {
    /// A CSV reporter.
    public init() {}
    /// BASE.csv.
    public func outputs(for report: RunReport) throws -> [ReportOutput] {
        [ReportOutput(.file(report.base + ".csv"), try ReportCSV.render(report.records))]
    }
}

/// The JSON sidecar in Google Benchmark's layout, BASE.json (`BenchmarkJSON.make`); its
/// load_avg is read when it renders.
public struct BenchmarkJSONReporter: Reporter {
    /// A JSON sidecar reporter.
    public init() {}
    /// BASE.json.
    public func outputs(for report: RunReport) throws -> [ReportOutput] {
        let json = BenchmarkJSON.make(records: report.records, fingerprint: report.fingerprint, topology: report.topology,
                                      run: report.run)
        return [ReportOutput(.file(report.base + ".json"), try json.encoded())]
    }
}

/// SVG charts of the rows (`Plot.throughputCharts`, then `Plot.scalingCharts`) in one folder.
public struct SVGPlotReporter: Reporter {
    /// The folder the charts go in (`vecbench run`: OUT/plots/NAME).
    public var directory: String
    /// Charts into `directory`.
    public init(directory: String) { self.directory = directory }
    /// One file per chart; none when no op was measured at two sizes or two thread counts.
    public func outputs(for report: RunReport) throws -> [ReportOutput] { charts(report.records) }
    /// The charts of `records` as outputs in `directory` (also what `vecbench plot` writes).
    public func charts(_ records: [BenchRecord]) -> [ReportOutput] {
        (Plot.throughputCharts(records) + Plot.scalingCharts(records)).map { ReportOutput(.file("\(directory)/\($0.name)"), $0.svg) }
    }
}

/// Rendering a run with several reporters and printing the console part.
public enum ReportOutputs {
    /// Every reporter's outputs for `report`, in reporter order.
    public static func render(_ reporters: [any Reporter], _ report: RunReport) throws -> [ReportOutput] {
        try reporters.flatMap { try $0.outputs(for: report) }
    }

    /// Prints the standard-output pieces and flushes, so that they come before any stderr line
    /// when both go to one log.
    public static func print(_ outputs: [ReportOutput]) {
        for o in outputs where o.destination == .standardOutput { Swift.print(o.text, terminator: "") }
        fflush(stdout)
    }
}
