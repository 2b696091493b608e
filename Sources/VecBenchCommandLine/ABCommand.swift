import ArgumentParser
import Foundation
import VecBench

struct ABCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ab",
        abstract: "Run one suite with two vecbench builds, interleaved round by round, and compare them.",
        discussion: """
            The most robust way to judge a change on one (shared, noisy) machine: both builds \
            measure every round back to back, alternating which goes first, so drift of the \
            machine (other load, clock, thermal state) hits both alike. Each round is one \
            `vecbench run --rounds 1` of each build, with a shuffled case order seeded per round; \
            the rounds are merged into DIR/ab-baseline.csv and DIR/ab-current.csv (one round \
            median per round, as `run --rounds` writes) and compared as `vecbench compare` does. \
            Exit codes: 0 no regression, 1 regression, 2 bad input or a build that failed to run.

            Example:
              vecbench ab --baseline-exe main/.build/release/vecbench --current-exe .build/release/vecbench --suite quick
            """)

    @Option(help: "The baseline build's vecbench executable. Example: --baseline-exe /tmp/main/vecbench")
    var baselineExe: String

    @Option(help: "The current build's vecbench executable (default: this one). Example: --current-exe .build/release/vecbench")
    var currentExe: String?

    @Option(help: "Suite name or path (as for run). Example: --suite quick")
    var suite = "quick"

    @Option(parsing: .unconditional, help: "Rounds; each runs both builds once (3-100). Example: --rounds 5")
    var rounds = 5

    @Option(parsing: .unconditional,
            help: "Sampling time per case and round in milliseconds (default: the suite's, divided by the rounds). Example: --min-time-ms 20")
    var minTimeMs: Int?

    @Option(help: "Where the round reports and the merged reports go. Example: --out results/ab")
    var out = "results/ab"

    @Option(parsing: .unconditional, help: "Seed of the shuffled case orders (default: from the clock). Example: --seed 7")
    var seed: UInt64?

    @OptionGroup var gate: GateOptions

    func validate() throws {
        guard (3...100).contains(rounds) else {
            throw ValidationError("--rounds must be in 3...100 (compare judges changes against the spread of 3 or more)")
        }
        if let minTimeMs, minTimeMs < 1 { throw ValidationError("--min-time-ms must be at least 1") }
        guard FileManager.default.isExecutableFile(atPath: baselineExe) else {
            throw ValidationError("--baseline-exe \(baselineExe): not an executable file")
        }
        if let currentExe, !FileManager.default.isExecutableFile(atPath: currentExe) {
            throw ValidationError("--current-exe \(currentExe): not an executable file")
        }
    }

    func run() throws {
        let current = currentExe ?? ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        let seed = self.seed ?? UInt64(time(nil))
        try ReportFiles.prepareDirectory(out)
        var reports: [String: [[BenchRecord]]] = ["baseline": [], "current": []]
        for round in 0..<rounds {
            let sides = round % 2 == 0 ? [("baseline", baselineExe), ("current", current)] : [("current", current), ("baseline", baselineExe)]
            for (side, exe) in sides {
                let name = "\(side)-round\(round + 1)"
                var args = ["run", "--suite", suite, "--rounds", "1", "--order", "shuffle", "--seed", String(seed &+ UInt64(round)),
                            "--out", out, "--name", name, "--no-plots", "--no-progress"]
                if let minTimeMs { args += ["--min-time-ms", String(minTimeMs)] }
                writeStderr("ab: round \(round + 1)/\(rounds): \(side) (\(exe))\n")
                let status = try Self.spawn(exe, args)
                guard status == 0 else { throw InputError("\(exe) \(args.joined(separator: " ")) exited \(status)") }
                do { reports[side]!.append(try ReportCSV.read(path: "\(out)/\(name).csv")) } catch let e as ReportError {
                    throw InputError(e.description)
                }
            }
        }
        let base = RoundMerge.merge(reports["baseline"]!), cur = RoundMerge.merge(reports["current"]!)
        try ReportCSV.write(base, to: "\(out)/ab-baseline.csv")
        try ReportCSV.write(cur, to: "\(out)/ab-current.csv")
        let result: CompareResult
        do {
            result = try Compare.compare(baseline: base, current: cur, baselineFile: "baseline", currentFile: "current",
                                         options: gate.compareOptions())
        } catch let e as ReportError { throw InputError(e.description) }
        try gate.report(result, baseline: "\(out)/ab-baseline.csv", current: "\(out)/ab-current.csv",
                        verdictPath: "\(out)/verdict.json", advisory: gate.advisory)
    }

    /// Runs `exe args`, its output passed through to ours; returns the exit status.
    static func spawn(_ exe: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        // Round runs are pieces of one comparison, not runs of their own: kept out of the history
        // (an environment variable, which an older baseline vecbench ignores, not a flag it would reject).
        p.environment = ProcessInfo.processInfo.environment.merging(["VECBENCH_NO_HISTORY": "1"]) { _, new in new }
        try p.run()
        p.waitUntilExit()
        return p.terminationReason == .exit ? p.terminationStatus : 128 + p.terminationStatus
    }
}
