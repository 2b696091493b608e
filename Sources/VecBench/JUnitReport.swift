// The gate's verdict as JUnit XML (`vecbench compare --junit FILE`), the format every CI system
// (GitHub via test-reporter actions, GitLab, Jenkins, Buildkite) turns into a per-test list. One
// testcase per benchmark case; a case fails exactly when it makes the gate fail (regressed, missing
// unless --allow-missing, more allocations unless --ignore-allocations), so the test list and the
// exit code never disagree. Cases the gate cannot judge (NOISY, TOO_FEW_SAMPLES) are "skipped":
// neither a pass nor a failure is true of them. Written with string building, not XMLDocument,
// which swift-corelibs-foundation keeps in FoundationXML (and the static binary would then carry libxml2).

/// Renders a `CompareResult` as a JUnit XML document (the schema of Ant's JUnit task, which
/// Jenkins, GitLab and GitHub's reporters read).
public enum JUnitReport {
    /// The document: one `<testsuite>` named `suiteName`, one `<testcase>` per case with
    /// `classname` "vecbench.OP" and the case's description as `name`; `time` is the current
    /// median in seconds. `advisory` is recorded as a property (failures are still listed).
    public static func render(_ result: CompareResult, suiteName: String = "vecbench compare", baseline: String, current: String,
                              advisory: Bool) -> String {
        let failures = result.cases.filter { failure($0, result) != nil }.count
        let skipped = result.cases.filter { failure($0, result) == nil && skipReason($0) != nil }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"vecbench\" tests=\"\(result.cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\">\n"
        out += "  <testsuite name=\"\(escape(suiteName))\" tests=\"\(result.cases.count)\" failures=\"\(failures)\" "
            + "errors=\"0\" skipped=\"\(skipped)\">\n"
        out += "    <properties>\n"
        for (name, value) in [("baseline", baseline), ("current", current), ("threshold", String(result.threshold)),
                              ("alpha", String(result.alpha)), ("advisory", String(advisory)),
                              ("summary", MarkdownReport.summaryLine(result))] {
            out += "      <property name=\"\(name)\" value=\"\(escape(value))\"/>\n"
        }
        out += "    </properties>\n"
        for c in result.cases {
            let time = c.currentMedianNs.map { String($0 / 1e9) } ?? "0"
            out += "    <testcase classname=\"vecbench.\(escape(c.key.op))\" name=\"\(escape(c.key.description))\" time=\"\(time)\""
            let detail = details(c)
            if let message = failure(c, result) {
                out += ">\n      <failure type=\"\(c.allocsIncreased && c.verdict != .regressed ? "ALLOCATIONS" : c.verdict.rawValue.uppercased())\" "
                    + "message=\"\(escape(message))\">\(escape(detail))</failure>\n    </testcase>\n"
            } else if let reason = skipReason(c) {
                out += ">\n      <skipped message=\"\(escape(reason))\"/>\n      <system-out>\(escape(detail))</system-out>\n    </testcase>\n"
            } else {
                out += ">\n      <system-out>\(escape(detail))</system-out>\n    </testcase>\n"
            }
        }
        return out + "  </testsuite>\n</testsuites>\n"
    }

    /// Why the case fails the gate, or nil when it does not (the rule of `CompareResult.exitCode`).
    static func failure(_ c: CaseComparison, _ result: CompareResult) -> String? {
        switch c.verdict {
        case .regressed:
            return "\(change(c)) slower (threshold \(TextFormat.fixed(result.threshold * 100, 1))%"
                + (c.noise.map { ", noise margin " + TextFormat.fixed($0 * 100, 1) + "%" } ?? "") + ")"
        case .missing where !result.allowMissing:
            return "in the baseline but missing from the current report"
        default:
            if c.allocsIncreased && !result.ignoreAllocations { return "allocates more per call: \(Compare.allocs(c))" }
            return nil
        }
    }

    /// Why a case is neither a pass nor a failure, or nil.
    static func skipReason(_ c: CaseComparison) -> String? {
        switch c.verdict {
        case .noisy: return "NOISY: \(change(c)) beyond the threshold but within the between-round noise"
        case .tooFewSamples: return "TOO_FEW_SAMPLES: \(change(c)) beyond the threshold with too few samples for a verdict"
        case .missing: return "MISSING (allowed by --allow-missing)"
        default: return nil
        }
    }

    static func change(_ c: CaseComparison) -> String { c.change.map(TextFormat.percent) ?? "-" }

    /// The line a CI log shows under the case: medians, change, how it was judged, the verdict.
    static func details(_ c: CaseComparison) -> String {
        let margin = c.noise.map { "noise margin " + TextFormat.fixed($0 * 100, 1) + "%" } ?? c.pValue.map { "p=" + TextFormat.fixed($0, 4) }
        return "baseline " + (c.baselineMedianNs.map(TextFormat.duration) ?? "-") + ", current "
            + (c.currentMedianNs.map(TextFormat.duration) ?? "-") + ", change " + change(c)
            + (c.method.map { ", \($0)" } ?? "") + (margin.map { ", \($0)" } ?? "")
            + ", verdict \(c.verdict.rawValue.uppercased()), allocs/call \(Compare.allocs(c))"
    }

    /// Text for XML attributes and character data: the five predefined entities, and control
    /// characters (not allowed in XML 1.0) dropped.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t": out += "&#\(scalar.value);"
            default: if scalar.value >= 0x20 { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
