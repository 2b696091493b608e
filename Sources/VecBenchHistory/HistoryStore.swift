import Foundation
import VecBench
import GRDB
import Vecgrad

// The run history: every `vecbench run` appends its rows to results/history.sqlite, so that a case
// can be followed across commits (`vecbench history`) instead of only against one baseline. An
// embedded SQLite file (through GRDB) rather than a folder of CSVs: one append is one transaction of
// a few milliseconds, queries by op are indexed, and the same two tables load into PostgreSQL
// (`HistoryExport`) when a team wants a shared store. Runs are keyed by the run id `vecbench run`
// already writes into every row and the JSON sidecar, so importing a report twice adds nothing.

/// One run as the history stores it: where and what was measured, and its cases.
public struct HistoryRun: Equatable, Sendable {
    /// `vecbench run`'s run id (the CSV's run_id); imports of reports without one get "csv-<hash>".
    public var runID: String
    /// The machine's fingerprint id (without the CSV's "fp-" prefix).
    public var fingerprintID: String
    /// The commit measured, or "unknown".
    public var gitCommit: String
    /// When the run was made, ISO 8601 UTC ("2026-11-23T01:16:37Z").
    public var date: String
    /// The suite's name ("quick", "cases" for --case runs, the report's name for imports).
    public var suite: String
    /// The vecbench version that measured ("0.1.0"), or "unknown" for imports.
    public var vecbenchVersion: String
    /// The report the run was written to or imported from.
    public var source: String
    /// One entry per case.
    public var samples: [HistorySample]
    /// A run as given.
    public init(runID: String, fingerprintID: String, gitCommit: String, date: String, suite: String, vecbenchVersion: String,
                source: String, samples: [HistorySample]) {
        self.runID = runID; self.fingerprintID = fingerprintID; self.gitCommit = gitCommit; self.date = date
        self.suite = suite; self.vecbenchVersion = vecbenchVersion; self.source = source; self.samples = samples
    }
}

/// One case of a stored run: its identity, median and every sample.
public struct HistorySample: Equatable, Sendable {
    /// The case (op, phase, dtype, shapes, variant, threads, pinning).
    public var id: CaseID
    /// Median time of one call, nanoseconds.
    public var medianNs: Double
    /// Every sample, ns per call (stored as a JSON array); may be empty.
    public var samplesNs: [Double]
    /// A sample as given.
    public init(id: CaseID, medianNs: Double, samplesNs: [Double]) { self.id = id; self.medianNs = medianNs; self.samplesNs = samplesNs }
    /// The case's row of a report.
    public init(_ record: BenchRecord) { self.init(id: record.id, medianNs: record.medianNs, samplesNs: record.samplesNs) }
}

/// A history database that cannot be opened, read or written; the message names the file.
public struct HistoryError: Error, CustomStringConvertible {
    /// "PATH: what went wrong".
    public var description: String
    /// An error as given.
    public init(_ description: String) { self.description = description }
}

/// The SQLite history file: opened (and created or migrated) by `init(path:)`, appended to by
/// `append`, read by `runs` and `points`.
public final class HistoryStore {
    /// The file's path.
    public let path: String
    let queue: DatabaseQueue

    /// The SQLite schema; `HistoryExport.postgresSchema` is the same in PostgreSQL's types.
    static let schema = """
        CREATE TABLE runs (
            run_id TEXT PRIMARY KEY NOT NULL,
            fingerprint_id TEXT NOT NULL,
            git_commit TEXT NOT NULL,
            date TEXT NOT NULL,
            suite TEXT NOT NULL,
            vecbench_version TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE samples (
            run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            case_id TEXT NOT NULL,
            op TEXT NOT NULL, phase TEXT NOT NULL, dtype TEXT NOT NULL, shapes TEXT NOT NULL,
            variant TEXT NOT NULL, threads INTEGER NOT NULL, pinning TEXT NOT NULL,
            median_ns REAL NOT NULL,
            samples_ns TEXT NOT NULL,
            PRIMARY KEY (run_id, case_id)
        );
        CREATE INDEX samples_by_op ON samples(op, case_id);
        CREATE INDEX runs_by_date ON runs(date);
        """

