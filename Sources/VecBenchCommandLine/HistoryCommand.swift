import ArgumentParser
import Foundation
import VecBench
import VecBenchHistory

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "A case's trend across commits from the run history (results/history.sqlite), with its level shifts.",
        discussion: """
            Every `vecbench run` appends its rows to OUT/history.sqlite (--no-history to skip, \
            --history PATH elsewhere); `history import` adds existing reports. `history` (show) \
            prints, per machine and case of --op, one row per commit (the median of that commit's \
            runs, commits in the order measured) with the change from the previous commit, and \
            flags level shifts: a penalised mean-shift fit on the log medians (PELT's objective: \
            squared deviations from each segment's mean plus --penalty x sigma^2 x ln(n) per \
            segment, sigma the robust noise of the series), segments of at least --min-segment \
            commits, steps under --min-shift percent merged away.

            Examples:
              vecbench history --op sigmoid
              vecbench history --op matmul --case '1024x1024 blas t=1' --svg results/plots/matmul-history.svg
              vecbench history import results/default.csv results/baseline-quick.csv
              vecbench history export --sql | psql -d benchmarks
            """,
        subcommands: [HistoryShowCommand.self, HistoryImportCommand.self, HistoryExportCommand.self],
        defaultSubcommand: HistoryShowCommand.self)
}

/// --db, shared by the history subcommands.
struct HistoryDatabase: ParsableArguments {
    @Option(help: "The history database. Example: --db results/history.sqlite")
    var db = "results/history.sqlite"

    func open(mustExist: Bool) throws -> HistoryStore {
        if mustExist && !FileManager.default.fileExists(atPath: db) {
            throw InputError("\(db): no history database here (vecbench run writes one; or vecbench history import REPORT.csv)")
        }
        do { return try HistoryStore(path: db) } catch let e as HistoryError { throw InputError(e.description) }
    }
}

struct HistoryShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print (and draw) the trend of an op's cases across commits, flagging level shifts.")

    @Option(help: "The op whose cases to show. Example: --op sigmoid")
    var op: String

    @Option(name: .customLong("case"), help: "Only cases whose description contains this text. Example: --case '1048576 simd t=1'")
    var caseFilter: String?

    @Option(help: "Only this machine (fingerprint id, without fp-). Example: --machine de18ef04baa6")
    var machine: String?

    @OptionGroup var database: HistoryDatabase

    @Option(help: "Also draw the trends into this SVG file. Example: --svg results/plots/sigmoid-history.svg")
    var svg: String?

    @Option(parsing: .unconditional, help: "Change-point penalty in multiples of sigma^2 ln(n); larger finds fewer shifts. Example: --penalty 4.5")
    var penalty: Double = 4.5

    @Option(parsing: .unconditional, help: "Smallest level shift reported, in percent. Example: --min-shift 5")
    var minShift: Double = 5

    @Option(parsing: .unconditional, help: "Fewest commits at a level. Example: --min-segment 2")
    var minSegment: Int = 2

    func validate() throws {
        guard penalty > 0, penalty.isFinite else { throw ValidationError("--penalty must be positive") }
        guard minShift >= 0, minShift < 1000 else { throw ValidationError("--min-shift must be a percentage in 0..<1000") }
        guard (1...1000).contains(minSegment) else { throw ValidationError("--min-segment must be in 1...1000") }
    }

    func run() throws {
        let store = try database.open(mustExist: true)
        let points: [HistoryStore.Point]
        do { points = try store.points(op: op) } catch let e as HistoryError { throw InputError(e.description) }
        let options = ChangePointOptions(penalty: penalty, minSegment: minSegment, minShift: minShift / 100)
        let trends = HistoryTrend.trends(points, caseFilter: caseFilter, machine: machine, options: options)
        guard !trends.isEmpty else {
            throw InputError("\(database.db): no measurements of op '\(op)'"
                             + (caseFilter.map { " with a case containing '\($0)'" } ?? "") + (machine.map { " on machine \($0)" } ?? ""))
        }
        print(trends.map(HistoryTrend.table).joined(separator: "\n"), terminator: "")
        let shifted = trends.filter { !$0.shifts.isEmpty }.count
        writeStderr("\(trends.count) case(s), \(shifted) with level shifts (penalty \(penalty), min shift \(minShift)%, "
                    + "min segment \(minSegment))\n")
        if let svg {
            try AtomicFile.write(HistoryTrend.svg(trends), to: svg)
            writeStderr("wrote \(svg)\n")
        }
    }
}

struct HistoryImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Add existing CSV reports to the history (runs already stored are skipped).")

    @Argument(help: "Reports to import. Example: results/default.csv")
    var reports: [String]

    @OptionGroup var database: HistoryDatabase

    func validate() throws {
        guard !reports.isEmpty else { throw ValidationError("give at least one report to import") }
    }

    func run() throws {
        // Every report is parsed before anything is stored: one bad file imports nothing.
        var runs: [HistoryRun] = []
        for path in reports {
            do { runs += try HistoryImport.runs(fromReport: path) } catch let e as ReportError { throw InputError(e.description) }
        }
        let store = try database.open(mustExist: false)
        var added = 0
        for run in runs {
            do {
                if try store.append(run) {
                    added += 1
                } else {
                    writeStderr("\(run.source): run \(run.runID) already in the history, skipped\n")
                }
            } catch let e as HistoryError { throw InputError(e.description) }
        }
        print("imported \(added) run(s) (\(runs.count - added) already stored) into \(database.db)")
    }
}

struct HistoryExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Print the history as a PostgreSQL script (tables if missing, then INSERTs).")

    @Flag(help: "SQL for PostgreSQL (also loads into SQLite): CREATE TABLE IF NOT EXISTS, then INSERT ... ON CONFLICT DO NOTHING. Example: --sql")
    var sql = false

    @OptionGroup var database: HistoryDatabase

    func validate() throws {
        guard sql else { throw ValidationError("give --sql (the only export format)") }
    }

    func run() throws {
        let store = try database.open(mustExist: true)
        do { print(try HistoryExport.sql(store), terminator: "") } catch let e as HistoryError { throw InputError(e.description) }
    }
}
