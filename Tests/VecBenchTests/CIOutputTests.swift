import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import VecBench

// The gate's CI outputs: the Markdown job summary and JUnit XML, on a comparison with a real
// regression (and a worse one, a missing, a noisy and a new case) and on identical runs; the
// JUnit document is read back with an XML parser.

/// What a JUnit document holds, read with Foundation's XMLParser (FoundationXML on Linux).
final class JUnitDocument: NSObject, XMLParserDelegate {
    var testcases: [String] = []
    var failures: [String] = []
    var skipped: [String] = []
    var suite: [String: String] = [:]
    var properties: [String: String] = [:]

    struct ParseError: Error, CustomStringConvertible { var description: String }

    static func parse(_ text: String) throws -> JUnitDocument {
        let parser = XMLParser(data: Data(text.utf8))
        let doc = JUnitDocument()
        parser.delegate = doc
        guard parser.parse() else { throw ParseError(description: "not well-formed XML: \(String(describing: parser.parserError))\n\(text)") }
        return doc
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                attributes: [String: String] = [:]) {
        switch elementName {
        case "testsuite": suite = attributes
        case "testcase": testcases.append(attributes["name"] ?? "")
        case "failure": failures.append(testcases.last ?? "")
        case "skipped": skipped.append(testcases.last ?? "")
        case "property": properties[attributes["name"] ?? ""] = attributes["value"]
        default: break
        }
    }
}

@Suite struct CIOutputTests {
    /// A row of `op` whose five samples start at `base`; `rounds` gives it round medians.
    static func row(_ op: String, _ base: Double, rounds: [Double] = []) -> BenchRecord {
        var r = historyRecord(op, (0..<5).map { base + Double($0) })
        r.roundMediansNs = rounds
        return r
    }

    /// add +30% and relu +10% (regressed), sigmoid unchanged, tanh +10% within 18% round noise,
    /// softplus missing, exp new.
    static func regression() throws -> CompareResult {
        let noise = [1000.0, 1200, 1100]
        let base = [row("add", 1000), row("relu", 1000), row("sigmoid", 2000), row("tanh", 1000, rounds: noise), row("softplus", 700)]
        let cur = [row("add", 1300), row("relu", 1100), row("sigmoid", 2000), row("tanh", 1100, rounds: noise), row("exp", 900)]
        return try Compare.compare(baseline: base, current: cur)
    }

    static func identical() throws -> CompareResult {
        let rows = [row("add", 1000), row("relu", 1000), row("sigmoid", 2000)]
        return try Compare.compare(baseline: rows, current: rows)
    }

    @Test func theMarkdownSummaryPutsTheWorstRegressionFirst() throws {
        let result = try Self.regression()
        #expect(result.exitCode == 1)
        let md = MarkdownReport.render(result, baseline: "base.csv", current: "cur.csv", advisory: false)
        let first = md.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first == "### vecbench compare: ❌ FAIL: 2 regressed, 1 missing, 1 noisy, 0 too few samples, 0 improved, 1 new, "
                + "1 unchanged of 6 cases", "\(md)")
        let order = ["`add forward", "`relu forward", "`softplus forward", "`tanh forward", "`exp forward", "<details>", "`sigmoid forward"]
        let positions = try order.map { key in try #require(md.range(of: key)?.lowerBound, "\(key) not in\n\(md)") }
        #expect(positions == positions.sorted(), "\(md)")
        #expect(md.contains("〰️ NOISY (within noise) | `tanh forward float32 1024 simd t=1 pin=none` | 1.00 us | 1.10 us | +10.0% | ±18.2%"),
                "\(md)")
        #expect(md.contains("| 🔴 **REGRESSED** | `add forward float32 1024 simd t=1 pin=none` | 1.00 us | 1.30 us | +29.9% |"), "\(md)")
        #expect(md.contains("<summary>1 unchanged case</summary>"))
        let advisory = MarkdownReport.render(result, baseline: "base.csv", current: "cur.csv", advisory: true)
        #expect(advisory.hasPrefix("### vecbench compare: ⚠️ regressions (advisory, not failing): 2 regressed"))
    }

    @Test func theMarkdownSummaryOfIdenticalRunsPasses() throws {
        let md = MarkdownReport.render(try Self.identical(), baseline: "a.csv", current: "a.csv", advisory: false)
        #expect(md.hasPrefix("### vecbench compare: ✅ PASS: 0 regressed, 0 missing, 0 noisy"), "\(md)")
        #expect(md.contains("No case changed beyond the threshold and the noise."))
        #expect(md.contains("<summary>3 unchanged cases</summary>"))
        #expect(!md.contains("REGRESSED"))
    }

    @Test func junitFailsRegressedAndMissingAndSkipsNoisy() throws {
        let xml = JUnitReport.render(try Self.regression(), baseline: "base.csv", current: "cur.csv", advisory: false)
        let doc = try JUnitDocument.parse(xml)
        #expect(doc.testcases.count == 6)
        #expect(doc.failures == ["add forward float32 1024 simd t=1 pin=none", "relu forward float32 1024 simd t=1 pin=none",
                                 "softplus forward float32 1024 simd t=1 pin=none"], "\(xml)")
        #expect(doc.skipped == ["tanh forward float32 1024 simd t=1 pin=none"], "\(xml)")
        #expect(doc.suite["tests"] == "6" && doc.suite["failures"] == "3" && doc.suite["skipped"] == "1" && doc.suite["errors"] == "0")
        #expect(doc.properties["baseline"] == "base.csv" && doc.properties["advisory"] == "false")
        #expect(xml.contains("<failure type=\"REGRESSED\" message=\"+29.9% slower (threshold 5.0%)\">"), "\(xml)")
    }

    @Test func junitOfIdenticalRunsHasNoFailure() throws {
        let doc = try JUnitDocument.parse(JUnitReport.render(try Self.identical(), baseline: "a.csv", current: "a.csv", advisory: false))
        #expect(doc.testcases.count == 3 && doc.failures.isEmpty && doc.skipped.isEmpty)
        #expect(doc.suite["failures"] == "0")
    }

    @Test func junitEscapesWhatXMLReserves() throws {
        var odd = Self.row("a<b>&\"c'", 1000)
        odd.variant = "v]]>x"
        var slower = odd
        slower.summary = Stats.summarize((0..<5).map { 2000 + Double($0) })
        slower.samplesNs = (0..<5).map { 2000 + Double($0) }
        let result = try Compare.compare(baseline: [odd], current: [slower], baselineFile: "b&<.csv", currentFile: "c.csv")
        let doc = try JUnitDocument.parse(JUnitReport.render(result, baseline: "b&<.csv\u{1}", current: "c.csv", advisory: true))
        #expect(doc.failures == ["a<b>&\"c' forward float32 1024 v]]>x t=1 pin=none"])
        #expect(doc.properties["baseline"] == "b&<.csv" && doc.properties["advisory"] == "true")
    }

    @Test func allowedMissingCasesAreSkippedNotFailed() throws {
        var options = CompareOptions()
        options.allowMissing = true
        let result = try Compare.compare(baseline: [Self.row("add", 1000), Self.row("relu", 1000)], current: [Self.row("add", 1000)],
                                         options: options)
        let doc = try JUnitDocument.parse(JUnitReport.render(result, baseline: "a", current: "b", advisory: false))
        #expect(doc.failures.isEmpty && doc.skipped == ["relu forward float32 1024 simd t=1 pin=none"])
    }
}
