#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VecBench

// Reports written before the history existed (results/*.csv, CI artifacts) become history runs
// (`vecbench history import`). A report's rows carry the machine, commit and run id; the date and
// the vecbench version are in its JSON sidecar when that belongs to the same run, else the file's
// modification time stands in for the date. Rows of one file that name different runs (a merged
// A/B report, a hand-concatenated CSV) become one history run each.

/// Turns report files (and what `vecbench run` just measured) into `HistoryRun`s.
public enum HistoryImport {
    /// The history runs of the report at `path`: one per run id (per machine and commit for rows
    /// without one). Throws `ReportError` when the report does not parse.
    public static func runs(fromReport path: String) throws -> [HistoryRun] {
        let records = try ReportCSV.read(path: path)
        let sidecar = try? BenchmarkJSON.read(path: BenchmarkJSON.sidecarPath(forReport: path))
        let fileHash = FileManager.default.contents(atPath: path).map { fnv1a(Array($0)) } ?? 0
        let suite = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var order: [String] = []
        var groups: [String: [BenchRecord]] = [:]
        for r in records {
            let key = r.runID.isEmpty ? "csv-\(String(fileHash, radix: 16))-\(r.fingerprintID)-\(r.gitCommit.prefix(12))" : r.runID
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        let mtime = modificationDate(path) ?? "unknown"
        return order.map { key in
            let rows = groups[key] ?? []
            let first = rows[0]
            // The sidecar speaks for the rows of its own run (or for a report without run ids, the
            // older format, where it was written together with the CSV).
            let sidecarRun = sidecar?.context.vecbench_run?.run_id
            let matches = sidecar != nil && (sidecarRun == key || (first.runID.isEmpty && sidecarRun == nil))
            return HistoryRun(runID: key, fingerprintID: first.fingerprintID, gitCommit: first.gitCommit,
                              date: matches ? sidecar!.context.date : mtime, suite: suite,
                              vecbenchVersion: matches ? sidecar!.context.library_version : "unknown", source: path,
                              samples: rows.map(HistorySample.init))
        }
    }

    /// The history run of a finished `vecbench run`: its rows, machine, commit and date.
    public static func run(records: [BenchRecord], fingerprint: Fingerprint, runID: String, suite: String, vecbenchVersion: String,
                           source: String) -> HistoryRun {
        HistoryRun(runID: runID, fingerprintID: fingerprint.id, gitCommit: fingerprint.gitCommit, date: fingerprint.date, suite: suite,
                   vecbenchVersion: vecbenchVersion, source: source, samples: records.map(HistorySample.init))
    }

    /// The file's modification time as ISO 8601 UTC, or nil when it cannot be read.
    static func modificationDate(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Fingerprint.isoDate(st.st_mtim.tv_sec)
    }

    /// FNV-1a, 64 bits: a stable id for a report without run ids (Hasher is seeded per process).
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
