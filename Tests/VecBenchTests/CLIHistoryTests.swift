import Foundation
import Testing
@testable import VecBench

// The compiled CLI's CI outputs (compare --format markdown, --markdown, --junit) and the run
// history (run appends, --no-history, --history, history show/import/export).

@Suite struct CLIHistoryTests {
    static let fast = ["--warmup-ms", "0", "--min-time-ms", "5", "--min-samples", "10", "--rounds", "1", "--no-progress", "--no-plots"]

    /// A one-row report of `op` whose five samples start at `base` ns.
    static func report(_ base: Double) throws -> String {
        try ReportCSV.render([CIOutputTests.row("relu", base)])
    }

    @Test func compareWritesMarkdownAndJUnitOnARegression() throws {
        let box = try CLISandbox()
        try box.write("base.csv", try Self.report(1000))
        try box.write("slow.csv", try Self.report(1100))
        let r = try box.run(["compare", "base.csv", "slow.csv", "--format", "markdown", "--markdown", "summary.md", "--junit", "junit.xml"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.hasPrefix("### vecbench compare: ❌ FAIL: 1 regressed"), "\(r)")
        #expect(r.stdout.contains("🔴 **REGRESSED**") && !r.stdout.contains("p / margin"), "\(r)")
        #expect(try box.read("summary.md") == r.stdout)
        let doc = try JUnitDocument.parse(try box.read("junit.xml"))
        #expect(doc.testcases == ["relu forward float32 1024 simd t=1 pin=none"] && doc.failures == doc.testcases)
        #expect(box.exists("verdict.json"))
        // Advisory: the same outputs, exit 0.
        let advisory = try box.run(["compare", "base.csv", "slow.csv", "--advisory", "--junit", "adv.xml"])
        #expect(advisory.status == 0 && advisory.stdout.contains("p / margin"), "\(advisory)")
        #expect(try JUnitDocument.parse(try box.read("adv.xml")).properties["advisory"] == "true")
    }

    @Test func compareOfIdenticalRunsPassesInEveryFormat() throws {
        let box = try CLISandbox()
        try box.write("a.csv", try Self.report(1000))
        let r = try box.run(["compare", "a.csv", "a.csv", "--format", "markdown", "--junit", "junit.xml"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("### vecbench compare: ✅ PASS: 0 regressed"), "\(r)")
        let doc = try JUnitDocument.parse(try box.read("junit.xml"))
        #expect(doc.testcases.count == 1 && doc.failures.isEmpty && doc.skipped.isEmpty)
        let bad = try box.run(["compare", "a.csv", "a.csv", "--format", "html"])
        #expect(bad.status == 2 && bad.stderr.contains("--format"), "\(bad)")
    }

    @Test func abSharesTheOutputsAndKeepsItsRoundsOutOfTheHistory() throws {
        let box = try CLISandbox()
        let exe = try CLIBinary.url().path
        try box.write("t.suite", "op=relu shapes=4096 variants=simd\n")
        let r = try box.run(["ab", "--baseline-exe", exe, "--suite", "t.suite", "--rounds", "3", "--min-time-ms", "5", "--out", "ab",
                             "--advisory", "--format", "markdown", "--junit", "ab/junit.xml"], timeout: 120)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("\n### vecbench compare: "), "\(r)")   // after the round runs' tables
        #expect(try JUnitDocument.parse(try box.read("ab/junit.xml")).testcases == ["relu forward float32 4096 simd t=1 pin=none"])
        #expect(!box.exists("ab/history.sqlite"), "ab's round runs went into the history")
    }

    @Test func runsAppendToTheHistoryAndHistoryShowsTheTrend() throws {
        let box = try CLISandbox()
        let sigmoid = ["run", "--case", "op=sigmoid shapes=1024 variants=simd threads=1", "--out", "out"] + Self.fast
        for (i, commit) in ["1111111111111111", "2222222222222222", "3333333333333333"].enumerated() {
            let r = try box.run(sigmoid + ["--name", "s\(i)"], environment: ["VECBENCH_GIT_COMMIT": commit])
            #expect(r.status == 0, "\(r)")
            #expect(r.stderr.contains("appended to out/history.sqlite"), "\(r)")
        }
        let skipped = try box.run(sigmoid + ["--name", "s3", "--no-history"], environment: ["VECBENCH_GIT_COMMIT": "4444444444444444"])
        #expect(skipped.status == 0 && !skipped.stderr.contains("history"), "\(skipped)")
        let elsewhere = try box.run(sigmoid + ["--name", "s4", "--history", "other/h.sqlite"])
        #expect(elsewhere.status == 0 && box.exists("other/h.sqlite"), "\(elsewhere)")

        let show = try box.run(["history", "--op", "sigmoid", "--db", "out/history.sqlite", "--svg", "trend.svg"])
        #expect(show.status == 0, "\(show)")
        #expect(show.stdout.contains("sigmoid forward float32 1024 simd t=1 pin=none"), "\(show)")
        #expect(show.stdout.contains("3 commits") && show.stdout.contains("level shifts: none"), "\(show)")
        let commits = show.stdout.split(separator: "\n").compactMap { line in ["111111111111", "222222222222", "333333333333"]
            .first { line.hasPrefix($0) } }
        #expect(commits == ["111111111111", "222222222222", "333333333333"], "\(show)")
        #expect(try box.read("trend.svg").hasPrefix("<svg"))
        #expect(try box.run(["history", "show", "--op", "sigmoid", "--db", "out/history.sqlite"]).stdout == show.stdout)

        let none = try box.run(["history", "--op", "relu", "--db", "out/history.sqlite"])
        #expect(none.status == 2 && none.stderr.contains("no measurements of op 'relu'"), "\(none)")
        let missing = try box.run(["history", "--op", "sigmoid", "--db", "nothing.sqlite"])
        #expect(missing.status == 2 && missing.stderr.contains("nothing.sqlite: no history database"), "\(missing)")
        #expect(!box.exists("nothing.sqlite"))

        let export = try box.run(["history", "export", "--sql", "--db", "out/history.sqlite"])
        #expect(export.status == 0, "\(export)")
        #expect(export.stdout.components(separatedBy: "INSERT INTO samples").count == 4, "\(export)")
    }

    @Test func historyImportAddsReportsOnce() throws {
        let box = try CLISandbox()
        try box.write("old.csv", try Self.report(1000))
        try box.write("older.csv", try ReportCSV.render([CIOutputTests.row("sigmoid", 900), CIOutputTests.row("relu", 800)]))
        let first = try box.run(["history", "import", "old.csv", "older.csv", "--db", "h.sqlite"])
        #expect(first.status == 0 && first.stdout.contains("imported 2 run(s) (0 already stored)"), "\(first)")
        let again = try box.run(["history", "import", "old.csv", "--db", "h.sqlite"])
        #expect(again.status == 0 && again.stdout.contains("imported 0 run(s) (1 already stored)"), "\(again)")
        #expect(again.stderr.contains("already in the history"), "\(again)")
        let show = try box.run(["history", "--op", "relu", "--db", "h.sqlite"])
        #expect(show.status == 0 && show.stdout.contains("(machine 0123456789ab, 1 commit)"), "\(show)")
        try box.write("bad.csv", "not a report\n")
        let bad = try box.run(["history", "import", "old.csv", "bad.csv", "--db", "h2.sqlite"])
        #expect(bad.status == 2 && bad.stderr.contains("bad.csv"), "\(bad)")
        #expect(!box.exists("h2.sqlite"), "a bad report must import nothing")
    }
}
