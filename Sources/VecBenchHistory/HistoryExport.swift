import Foundation
import VecBench

// The history as SQL for PostgreSQL (`vecbench history export --sql | psql DB`), for a team that
// keeps one shared store of every machine's runs. The script creates the tables if needed and
// inserts with ON CONFLICT DO NOTHING, so exporting the same history twice, or histories of two
// machines that share runs, is harmless. Plain INSERT statements with string and number literals
// only: the same script also loads into SQLite (tested that way, CI has no PostgreSQL server).

/// PostgreSQL DDL and INSERT statements for a `HistoryStore`'s runs and samples.
public enum HistoryExport {
    /// The history's two tables in PostgreSQL's types (samples_ns as jsonb, the date as timestamptz).
    public static let postgresSchema = """
        CREATE TABLE IF NOT EXISTS runs (
            run_id text PRIMARY KEY,
            fingerprint_id text NOT NULL,
            git_commit text NOT NULL,
            date timestamptz NOT NULL,
            suite text NOT NULL,
            vecbench_version text NOT NULL,
            source text NOT NULL DEFAULT ''
        );
        CREATE TABLE IF NOT EXISTS samples (
            run_id text NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            case_id text NOT NULL,
            op text NOT NULL, phase text NOT NULL, dtype text NOT NULL, shapes text NOT NULL,
            variant text NOT NULL, threads integer NOT NULL, pinning text NOT NULL,
            median_ns double precision NOT NULL,
            samples_ns jsonb NOT NULL,
            PRIMARY KEY (run_id, case_id)
        );
        CREATE INDEX IF NOT EXISTS samples_by_op ON samples (op, case_id);

        """

    /// The whole script: the schema, then one INSERT per run and per sample, in one transaction.
    /// Runs with an unknown date ("unknown") get the epoch, which timestamptz accepts.
    /// Throws `HistoryError` when the store cannot be read.
    public static func sql(_ store: HistoryStore) throws -> String {
        var out = "-- vecbench history export of \(store.path)\nBEGIN;\n" + postgresSchema
        for run in try store.runs() {
            let date = run.date.first?.isNumber == true ? run.date : "1970-01-01T00:00:00Z"
            out += "INSERT INTO runs VALUES (" + [run.runID, run.fingerprintID, run.gitCommit, date, run.suite, run.vecbenchVersion,
                                                  run.source].map(literal).joined(separator: ", ") + ") ON CONFLICT DO NOTHING;\n"
            for s in try store.samples(runID: run.runID) {
                let k = s.id
                let text = [run.runID, k.description, k.op, k.phase.rawValue, k.dtype.rawValue, formatShapes(k.shapes), k.variant]
                    .map(literal).joined(separator: ", ")
                out += "INSERT INTO samples VALUES (\(text), \(k.threads), \(literal(k.pinning)), \(number(s.medianNs)), "
                    + "\(literal(HistoryStore.json(s.samplesNs)))) ON CONFLICT DO NOTHING;\n"
            }
        }
        return out + "COMMIT;\n"
    }

    /// A SQL string literal: single quotes doubled (standard SQL, both databases).
    static func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    /// A finite number as SQL; NaN and infinities (never stored by `vecbench run`) as 0.
    static func number(_ x: Double) -> String { x.isFinite ? String(x) : "0" }
}
