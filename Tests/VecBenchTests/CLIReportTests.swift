import Foundation
import Testing
@testable import VecBench

// `vecbench report DIR` through the binary: the page written where asked, the folder's non-report
// CSVs named on stderr, and bad folders refused with exit code 2.

@Suite struct CLIReportTests {
    @Test func reportWritesIndexHTML() throws {
        let box = try CLISandbox()
        let run = pageRun()
        try box.write("res/quick.csv", try ReportCSV.render(run.records))
        try box.write("res/torch-quick.csv", try ReportCSV.render(run.anchors))
        try box.write("res/accuracy.csv", "op,dtype\nrelu,float32\n")
        let r = try box.run(["report", "res"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "res/index.html\n", "\(r)")
        #expect(r.stderr.contains("note: res/accuracy.csv: not a vecbench report"), "\(r)")
        let page = try box.read("res/index.html")
        #expect(page.components(separatedBy: "<svg ").count - 1 == HTMLReport.charts(run).count)
        #expect(page.contains("PyTorch median"))
        let other = try box.run(["report", "res", "--out", "page.html"])
        #expect(other.status == 0 && box.exists("page.html"), "\(other)")
    }

    @Test(arguments: [(["report", "missing"], "missing: cannot list the folder"), (["report", "empty"], "no vecbench report")])
    func badFoldersExitTwo(_ arguments: [String], _ message: String) throws {
        let box = try CLISandbox()
        try FileManager.default.createDirectory(atPath: box.path("empty"), withIntermediateDirectories: true)
        let r = try box.run(arguments)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains(message), "\(r)")
    }

    @Test func helpHasExamples() throws {
        let r = try CLISandbox().run(["report", "--help"])
        #expect(r.status == 0 && r.stdout.contains("vecbench report results") && r.stdout.contains("Example: "), "\(r)")
    }
}
