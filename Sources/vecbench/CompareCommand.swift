import ArgumentParser
import Foundation
import VecBench

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two reports case by case and gate on regressions.",
        discussion: """
            A case regresses when its median time grew by more than the threshold AND the \
            difference is significant (Mann-Whitney U on the samples, else disjoint 95% intervals, \
            else the MAD). Reports from different machines are refused (exit 2) unless \
            --allow-other-machine or --advisory, which warn loudly instead. Build differences read \
            from the .json sidecars (compiled ISA, OpenBLAS core, flags) are warned about. Writes \
            verdict.json next to CURRENT (or --verdict).
            Exit codes: 0 no regression, 1 regression, 2 bad input or usage.

            Examples:
              vecbench compare results/baseline-quick.csv results/quick.csv
              vecbench compare base.csv new.csv --threshold 10 --advisory
              vecbench compare results/torch-default.csv results/default.csv --baseline-variant torch --current-variant auto --ignore-pinning
            """)

    @Argument(help: "The baseline report (CSV). Example: results/baseline-quick.csv")
    var baseline: String

    @Argument(help: "The current report (CSV). Example: results/quick.csv")
    var current: String

    @Option(help: "Smallest change of the median that counts, in percent. Example: --threshold 5")
    var threshold = 5.0

    @Option(help: "Significance level of the rank test. Example: --alpha 0.01")
    var alpha = 0.01

    @Option(help: "Where to write verdict.json (default: beside CURRENT). Example: --verdict out/verdict.json")
    var verdict: String?

    @Flag(help: "Report regressions (and reports from another machine) but exit 0: CI on noisy machines. Example: --advisory")
    var advisory = false

    @Flag(help: "Compare reports from different machines anyway, with a loud warning. Example: --allow-other-machine")
    var allowOtherMachine = false

    @Option(help: "Use only this variant of the baseline (pair with --current-variant). Example: --baseline-variant torch")
    var baselineVariant: String?

    @Option(help: "Use only this variant of the current report. Example: --current-variant auto")
    var currentVariant: String?

    @Flag(help: "Match cases whatever their pinning (PyTorch anchors are unpinned). Example: --ignore-pinning")
    var ignorePinning = false

    func validate() throws {
        guard threshold >= 0, threshold < 1000 else { throw ValidationError("--threshold must be a percentage in 0..<1000") }
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1") }
        guard (baselineVariant == nil) == (currentVariant == nil) else {
            throw ValidationError("give both --baseline-variant and --current-variant, or neither")
        }
    }

    func run() throws {
        let base: [BenchRecord], cur: [BenchRecord]
        do {
            base = try ReportCSV.read(path: baseline)
            cur = try ReportCSV.read(path: current)
        } catch let e as ReportError { throw InputError(e.description) }
        let options = CompareOptions(threshold: threshold / 100, alpha: alpha,
                                     baselineVariant: baselineVariant, currentVariant: currentVariant, ignorePinning: ignorePinning)
        var result: CompareResult
        do {
            result = try Compare.compare(baseline: base, current: cur, baselineFile: baseline, currentFile: current, options: options)
        } catch let e as ReportError { throw InputError(e.description) }
        result.fingerprintWarnings = sidecarWarnings()
        if !result.incompatibleFingerprints.isEmpty {
            let text = result.incompatibleFingerprints.joined(separator: "; ")
            // Advisory runs (CI) report rather than fail: a runner on another CPU is not a regression.
            guard allowOtherMachine || advisory else {
                throw InputError("refusing to compare reports from different machines (\(text)); "
                                 + "pass --allow-other-machine to compare anyway")
            }
            writeStderr("WARNING: DIFFERENT MACHINES: \(text). Timings are not comparable; verdicts are indicative only.\n")
        }
        for w in result.fingerprintWarnings { writeStderr("warning: build differs: \(w)\n") }
        print(Compare.table(result), terminator: "")
        let verdictPath = verdict ?? URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent("verdict.json").path
        try AtomicFile.write(try Compare.verdictJSON(result, baselinePath: baseline, currentPath: current, advisory: advisory), to: verdictPath)
        if result.exitCode != 0 {
            writeStderr(advisory ? "advisory: \(result.count(.regressed)) regression(s), not failing\n"
                                 : "\(result.count(.regressed)) regression(s)\n")
            if !advisory { throw ExitCode(result.exitCode) }
        }
    }

    /// Build differences read from the reports' JSON sidecars, when both have one.
    func sidecarWarnings() -> [String] {
        guard let a = try? BenchmarkJSON.read(path: BenchmarkJSON.sidecarPath(forReport: baseline)),
              let b = try? BenchmarkJSON.read(path: BenchmarkJSON.sidecarPath(forReport: current)) else { return [] }
        return FingerprintCheck.between(a.context.vecbench_fingerprint, b.context.vecbench_fingerprint).warnings
    }
}
