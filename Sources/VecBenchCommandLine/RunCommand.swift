#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import VecBench
import VecBenchHistory
import VecPlatform

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a benchmark suite: table on stdout, CSV + JSON (+ SVG charts) in the output directory.",
        discussion: """
            Every case is checked against its float64 reference before it is timed; a case that \
            fails is reported and left out of the report, and the exit code is then 1.
            The suite runs in --rounds passes, each visiting the cases in a new seeded order \
            (--order shuffle), so that the report holds each case's between-round spread \
            (noise_pct), which `compare` uses to tell a change from the machine's noise.
            Files written: OUT/NAME.csv (the report), OUT/NAME.json (fingerprint, Google Benchmark \
            JSON), OUT/plots/NAME/*.svg (throughput against size for each case measured at two \
            sizes or more, speed-up against threads for two thread counts or more; a run with \
            neither has no charts); an interrupted run (Ctrl-C, SIGTERM) writes what it \
            measured to OUT/NAME.partial.csv. A complete run is also appended to the run history \
            OUT/history.sqlite (vecbench history; --history PATH, --no-history). Roofline percentages need \
            OUT/calibration-<machine>.json (vecbench calibrate, or --calibrate here; under taskset or \
            a cpuset that leaves n CPUs, OUT/calibration-<machine>-<n>cpus.json, measured the same way).
            Suites are looked up as given, then in $VECBENCH_SUITES, ./Benchmarks and the \
            Benchmarks folder of the package the executable was built in.
            OpenBLAS: the best kernel set for this CPU is chosen at start-up (re-executing with \
            OPENBLAS_CORETYPE set and OPENBLAS_L2_SIZE unset when the environment says otherwise); \
            --openblas-core NAME chooses another. The core is in every row (openblas_core).

            Examples:
              vecbench run                                   # Benchmarks/default.suite into results/
              vecbench run --suite quick --threads 1,2 --pin compact
              vecbench run --case 'op=matmul shapes=1024x1024;1024x1024 variants=blas threads=1'
              echo 'op=relu shapes=1048576' | vecbench run --suite - --name relu
              vecbench run --suite my.suite --ops sigmoid,matmul --min-time-ms 50 --name trial
            """)

    @Option(help: "Suite name (NAME.suite in the suite folders), path to a .suite file, or - for stdin. Example: --suite quick")
    var suite = "default"

    @Option(name: .customLong("case"),
            help: "A one-off case in suite syntax instead of a suite (repeatable). Example: --case 'op=relu shapes=1048576 threads=1,2'")
    var cases: [String] = []

    @Option(help: "Output directory for the report, sidecar and charts. Example: --out results")
    var out = "results"

    @Option(help: "Base name of the output files (default: the suite's name, 'cases' for --case, 'stdin' for -). Example: --name nightly")
    var name: String?

    // Unconditional: "--threads -1" reaches threadList and its message, not ArgumentParser's "Missing value".
    @Option(parsing: .unconditional,
            help: "Thread counts for every case, overriding the suite: counts, ranges, max, pow2. Example: --threads 1,2 or --threads 1-max",
            transform: RunCommand.threadList)
    var threads: ThreadList?

    @Option(help: "Pinning policies for every case, overriding the suite: none, compact, scatter. Example: --pin compact")
    var pin: PinList?

    @Option(help: "Only these ops (comma-separated). Example: --ops sigmoid,matmul")
    var ops: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Sampling time per case in milliseconds (all rounds together), overriding the suite's "
                               + "min_time_ms (default 100). Example: --min-time-ms 200"))
    var minTimeMs: Int?

    @Option(parsing: .unconditional, help: "Warm-up time per case in milliseconds. Example: --warmup-ms 20")
    var warmupMs = 20

    @Option(parsing: .unconditional, help: "Fewest samples per case (all rounds together). Example: --min-samples 10")
    var minSamples = 10

    @Option(parsing: .unconditional,
            help: "Passes over the suite; each case's time is split over them and their spread is its noise estimate (1-100). Example: --rounds 5")
    var rounds = 5

    @Option(help: "Order of the cases in each round: shuffle (a seeded permutation per round) or fixed (suite order). Example: --order fixed")
    var order: CaseOrder = .shuffle

    @Option(parsing: .unconditional,
            help: "Seed of the shuffled orders (default: from the clock; the one used is printed and recorded). Example: --seed 42")
    var seed: UInt64?

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

    @Option(parsing: .unconditional, help: "Busy-loop processes to run beside every case (contention, as on a shared machine). Example: --contend 2")
    var contend = 0

    @Option(help: "The run history to append to (default: OUT/history.sqlite). Example: --history results/history.sqlite")
    var history: String?

    @Flag(help: ArgumentHelp("Run thread counts above the CPUs this process may use as asked, instead of capping them at "
                             + "those CPUs: 16 threads on 2 CPUs then measure threads preempting one another, and checks "
                             + "that a result does not depend on the thread count run anywhere. Example: --oversubscribe --threads 1,2,16"))
    var oversubscribe = false

    @Flag(help: "Do not append this run to the history (nor does VECBENCH_NO_HISTORY=1; ab's round runs set it). Example: --no-history")
    var noHistory = false

    func validate() throws {
        if let minTimeMs, minTimeMs < 1 || minTimeMs > 600_000 { throw ValidationError("--min-time-ms must be in 1...600000") }
        guard warmupMs >= 0, warmupMs <= 60_000 else { throw ValidationError("--warmup-ms must be in 0...60000") }
        guard minSamples >= 1, minSamples <= 100_000 else { throw ValidationError("--min-samples must be in 1...100000") }
        guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be in 1...100") }
        guard (0...256).contains(contend) else { throw ValidationError("--contend must be in 0...256") }
        if let name, name.isEmpty || name.contains("/") { throw ValidationError("--name must be a plain file name") }
        if !cases.isEmpty && suite != "default" { throw ValidationError("give --case or --suite, not both") }
    }

    static func threadList(_ text: String) throws -> ThreadList {
        guard let list = ThreadList(argument: text) else {
            throw ValidationError("--threads '\(text)': thread counts are whole numbers in 1...4096, ranges a-b, max or pow2 "
                                  + "(e.g. --threads 1,2 or 1-max); 0 and negative counts mean nothing here")
        }
        return list
    }

    /// Where a suite name is looked for, in order (a path is used as it is).
    static func suiteCandidates(_ suite: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                                executable: String = CommandLine.arguments[0]) -> [String] {
        if suite.contains("/") || suite.hasSuffix(".suite") { return [suite] }
        let file = "\(suite).suite"
        var dirs: [String] = []
        if let env = environment["VECBENCH_SUITES"], !env.isEmpty { dirs += env.split(separator: ":").map(String.init) }
        dirs.append("Benchmarks")
        // The package the executable was built in: .build/<triple>/release/vecbench -> ../../../Benchmarks.
        var dir = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? executable)
            .deletingLastPathComponent()
        for _ in 0..<6 {
            dirs.append(dir.appendingPathComponent("Benchmarks").path)
            dir = dir.deletingLastPathComponent()
        }
        // The package these sources were compiled from, for a copied executable (a new user's
        // trial ran a copy outside .build, where the walk above finds nothing).
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        dirs.append(sources.deletingLastPathComponent().appendingPathComponent("Benchmarks").path)
        var seen = Set<String>()
        return dirs.map { "\($0)/\(file)" }.filter { seen.insert($0).inserted }
    }

    /// The suite text and the name errors give it.
    func suiteSource() throws -> (text: String, file: String, name: String) {
        if !cases.isEmpty { return (cases.joined(separator: "\n") + "\n", "--case", "cases") }
        if suite == "-" {
            var text = ""
            while let line = readLine(strippingNewline: false) { text += line }
            return (text, "<stdin>", "stdin")
        }
        let candidates = Self.suiteCandidates(suite)
        guard let path = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            throw InputError("suite '\(suite)' not found; looked in: \(candidates.joined(separator: ", "))"
                             + " (set VECBENCH_SUITES to a folder of .suite files, or give a path)")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw InputError("\(path): cannot read the suite file as UTF-8 text")
        }
        return (text, path, URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
    }

    func run() throws {
        Builtins.registerAll()
        let catalog = Catalog.snapshot
        if list {
            print(Builtins.listing(catalog), terminator: "")
            return
        }
        let source = try suiteSource()
        var lines: [SuiteLine]
        do {
            lines = try Suite.loadValidated(text: source.text, file: source.file, catalog: catalog)
        } catch let e as SuiteErrors { throw InputError(e.description) }
        if let ops {
            let wanted = Set(ops.split(separator: ",").map(String.init))
            let unknown = wanted.subtracting(catalog.names)
            guard unknown.isEmpty else { throw InputError("--ops: unknown op(s) \(unknown.sorted().joined(separator: ", "))") }
            lines = lines.filter { wanted.contains($0.op) }
        }
        let handle = Topology.machine
        let topology = handle?.model()
        // The process's CPUs (its affinity mask: fewer than the machine's under taskset or a
        // cpuset) are what threads=max and ranges to max mean and what a parallel loop is capped
        // at (said before a --dry-run's plan too).
        let usable = Threading.processCPUs
        var planned = Suite.expand(lines, catalog: catalog, machinePUs: usable, threads: threads?.resolve(usable), pinning: pin?.policies)
        if minTimeMs != nil { for i in planned.indices { planned[i].minTimeMs = nil } }
        guard !planned.isEmpty else { throw InputError("\(source.file): no cases to run (after --ops / --threads)") }
        if let t = planned.map(\.id.threads).max(), t > usable {
            if oversubscribe {
                Threading.allowsOversubscription = true
                Threading.suppressOversubscriptionWarning()  // the warning below says it
                writeStderr("warning: up to \(t) threads on \(Threading.processCPUsPhrase) (--oversubscribe): "
                            + "cases above \(usable) measure threads preempting one another\n")
            } else {
                writeStderr("note: up to \(t) threads asked on \(Threading.processCPUsPhrase): "
                            + "those cases run on \(usable) \(usable == 1 ? "thread" : "threads") "
                            + "(their thread count in the report is the one asked; --oversubscribe runs them as asked)\n")
            }
        }
        if dryRun {
            for c in planned { print("\(source.file):\(c.line): \(BenchRun.label(c))") }
            print(planned.count == 1 ? "1 case" : "\(planned.count) cases")
            return
        }
        let base = "\(out)/\(name ?? source.name)"
        try ReportFiles.prepareDirectory(out)
        if let warning = ISA.warning { writeStderr("warning: \(warning)\n") }
        let fingerprint = Fingerprint.current(topology: topology)
        for w in fingerprint.frequencyWarnings { writeStderr("warning: \(w)\n") }
        let calibration = try CalibrateCommand.cachedOrMeasured(out: out, fingerprint: fingerprint, topology: topology,
                                                                measureIfMissing: calibrate)
        if calibration == nil {
            let whose = CalibrateCommand.restriction(fingerprint) == nil ? "this machine" : Threading.processCPUsPhrase
            writeStderr("note: no calibration for \(whose) in \(out)/: roofline % left empty (vecbench calibrate)\n")
        }

        let seed = self.seed ?? UInt64(MonotonicClock.nanoseconds() & 0xFFFF_FFFF)
        let runID = Self.runID(fingerprint: fingerprint, seed: seed)
        if rounds < 3 {
            writeStderr("note: --rounds \(rounds): compare needs 3 or more rounds to judge changes against the noise\n")
        }
        if rounds > 1 || order == .shuffle {
            writeStderr("note: \(planned.count) case\(planned.count == 1 ? "" : "s") x \(rounds) round\(rounds == 1 ? "" : "s"), "
                        + "order \(order.rawValue)"
                        + (order == .shuffle ? " (--seed \(seed))" : "") + "\n")
        }
        let contention = try Contention(count: contend)
        if contend > 0 { writeStderr(Contention.note(contend)) }
        Interrupt.install()
        let settings = BenchSettings(
            measure: MeasureOptions(minTimeNs: Double(minTimeMs ?? 100) * 1e6, warmupNs: Double(warmupMs) * 1e6, minSamples: minSamples),
            fingerprint: fingerprint, calibration: calibration, topology: topology, progress: !noProgress,
            rounds: rounds, order: order, seed: seed, runID: runID, contend: contend,
            shouldStop: Interrupt.requested)
        let outcome = BenchRun.run(planned, catalog: catalog, settings: settings)
        contention.stop()
        let run = BenchmarkJSON.RunInfo(runID: runID, rounds: rounds, order: order.rawValue, seed: seed, contend: contend)
        // An interrupted run keeps its rows in NAME.partial.csv and .json, without charts; a run
        // with no rows writes no file.
        let partial = base + ".partial"
        var reporters: [any Reporter] = [ConsoleTableReporter()]
        if !outcome.records.isEmpty {
            reporters += [CSVReporter(), BenchmarkJSONReporter()]
            if outcome.complete && !noPlots {
                reporters.append(SVGPlotReporter(directory: "\(out)/plots/\(URL(fileURLWithPath: base).lastPathComponent)"))
            }
        }
        let report = RunReport(records: outcome.records, fingerprint: fingerprint, topology: topology, run: run,
                               base: outcome.complete ? base : partial)
        let outputs = try ReportOutputs.render(reporters, report)
        ReportOutputs.print(outputs)
        for f in outcome.failures { writeStderr("FAILED \(f.description)\n") }
        if !outcome.complete {
            let signal = Interrupt.signalNumber
            if !outcome.records.isEmpty {
                try ReportFiles.write(outputs)
                writeStderr("interrupted: \(outcome.records.count) of \(planned.count) cases measured (some in fewer rounds) "
                            + "kept in \(partial).csv; \(base).csv is unchanged\n")
            } else {
                writeStderr("interrupted before any case was measured; nothing written\n")
            }
            throw ExitCode(128 + signal)
        }
        guard !outcome.records.isEmpty else {
            writeStderr("no case produced a timing; nothing written\n")
            throw ExitCode(1)
        }
        let written = try ReportFiles.write(outputs)
        writeStderr("wrote \(written.count) files: \(written.prefix(3).joined(separator: ", "))\(written.count > 3 ? ", ..." : "")\n")
        if !noPlots && !written.contains(where: { $0.hasSuffix(".svg") }) {
            writeStderr("no charts: no case was measured at two sizes or at two thread counts\n")
        }
        if !noHistory && ProcessInfo.processInfo.environment["VECBENCH_NO_HISTORY"] != "1" {
            appendHistory(HistoryImport.run(records: outcome.records, fingerprint: fingerprint, runID: runID, suite: source.name,
                                            vecbenchVersion: Vecbench.configuration.version, source: base + ".csv"))
        }
        if !outcome.failures.isEmpty { throw ExitCode(1) }
    }

    /// Appends the run to the history; a history that cannot be written is a warning, not a failed
    /// run (the report is written by then).
    func appendHistory(_ run: HistoryRun) {
        let path = history ?? "\(out)/history.sqlite"
        let start = MonotonicClock.nanoseconds()
        do {
            try HistoryStore(path: path).append(run)
            let ms = Double(MonotonicClock.nanoseconds() - start) / 1e6
            writeStderr("history: run \(run.runID) appended to \(path) (\(TextFormat.fixed(ms, 1)) ms)\n")
        } catch {
            writeStderr("warning: \(error) (the report is written; --no-history skips the history)\n")
        }
    }

    /// "<machine>-<seconds since 1970 in hex>-<seed in hex>": unique per run, readable, and never
    /// all digits.
    static func runID(fingerprint: Fingerprint, seed: UInt64) -> String {
        "\(fingerprint.id)-\(String(UInt64(time(nil)), radix: 16))-\(String(seed, radix: 16))"
    }
}

extension CaseOrder: ExpressibleByArgument {}

/// SIGINT/SIGTERM during a run: the first one asks the run to stop after the current case (the
/// measured cases are then written to NAME.partial.csv); a second one ends the process at once.
enum Interrupt {
    nonisolated(unsafe) static var flag: sig_atomic_t = 0

    static func install() {
        // A parent may have started us with these blocked (Foundation's Process does): unblock,
        // or the handler never runs and Ctrl-C is lost.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { sig in
                Interrupt.flag = sig
                signal(sig, SIG_DFL)
            }
        }
    }

    static func requested() -> Bool { flag != 0 }
    static var signalNumber: Int32 { flag != 0 ? flag : SIGINT }
}
