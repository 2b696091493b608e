import Foundation

// Contention as a benchmark condition: a shared CI machine runs other processes beside the
// benchmark, and a thread pool that waits for a descheduled worker is slowest exactly there
// (docs/measurements.md, "Threads on a shared machine"). Busy loops are separate processes, so the scheduler treats them as it
// treats a neighbour's compiler, not as threads of vecbench.

/// N busy-loop processes that spin beside a benchmark run until `stop()`.
///
/// Each is `/bin/sh` spinning in a loop that also exits by itself within ~0.1 s once vecbench is
/// gone, so that a run that is killed or crashes leaves no spinner behind (no signal handler is
/// needed, and `vecbench run`'s own SIGINT handling stays as it is).
public final class Contention {
    /// What each child runs: spin, and every ~200,000 turns check that the parent still lives.
    static let script = "while kill -0 $PPID 2>/dev/null; do i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; done"

    /// The children's process ids.
    public private(set) var pids: [pid_t] = []

    /// Starts `count` busy loops (none for 0). Throws if a process cannot be started, after
    /// stopping those already started.
    public init(count: Int) throws {
        guard count > 0 else { return }
        for _ in 0..<count {
            var pid: pid_t = 0
            let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", Self.script].map { (s: String) in strdup(s) } + [nil]
            defer { argv.forEach { free($0) } }
            let rc = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
            guard rc == 0 else {
                stop()
                throw ContentionError(message: "--contend: could not start a busy loop: \(String(cString: strerror(rc)))")
            }
            pids.append(pid)
        }
    }

    /// Kills the busy loops and reaps them. Safe to call more than once.
    public func stop() {
        for pid in pids {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        pids = []
    }

    deinit { stop() }

    /// The note printed on stderr for a run with `count` busy loops.
    public static func note(_ count: Int) -> String {
        "note: contend=\(count): \(count) busy-loop process\(count == 1 ? "" : "es") running beside every case\n"
    }
}

/// A busy loop of `--contend` could not be started.
public struct ContentionError: Error, CustomStringConvertible {
    /// "--contend: could not start a busy loop: <reason>".
    public var message: String
    /// The message.
    public var description: String { message }
}
