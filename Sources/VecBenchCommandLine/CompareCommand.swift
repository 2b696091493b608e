import ArgumentParser
import Foundation
import VecBench

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two reports case by case and gate on regressions.",
        discussion: """
            A case regresses when its median time grew by more than the threshold AND by more than \
            the machine's own noise: for reports measured in rounds (vecbench run --rounds, 5 by \
            default), --noise-factor times the larger between-round spread of the two rows (a change \
            beyond the threshold but within that spread is NOISY and does not fail); for reports \
            without rounds, a Mann-Whitney U test on the samples (exact below 30 a side), with at \
            least --min-samples a side (else TOO_FEW_SAMPLES, which does not fail). Changes under \
            --min-delta-ns never count. A case of BASELINE missing from CURRENT (a cut or partial \
            report) fails the gate unless --allow-missing. Reports from different machines are refused (exit 2) unless \
            --allow-other-machine or --advisory, which warn loudly instead. Build differences read \
            from the .json sidecars (compiled ISA, OpenBLAS core, flags) are warned about, and so are \
            rows that ran on fewer CPUs than their thread count (cpu_list shorter than threads: a \
            taskset or cpuset held that run). Writes \
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

    @OptionGroup var gate: GateOptions

    @Option(help: "Where to write verdict.json (default: beside CURRENT). Example: --verdict out/verdict.json")
    var verdict: String?

    @Flag(help: "Compare reports from different machines anyway, with a loud warning. Example: --allow-other-machine")
    var allowOtherMachine = false

    @Flag(help: "Gate when both reports come from this machine; only report (as --advisory) when they do not. Example: --advisory-on-other-machine")
    var advisoryOnOtherMachine = false

    @Option(help: "Use only this variant of the baseline (pair with --current-variant). Example: --baseline-variant torch")
    var baselineVariant: String?

    @Option(help: "Use only this variant of the current report. Example: --current-variant auto")
    var currentVariant: String?

    @Flag(help: "Match cases whatever their pinning (PyTorch anchors are unpinned). Example: --ignore-pinning")
    var ignorePinning = false

    func validate() throws {
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
        let options = gate.compareOptions(baselineVariant: baselineVariant, currentVariant: currentVariant,
                                          ignorePinning: ignorePinning)
        var result: CompareResult
        do {
            result = try Compare.compare(baseline: base, current: cur, baselineFile: baseline, currentFile: current, options: options)
        } catch let e as ReportError { throw InputError(e.description) }
        result.fingerprintWarnings += sidecarWarnings(base: base, current: cur)
        var advisory = gate.advisory
        if !result.incompatibleFingerprints.isEmpty {
            let text = result.incompatibleFingerprints.joined(separator: "; ")
            if advisoryOnOtherMachine { advisory = true }
            // Advisory runs (CI) report rather than fail: a runner on another CPU is not a regression.
            guard allowOtherMachine || advisory else {
                throw InputError("refusing to compare reports from different machines (\(text)); "
                                 + "pass --allow-other-machine to compare anyway")
            }
            writeStderr("WARNING: DIFFERENT MACHINES: \(text). Timings are not comparable; verdicts are indicative only.\n")
        }
        let verdictPath = verdict ?? URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent("verdict.json").path
        try gate.report(result, baseline: baseline, current: current, verdictPath: verdictPath, advisory: advisory)
    }

    /// Build differences read from the reports' JSON sidecars, when both have one that belongs
    /// to the same run as its CSV (a sidecar of another run is ignored, with a warning).
    func sidecarWarnings(base: [BenchRecord], current cur: [BenchRecord]) -> [String] {
        func sidecar(_ report: String, _ rows: [BenchRecord]) -> BenchmarkJSON? {
            guard let json = try? BenchmarkJSON.read(path: BenchmarkJSON.sidecarPath(forReport: report)) else { return nil }
            let ids = Set(rows.map(\.runID).filter { !$0.isEmpty })
            if let sidecarID = json.context.vecbench_run?.run_id, !ids.isEmpty, !ids.contains(sidecarID) {
                writeStderr("warning: \(BenchmarkJSON.sidecarPath(forReport: report)) belongs to run \(sidecarID), "
                            + "not to the run of \(report): ignored\n")
                return nil
            }
            return json
        }
        guard let a = sidecar(baseline, base), let b = sidecar(current, cur) else { return [] }
        return FingerprintCheck.between(a.context.vecbench_fingerprint, b.context.vecbench_fingerprint).warnings
    }
}