    /// Opens the history at `path`, creating the file, its directory and the tables when needed.
    /// Throws `HistoryError` when the file cannot be created or is not a vecbench history.
    public init(path: String) throws {
        self.path = path
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)   // two runs finishing together wait for each other
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in try db.execute(sql: HistoryStore.schema) }
            try migrator.migrate(queue)
        } catch {
            throw HistoryError("\(path): cannot open the history database: \(error)")
        }
    }

    /// Stores `run` in one transaction; false (and nothing written) when its run id is already
    /// stored. Throws `HistoryError` when the file cannot be written.
    @discardableResult
    public func append(_ run: HistoryRun) throws -> Bool {
        do {
            return try queue.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [run.runID, run.fingerprintID, run.gitCommit, run.date, run.suite, run.vecbenchVersion, run.source])
                guard db.changesCount == 1 else { return false }
                let insert = try db.makeStatement(sql: "INSERT OR REPLACE INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                for s in run.samples {
                    let k = s.id
                    try insert.execute(arguments: [run.runID, k.description, k.op, k.phase.rawValue, k.dtype.rawValue,
                                                   formatShapes(k.shapes), k.variant, k.threads, k.pinning, s.medianNs,
                                                   Self.json(s.samplesNs)])
                }
                return true
            }
        } catch {
            throw HistoryError("\(path): cannot append run \(run.runID): \(error)")
        }
    }

    /// Every stored run without its samples, oldest first (by date, then order of storing).
    public func runs() throws -> [HistoryRun] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY date, rowid").map(Self.run)
        }
    }

    /// The stored samples of one run, in case order.
    public func samples(runID: String) throws -> [HistorySample] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM samples WHERE run_id = ? ORDER BY case_id", arguments: [runID]).map(Self.sample)
        }
    }

    /// One measurement of a case in a run, as `points` returns it.
    public struct Point: Equatable, Sendable {
        /// The run it came from (its samples are left out).
        public var run: HistoryRun
        /// The case and its median.
        public var sample: HistorySample
    }

    /// Every stored measurement of `op`, oldest run first (runs of one second in the order stored).
    public func points(op: String) throws -> [Point] {
        try read { db in
            let sql = "SELECT runs.*, samples.* FROM samples JOIN runs ON runs.run_id = samples.run_id WHERE samples.op = ? "
                + "ORDER BY runs.date, runs.rowid"
            return try Row.fetchAll(db, sql: sql, arguments: [op]).map { r in Point(run: try Self.run(r), sample: try Self.sample(r)) }
        }
    }

    /// Runs a SQL script (several statements, its own BEGIN/COMMIT): `HistoryExport.sql`'s output
    /// loads back this way, which is how its tests check it without a PostgreSQL server.
    func execute(script: String) throws {
        do { try queue.writeWithoutTransaction { db in try db.execute(sql: script) } } catch {
            throw HistoryError("\(path): the script failed: \(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch let e as HistoryError { throw e } catch {
            throw HistoryError("\(path): cannot read the history: \(error)")
        }
    }

    /// A `runs` row (without its samples); a value of the wrong type is a `DatabaseError`, not a trap.
    static func run(_ r: Row) throws -> HistoryRun {
        HistoryRun(runID: try r.decode(forColumn: "run_id"), fingerprintID: try r.decode(forColumn: "fingerprint_id"),
                   gitCommit: try r.decode(forColumn: "git_commit"), date: try r.decode(forColumn: "date"),
                   suite: try r.decode(forColumn: "suite"), vecbenchVersion: try r.decode(forColumn: "vecbench_version"),
                   source: try r.decode(forColumn: "source"), samples: [])
    }

    /// A `samples` row.
    static func sample(_ r: Row) throws -> HistorySample {
        let caseText: String = try r.decode(forColumn: "case_id")
        guard let dtype = DType(rawValue: try r.decode(forColumn: "dtype")), let phase = Phase(rawValue: try r.decode(forColumn: "phase")),
              let shapes = try? parseShapes(try r.decode(forColumn: "shapes")) else {
            throw HistoryError("samples row '\(caseText)': unreadable dtype, phase or shapes")
        }
        let id = CaseID(op: try r.decode(forColumn: "op"), variant: try r.decode(forColumn: "variant"), dtype: dtype, shapes: shapes,
                        threads: try r.decode(forColumn: "threads"), pinning: try r.decode(forColumn: "pinning"), phase: phase)
        let text: String = try r.decode(forColumn: "samples_ns")
        let samples = (try? JSONDecoder().decode([Double].self, from: Data(text.utf8))) ?? []
        return HistorySample(id: id, medianNs: try r.decode(forColumn: "median_ns"), samplesNs: samples)
    }

    /// A JSON array of numbers in Swift's shortest round-trip spelling ("[1000.5,980]").
    static func json(_ xs: [Double]) -> String {
        "[" + xs.filter(\.isFinite).map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0) }.joined(separator: ",") + "]"
    }
}
