// The gate's verdict as a GitHub job summary (`vecbench compare --format markdown`, or
// `--markdown FILE` appended to $GITHUB_STEP_SUMMARY): a reader of a CI run wants the outcome in
// the first line and the worst regressions at the top, not the alphabetical table of the terminal.
// Unchanged cases go into a collapsed <details> block so that a 200-case suite stays readable.

/// Renders a `CompareResult` as GitHub-flavoured Markdown: a one-line outcome, then the cases that
/// changed (regressions first, worst first), noisy cases marked, the unchanged ones folded away.
public enum MarkdownReport {
    /// Display order of the verdicts: what fails the gate first, then what a reader should look at.
    static let order: [Verdict] = [.regressed, .missing, .noisy, .tooFewSamples, .improved, .new, .unchanged]

    /// The whole summary. `advisory` says the gate reported without failing (`--advisory`).
    public static func render(_ result: CompareResult, baseline: String, current: String, advisory: Bool) -> String {
        let failing = result.exitCode != 0
        let outcome = failing ? (advisory ? "⚠️ regressions (advisory, not failing)" : "❌ FAIL") : "✅ PASS"
        var out = "### vecbench compare: \(outcome): " + summaryLine(result) + "\n\n"
        out += "Baseline `\(code(baseline))`, current `\(code(current))`; threshold "
            + TextFormat.fixed(result.threshold * 100, 1) + "%, alpha \(result.alpha).\n\n"
        for w in result.incompatibleFingerprints { out += "> **Different machines:** \(escape(w)); timings are not comparable.\n" }
        for w in result.fingerprintWarnings { out += "> warning: \(escape(w))\n" }
        if !(result.incompatibleFingerprints.isEmpty && result.fingerprintWarnings.isEmpty) { out += "\n" }
        let sorted = sortedCases(result)
        let changed = sorted.filter { $0.verdict != .unchanged || $0.allocsIncreased }
        let unchanged = sorted.filter { $0.verdict == .unchanged && !$0.allocsIncreased }
        if changed.isEmpty {
            out += "No case changed beyond the threshold and the noise.\n"
        } else {
            out += table(changed)
        }
        if !unchanged.isEmpty {
            out += "\n<details><summary>\(unchanged.count) unchanged case\(unchanged.count == 1 ? "" : "s")</summary>\n\n"
                + table(unchanged) + "\n</details>\n"
        }
        return out
    }

    /// "1 regressed, 0 missing, 2 noisy, ... of 43 cases": the counts, failing kinds first.
    public static func summaryLine(_ result: CompareResult) -> String {
        var parts = ["\(result.count(.regressed)) regressed", "\(result.count(.missing)) missing",
                     "\(result.count(.noisy)) noisy", "\(result.count(.tooFewSamples)) too few samples",
                     "\(result.count(.improved)) improved", "\(result.count(.new)) new", "\(result.count(.unchanged)) unchanged"]
        if result.allocationIncreases > 0 { parts.append("\(result.allocationIncreases) allocating more") }
        return parts.joined(separator: ", ") + " of \(result.cases.count) cases"
    }

    /// Cases in display order: by verdict (`order`), then the largest slowdown first within a verdict.
    static func sortedCases(_ result: CompareResult) -> [CaseComparison] {
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return result.cases.enumerated().sorted { a, b in
            let (ra, rb) = (rank[a.element.verdict] ?? order.count, rank[b.element.verdict] ?? order.count)
            if ra != rb { return ra < rb }
            let (ca, cb) = (a.element.change ?? -.infinity, b.element.change ?? -.infinity)
            return ca != cb ? ca > cb : a.offset < b.offset
        }.map(\.element)
    }

    static func table(_ cases: [CaseComparison]) -> String {
        var out = "| verdict | case | baseline | current | change | noise / p | allocs/call |\n"
        out += "|:--|:--|--:|--:|--:|--:|--:|\n"
        for c in cases {
            let margin = c.noise.map { "±" + TextFormat.fixed($0 * 100, 1) + "%" } ?? c.pValue.map { "p=" + TextFormat.fixed($0, 4) }
                ?? (c.method ?? "-")
            let cells = [verdictCell(c), "`\(code(c.key.description))`",
                         c.baselineMedianNs.map(TextFormat.duration) ?? "-", c.currentMedianNs.map(TextFormat.duration) ?? "-",
                         c.change.map(TextFormat.percent) ?? "-", margin, Compare.allocs(c)]
            out += "| " + cells.map(escape).joined(separator: " | ") + " |\n"
        }
        return out
    }

    static func verdictCell(_ c: CaseComparison) -> String {
        switch c.verdict {
        case .regressed: return "🔴 **REGRESSED**"
        case .missing: return "🔴 **MISSING**"
        case .noisy: return "〰️ NOISY (within noise)"
        case .tooFewSamples: return "❔ TOO_FEW_SAMPLES"
        case .improved: return "🟢 IMPROVED"
        case .new: return "🆕 NEW"
        case .unchanged: return c.allocsIncreased ? "🔴 **ALLOCS MORE**" : "UNCHANGED"
        }
    }

    /// A table cell's text with the pipe (a column break) and newlines neutralised.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// Text for inside backticks: a backtick would end the code span.
    static func code(_ s: String) -> String { s.replacingOccurrences(of: "`", with: "'") }
}
