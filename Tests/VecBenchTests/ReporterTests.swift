import Foundation
import Testing
@testable import VecBench

/// A format added from outside: one conformance, no change to the run command's flow.
struct MarkdownReporter: Reporter {
    func outputs(for report: RunReport) throws -> [ReportOutput] {
        [ReportOutput(.file(report.base + ".md"), report.records.map { "- \($0.id)\n" }.joined())]
    }
}

@Suite struct ReporterTests {
    /// Rows at two sizes and two thread counts, so that both kinds of chart exist.
    func rows() -> [BenchRecord] {
        [(1024, 1, 100.0), (4096, 1, 380), (1024, 2, 60)].map { size, t, median in
            var r = sampleRecord(threads: t, median: median, samples: [])
            r.shapes = [[size]]; r.medianNs = median; r.runID = "run-r"
            return r
        }
    }

    func report(base: String) -> RunReport {
        RunReport(records: rows(), fingerprint: Fingerprint.current(topology: nil), topology: nil,
                  run: .init(runID: "run-r", rounds: 1, order: "fixed", seed: 3), base: base)
    }

    @Test func eachReporterRendersWhatItsFormatAlwaysWrote() throws {
        let r = report(base: "out/x")
        #expect(try ConsoleTableReporter().outputs(for: r) == [ReportOutput(.standardOutput, BenchRun.table(r.records))])
        #expect(try CSVReporter().outputs(for: r) == [ReportOutput(.file("out/x.csv"), try ReportCSV.render(r.records))])
        let json = try #require(try BenchmarkJSONReporter().outputs(for: r).first)
        #expect(json.destination == .file("out/x.json"))
        let decoded = try JSONDecoder().decode(BenchmarkJSON.self, from: Data(json.text.utf8))
        let direct = BenchmarkJSON.make(records: r.records, fingerprint: r.fingerprint, topology: nil, run: r.run)
        #expect(decoded.benchmarks == direct.benchmarks && decoded.context.vecbench_run == r.run)
        let charts = SVGPlotReporter(directory: "out/plots/x").charts(r.records)
        let expected = Plot.throughputCharts(r.records) + Plot.scalingCharts(r.records)
        #expect(charts.count == 2 && charts.count == expected.count)
        #expect(charts == expected.map { ReportOutput(.file("out/plots/x/\($0.name)"), $0.svg) })
    }

    @Test func oneListOfReportersWritesEveryFileTogether() throws {
        let dir = tempPath("reporters")
        let reporters: [any Reporter] = [ConsoleTableReporter(), CSVReporter(), BenchmarkJSONReporter(),
                                         SVGPlotReporter(directory: "\(dir)/plots/x"), MarkdownReporter()]
        let outputs = try ReportOutputs.render(reporters, report(base: "\(dir)/x"))
        let paths = try ReportFiles.write(outputs)
        #expect(paths.count == outputs.count - 1)   // the table goes to stdout, not to a file
        #expect(paths.prefix(2) == ["\(dir)/x.csv", "\(dir)/x.json"] && paths.last == "\(dir)/x.md")
        for o in outputs {
            guard case .file(let path) = o.destination else { continue }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == o.text, "\(path)")
        }
        #expect(try ReportCSV.read(path: "\(dir)/x.csv") == rows())
        #expect(try String(contentsOfFile: "\(dir)/x.md", encoding: .utf8).hasPrefix("- sigmoid forward float32 1024 simd t=1 pin=compact\n"))
        // All or none: a blocked chart path leaves the earlier report in place.
        let before = try String(contentsOfFile: "\(dir)/x.csv", encoding: .utf8)
        var changed = report(base: "\(dir)/x")
        changed.records.removeLast()
        try FileManager.default.removeItem(atPath: "\(dir)/plots")
        FileManager.default.createFile(atPath: "\(dir)/plots", contents: Data())   // a file where the folder goes
        #expect(throws: (any Error).self) {
            try ReportFiles.write(try ReportOutputs.render([CSVReporter(), SVGPlotReporter(directory: "\(dir)/plots/x")], changed))
        }
        #expect(try String(contentsOfFile: "\(dir)/x.csv", encoding: .utf8) == before)
    }
}
