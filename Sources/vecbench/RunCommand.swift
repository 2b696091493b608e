import ArgumentParser
import Foundation
import VecBench
import VecPlatform

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a benchmark suite: table on stdout, CSV + JSON + SVG charts in the output directory.",
        discussion: """
            Every case is checked against its float64 reference before it is timed; a case that \
            fails is reported and left out of the report, and the exit code is then 1.
            Files written: OUT/NAME.csv (the report), OUT/NAME.json (fingerprint, Google Benchmark \
            JSON), OUT/plots/NAME/*.svg. Roofline percentages need OUT/calibration-<machine>.json \
            (vecbench calibrate, or --calibrate here).

            Examples:
              vecbench run                                   # Benchmarks/default.suite into results/
              vecbench run --suite quick --threads 1,2 --pin compact
              vecbench run --suite my.suite --ops sigmoid,matmul --min-time-ms 50 --name trial
            """)

    @Option(help: "Suite name (Benchmarks/NAME.suite) or path to a .suite file. Example: --suite quick")
    var suite = "default"

    @Option(help: "Output directory for the report, sidecar and charts. Example: --out results")
    var out = "results"

    @Option(help: "Base name of the output files (default: the suite's name). Example: --name nightly")
    var name: String?

    @Option(help: "Thread counts for every case, overriding the suite: counts, ranges, max, pow2. Example: --threads 1,2 or --threads 1-max")
    var threads: ThreadList?

    @Option(help: "Pinning policies for every case, overriding the suite: none, compact, scatter. Example: --pin compact")
    var pin: PinList?

    @Option(help: "Only these ops (comma-separated). Example: --ops sigmoid,matmul")
    var ops: String?

    @Option(help: "Sampling time per case in milliseconds, overriding the suite's min_time_ms (default 100). Example: --min-time-ms 200")
    var minTimeMs: Int?

    @Option(help: "Warm-up time per case in milliseconds. Example: --warmup-ms 20")
    var warmupMs = 20

    @Option(help: "Fewest samples per case. Example: --min-samples 10")
    var minSamples = 10

    @Flag(help: "Measure this machine's FMA peak and bandwidth first if no calibration is cached. Example: --calibrate")
    var calibrate = false

    @Flag(help: "Validate the suite and list the planned cases, run nothing. Example: --dry-run")
    var dryRun = false

    @Flag(help: "List the ops, their operands and variants, and exit. Example: --list")
    var list = false

    @Flag(help: "No progress bar on stderr. Example: --no-progress")
    var noProgress = false

    @Flag(help: "Write no SVG charts. Example: --no-plots")
    var noPlots = false

    func validate() throws {
        if let minTimeMs, minTimeMs < 1 || minTimeMs > 600_000 { throw ValidationError("--min-time-ms must be in 1...600000") }
        guard warmupMs >= 0, warmupMs <= 60_000 else { throw ValidationError("--warmup-ms must be in 0...60000") }
        guard minSamples >= 1, minSamples <= 100_000 else { throw ValidationError("--min-samples must be in 1...100000") }
        if let name, name.isEmpty || name.contains("/") { throw ValidationError("--name must be a plain file name") }
    }

    static func suitePath(_ suite: String) -> String {
        suite.contains("/") || suite.hasSuffix(".suite") ? suite : "Benchmarks/\(suite).suite"
    }

    func run() throws {
        Builtins.registerAll()
        let catalog = Catalog.snapshot
        if list {
            print(Builtins.listing(catalog), terminator: "")
            return
        }
        let path = Self.suitePath(suite)
        var lines: [SuiteLine]
        do {
            lines = try Suite.loadValidated(path: path, catalog: catalog)
        } catch let e as SuiteErrors { throw InputError(e.description) }
        if let ops {
            let wanted = Set(ops.split(separator: ",").map(String.init))
            let unknown = wanted.subtracting(catalog.names)
            guard unknown.isEmpty else { throw InputError("--ops: unknown op(s) \(unknown.sorted().joined(separator: ", "))") }
            lines = lines.filter { wanted.contains($0.op) }
        }
        let handle = Topology.machine
        let topology = handle?.model()
        let pus = topology?.puCount ?? Threading.availableCPUs
        var cases = Suite.expand(lines, catalog: catalog, machinePUs: pus, threads: threads?.resolve(pus), pinning: pin?.policies)
        if minTimeMs != nil { for i in cases.indices { cases[i].minTimeMs = nil } }
        guard !cases.isEmpty else { throw InputError("\(path): no cases to run (after --ops / --threads)") }
        if dryRun {
            for c in cases { print("\(path):\(c.line): \(BenchRun.label(c))") }
            print("\(cases.count) cases")
            return
        }
        if let warning = ISA.warning { writeStderr("warning: \(warning)\n") }
        if let t = cases.map(\.spec.threads).max(), t > pus {
            writeStderr("warning: up to \(t) threads on \(pus) CPUs: oversubscribed cases measure contention\n")
        }
        let fingerprint = Fingerprint.current(topology: topology)
        let calibration = try CalibrateCommand.cachedOrMeasured(out: out, fingerprint: fingerprint, topology: topology,
                                                                measureIfMissing: calibrate)
        if calibration == nil { writeStderr("note: no calibration for this machine in \(out)/: roofline % left empty (vecbench calibrate)\n") }

        let settings = BenchSettings(
            measure: MeasureOptions(minTimeNs: Double(minTimeMs ?? 100) * 1e6, warmupNs: Double(warmupMs) * 1e6, minSamples: minSamples),
            fingerprint: fingerprint, calibration: calibration, topology: topology, progress: !noProgress)
        let outcome = BenchRun.run(cases, catalog: catalog, settings: settings)
        print(BenchRun.table(outcome.records), terminator: "")
        for f in outcome.failures { writeStderr("FAILED \(f.description)\n") }
        guard !outcome.records.isEmpty else {
            writeStderr("no case produced a timing; nothing written\n")
            throw ExitCode(1)
        }
        let base = "\(out)/\(name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)"
        try ReportCSV.write(outcome.records, to: base + ".csv")
        let json = BenchmarkJSON.make(records: outcome.records, fingerprint: fingerprint, topology: topology)
        try AtomicFile.write(try json.encoded(), to: base + ".json")
        var written = [base + ".csv", base + ".json"]
        if !noPlots {
            let dir = "\(out)/plots/\(URL(fileURLWithPath: base).lastPathComponent)"
            for (file, svg) in Plot.throughputCharts(outcome.records) + Plot.scalingCharts(outcome.records) {
                try AtomicFile.write(svg, to: "\(dir)/\(file)")
                written.append("\(dir)/\(file)")
            }
        }
        writeStderr("wrote \(written.count) files: \(written.prefix(3).joined(separator: ", "))\(written.count > 3 ? ", ..." : "")\n")
        if !outcome.failures.isEmpty { throw ExitCode(1) }
    }
}
