import ArgumentParser
import Foundation
import VecBench

/// The gate's settings and its verdict output, shared by `compare` and `ab` so that both judge,
/// print and exit alike.
struct GateOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Smallest change of the median that counts, in percent. Example: --threshold 5")
    var threshold = 5.0

    @Option(parsing: .unconditional, help: "Significance level of the rank test. Example: --alpha 0.01")
    var alpha = 0.01

    @Option(parsing: .unconditional,
            help: "A change must exceed this many times the larger between-round spread of the two rows. Example: --noise-factor 1")
    var noiseFactor = 1.0

    @Option(parsing: .unconditional, help: "Fewest samples a side for a rank-test verdict (reports without rounds). Example: --min-samples 5")
    var minSamples = 5

    @Option(parsing: .unconditional, help: "Changes smaller than this many nanoseconds never count. Example: --min-delta-ns 50")
    var minDeltaNs = 0.0

    @Flag(help: "Do not fail when CURRENT lacks cases that BASELINE has. Example: --allow-missing")
    var allowMissing = false

    @Flag(help: "Do not fail when a case allocates more tensor storages per call than in BASELINE. Example: --ignore-allocations")
    var ignoreAllocations = false

    @Flag(help: "Report regressions (and reports from another machine) but exit 0: CI on noisy machines. Example: --advisory")
    var advisory = false

    @Option(help: "What stdout gets: text (the table) or markdown (a GitHub job summary, worst first). Example: --format markdown")
    var format: GateFormat = .text

    @Option(help: "Also write the Markdown summary to this file (replaced). Example: --markdown results/summary.md")
    var markdown: String?

    @Option(help: "Also write JUnit XML, one testcase per case (REGRESSED, MISSING fail). Example: --junit results/compare.xml")
    var junit: String?

    func validate() throws {
        guard threshold >= 0, threshold < 1000 else { throw ValidationError("--threshold must be a percentage in 0..<1000") }
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1") }
        guard noiseFactor >= 0, noiseFactor <= 100 else { throw ValidationError("--noise-factor must be in 0...100") }
        guard minSamples >= 1, minSamples <= 1_000_000 else { throw ValidationError("--min-samples must be at least 1") }
        guard minDeltaNs >= 0, minDeltaNs.isFinite else { throw ValidationError("--min-delta-ns must be 0 or more") }
    }

    func compareOptions(baselineVariant: String? = nil, currentVariant: String? = nil, ignorePinning: Bool = false) -> CompareOptions {
        CompareOptions(threshold: threshold / 100, alpha: alpha, baselineVariant: baselineVariant, currentVariant: currentVariant,
                       ignorePinning: ignorePinning, noiseFactor: noiseFactor, minSamples: minSamples, minDeltaNs: minDeltaNs,
                       allowMissing: allowMissing, ignoreAllocations: ignoreAllocations)
    }

    /// Warnings, the table, verdict.json and the exit code (1 unless advisory) of a comparison.
    func report(_ result: CompareResult, baseline: String, current: String, verdictPath: String, advisory: Bool) throws {
        for w in result.fingerprintWarnings { writeStderr("warning: \(w)\n") }
        let summary = MarkdownReport.render(result, baseline: baseline, current: current, advisory: advisory)
        print(format == .markdown ? summary : Compare.table(result), terminator: "")
        fflush(stdout)   // the table before the stderr summary when both go to one log
        if result.count(.tooFewSamples) > 0 {
            writeStderr("warning: \(result.count(.tooFewSamples)) case(s) changed beyond the threshold with fewer than "
                        + "\(minSamples) samples a side: no verdict (TOO_FEW_SAMPLES); measure longer (--min-samples)\n")
        }
        if result.count(.missing) > 0 {
            writeStderr("\(result.count(.missing)) case(s) of \(baseline) missing from \(current) (a cut or partial report?)"
                        + (allowMissing ? ": allowed (--allow-missing)\n" : ": failing; --allow-missing accepts it\n"))
        }
        try AtomicFile.write(try Compare.verdictJSON(result, baselinePath: baseline, currentPath: current, advisory: advisory),
                             to: verdictPath)
        if let markdown { try AtomicFile.write(summary, to: markdown) }
        if let junit {
            try AtomicFile.write(JUnitReport.render(result, baseline: baseline, current: current, advisory: advisory), to: junit)
        }
        if result.exitCode != 0 {
            let what = "\(result.count(.regressed)) regression(s)" + (allowMissing ? "" : ", \(result.count(.missing)) missing")
                + (ignoreAllocations ? "" : ", \(result.allocationIncreases) allocating more per call")
            writeStderr(advisory ? "advisory: \(what), not failing\n" : "\(what)\n")
            if !advisory { throw ExitCode(result.exitCode) }
        }
    }
}

/// What `compare` and `ab` print on stdout.
enum GateFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown
}
