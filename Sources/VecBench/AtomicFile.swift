#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Writes files so that readers see either the old content or the complete new one: the text goes
/// to a temporary file beside the target, is flushed to disk, then renamed over it. On any failure
/// the temporary file is removed and an existing target is left untouched.
public enum AtomicFile {
    /// A failed write: the path, what failed (with the system's reason), and that the old file is unchanged.
    public struct WriteError: Error, CustomStringConvertible {
        /// The message, e.g. "results/run.csv: rename failed: Permission denied; the old file is unchanged".
        public var description: String
    }

    /// Replaces the file at `path` with `text` (UTF-8), creating its directory if needed; throws
    /// `WriteError` with the old file (if any) left as it was.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Replaces the file at `path` with `bytes`, as `write(_:to:)` for text.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let temp = try writeTemporary(bytes, for: path)
        try commit(temp, to: path)
    }

    /// Several files that belong together (a report and its sidecar): every one is written and
    /// flushed before any is renamed, so a failure leaves all the old files; the renames follow
    /// back to back. Readers that must not pair files of different runs check the run id that
    /// both carry (a kill between two renames is still possible, and then detectable).
    public static func writeAll(_ files: [(text: String, path: String)]) throws {
        var temps: [String] = []
        do {
            for f in files { temps.append(try writeTemporary(Array(f.text.utf8), for: f.path)) }
        } catch {
            temps.forEach { unlink($0) }
            throw error
        }
        for (temp, f) in zip(temps, files) { try commit(temp, to: f.path) }
    }

    /// Removes `*.<pid>.tmp` files in `directory` left by processes that no longer run (a killed
    /// run); returns the paths removed.
    @discardableResult
    public static func removeStaleTemporaries(in directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for name in names where name.hasSuffix(".tmp") {
            let parts = name.dropLast(4).split(separator: ".")
            guard let pid = parts.last.flatMap({ Int32($0) }), pid > 0 else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }   // still running (maybe another run)
            let path = "\(directory)/\(name)"
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    private static func commit(_ temp: String, to path: String) throws {
        guard rename(temp, path) == 0 else {
            let text = failureText("rename")
            unlink(temp)
            throw WriteError(description: "\(path): \(text); the old file is unchanged")
        }
    }

    private static func writeTemporary(_ bytes: [UInt8], for path: String) throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw WriteError(description: "\(path): cannot create directory \(directory): \(error.localizedDescription)")
            }
        }
        // Ends in .tmp so that results/*.tmp in .gitignore covers a leftover from a killed process.
        let temp = "\(path).\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path, "cannot create \(temp)") }
        var ok = true
        bytes.withUnsafeBytes { buf in
            var offset = 0
            while ok && offset < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { ok = false } else { offset += n }
            }
        }
        let error = ok ? "" : failureText("write")
        let synced = ok && fsync(fd) == 0
        close(fd)
        guard ok, synced else {
            unlink(temp)
            throw WriteError(description: "\(path): \(ok ? failureText("fsync") : error); the old file is unchanged")
        }
        return temp
    }

    private static func failureText(_ what: String) -> String { "\(what) failed: \(String(cString: strerror(errno)))" }

    private static func failure(_ path: String, _ what: String) -> WriteError {
        WriteError(description: "\(path): \(what): \(String(cString: strerror(errno)))")
    }
}
