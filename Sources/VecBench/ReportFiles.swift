#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VecPlatform

/// The files of one run: OUT/NAME.csv and its sidecar OUT/NAME.json, replaced together.
public enum ReportFiles {
    /// Creates `directory` if needed and proves it writable before anything is measured (a run
    /// of many minutes must not end in "cannot write"); removes temporaries of killed runs. `option`
    /// names the flag that gave the directory in the error.
    public static func prepareDirectory(_ directory: String, option: String = "--out") throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw AtomicFile.WriteError(description: "\(option) \(directory): cannot create the directory: \(error.localizedDescription)")
        }
        let probe = "\(directory)/.vecbench-write-test.\(getpid()).tmp"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw AtomicFile.WriteError(description: "\(option) \(directory): not writable: \(String(cString: strerror(errno)))")
        }
        close(fd)
        unlink(probe)
        for path in AtomicFile.removeStaleTemporaries(in: directory) {
            writeStderr("note: removed \(path), left by a run that was killed\n")
        }
    }

    /// Writes BASE.csv and BASE.json together (`CSVReporter`, `BenchmarkJSONReporter`); returns their paths.
    @discardableResult
    public static func write(records: [BenchRecord], fingerprint: Fingerprint, topology: TopologyModel?,
                             run: BenchmarkJSON.RunInfo, base: String) throws -> [String] {
        let report = RunReport(records: records, fingerprint: fingerprint, topology: topology, run: run, base: base)
        return try write(ReportOutputs.render([CSVReporter(), BenchmarkJSONReporter()], report))
    }

    /// Writes every file output of a run's reporters as one group (`AtomicFile.writeAll`: all or
    /// none replaced); standard-output pieces are left to `ReportOutputs.print`. Returns the
    /// paths written, in order.
    @discardableResult
    public static func write(_ outputs: [ReportOutput]) throws -> [String] {
        let files = outputs.compactMap { o -> (text: String, path: String)? in
            if case .file(let path) = o.destination { return (o.text, path) }
            return nil
        }
        try AtomicFile.writeAll(files)
        return files.map(\.path)
    }
}
