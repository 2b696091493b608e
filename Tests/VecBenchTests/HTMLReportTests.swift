import Foundation
import Testing
@testable import VecBench

// The report page's content: tables side by side, one inline SVG per chart with error bars and a
// roofline, log axes where values span decades, runs read from a folder as `vecbench run` and
// `make anchors` leave them.

/// A row of `op` at `n` elements and `threads`, median `ns` with a +-2% interval.
func pageRecord(_ op: String, _ variant: String, n: Int, threads: Int = 1, ns: Double, roofline: Double? = 50,
                pinning: String = "compact") -> BenchRecord {
    let summary = SampleSummary(count: 3, median: ns, min: ns * 0.9, max: ns, mad: 1, ciLow: ns * 0.98, ciHigh: ns * 1.02)
    let bytes = Double(8 * n)
    return BenchRecord(fingerprintID: "0123456789ab", gitCommit: "deadbeef", op: op, variant: variant, dtype: .float32,
                       shapes: [[n]], threads: threads, pinning: pinning, cpuList: [0], phase: .forward, summary: summary,
                       bytes: bytes, flops: Double(n), throughput: bytes / ns, unit: .gigabytesPerSecond, rooflinePct: roofline)
}

/// relu at three sizes (one and two threads) in simd and parallel, blas at one size, PyTorch anchors.
func pageRun() -> HTMLReport.Run {
    var rows: [BenchRecord] = []
    for n in [1024, 65536, 4_194_304] {
        // simd: ~70 GB/s in cache, 7 GB/s in memory; parallel twice as fast on two threads.
        let ns = Double(8 * n) / (n > 100_000 ? 7 : 70)
        rows += [pageRecord("relu", "simd", n: n, ns: ns), pageRecord("relu", "parallel", n: n, threads: 2, ns: ns / 2),
                 pageRecord("relu", "simd", n: n, threads: 2, ns: ns)]
    }
    rows.append(pageRecord("matmul", "blas", n: 65536, ns: 9000, roofline: nil))
    rows.append(pageRecord("matmul", "simd", n: 65536, ns: 12000, roofline: nil))
    let anchors = [pageRecord("relu", "torch", n: 65536, ns: 2000, roofline: nil, pinning: "none"),
                   pageRecord("matmul", "torch", n: 65536, ns: 10000, roofline: nil, pinning: "none")]
    return HTMLReport.Run(name: "quick", records: rows, anchors: anchors)
}

@Suite struct HTMLReportTests {
    @Test func chartsHaveErrorBarsRooflinesAndLogAxes() throws {
        let charts = HTMLReport.charts(pageRun())
        // Sizes: relu at t=1 and t=2 (three sizes each); threads: relu simd at each size (1 and 2).
        #expect(charts.count == 5)
        let sizes = try #require(charts.first { $0.title == "relu forward float32, 1 thread, pin compact" })
        #expect(sizes.logX && sizes.logY)   // 7 to 262 GB/s (PyTorch): over a decade
        #expect(sizes.series.map(\.name) == ["simd", "torch", "roofline"])
        let simd = sizes.series[0]
        #expect(simd.errorBars.count == 3)
        // Throughput falls where time rises: the interval's slow end is the low throughput.
        #expect(simd.errorBars[0].low < simd.points[0].y && simd.points[0].y < simd.errorBars[0].high)
        // At 50% of the roofline, the roofline is twice the throughput.
        #expect(abs(sizes.series[2].points[0].y - 2 * simd.points[0].y) < 1e-9)
        #expect(sizes.series[2].dashed)
        let svg = Plot.svg(sizes)
        #expect(xmlProblem(svg) == nil)
        #expect(svg.contains("stroke-width=\"1.2\""))   // error bars
    }

    @Test func shapesOfOtherKindsAtOneSizeMakeNoLine() {
        // add over 1024x1024;1024 (broadcast) and 1048576;1048576: one element count, two kinds.
        var broadcast = pageRecord("add", "simd", n: 1 << 20, ns: 100_000), plain = broadcast
        broadcast.shapes = [[1024, 1024], [1024]]
        plain.shapes = [[1 << 20], [1 << 20]]
        #expect(HTMLReport.charts(HTMLReport.Run(name: "r", records: [broadcast, plain])).isEmpty)
        var bigger = plain
        bigger.shapes = [[1 << 21], [1 << 21]]
        #expect(HTMLReport.charts(HTMLReport.Run(name: "r", records: [broadcast, plain, bigger])).count == 1)
    }

    @Test func threadAxesTickAtWholeThreadCounts() throws {
        let chart = try #require(HTMLReport.charts(pageRun()).first { $0.xLabel == "threads" })
        let svg = Plot.svg(chart)
        #expect(svg.contains(">1</text>") && svg.contains(">2</text>"))
        #expect(!svg.contains(">1.2</text>") && !svg.contains(">1.5</text>"))
    }

    @Test func logYWhereValuesSpanDecades() {
        #expect(HTMLReport.spansDecade([1, 9]) == false)
        #expect(HTMLReport.spansDecade([0, 1, 10]) == true)
        #expect(HTMLReport.spansDecade([]) == false)
        let chart = Chart(title: "t", xLabel: "x", yLabel: "y", logY: true,
                          series: [Series(name: "a", points: [(1, 0.5), (2, 500), (3, -1)])])
        let svg = Plot.svg(chart)
        #expect(xmlProblem(svg) == nil)
        for label in [">1<", ">10<", ">100<"] { #expect(svg.contains(label)) }
        #expect(Plot.decadeTicks(0, 2) == [1, 10, 100])
        #expect(Plot.decadeTicks(1, 2.5) == [10, 20, 50, 100, 200])
        #expect(Plot.decadeTicks(0.2, 0.25) == [pow(10, 0.2), pow(10, 0.25)])
        #expect(Plot.decadeLabel(20) == "20" && Plot.decadeLabel(0.5) == "0.5" && Plot.decadeLabel(0.02) == "0.02")
        #expect(Plot.decadeLabel(1e-2) == "0.01" && Plot.decadeLabel(1e6) == "1e6")
    }

    @Test func pageHoldsTablesChartsAndFingerprint() {
        let page = HTMLReport.page([pageRun()], title: "vecbench report: r<1>")
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<title>vecbench report: r&lt;1&gt;</title>"))
        #expect(page.components(separatedBy: "<svg ").count - 1 == 5)
        #expect(!page.contains("<script"))
        // matmul 64K: ours (simd, 12 us), OpenBLAS 9 us, PyTorch 10 us: PyTorch / ours = 0.83x.
        #expect(page.contains("<td class=\"n\">0.83x</td>"))
        #expect(page.contains("No sidecar (quick.json): machine 0123456789ab, commit deadbeef."))
    }

    @Test func loadFindsReportsAnchorsAndSkipsOtherCSVs() throws {
        let dir = tempPath("report-dir")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = pageRun()
        try ReportCSV.write(run.records, to: "\(dir)/quick.csv")
        try ReportCSV.write(run.anchors, to: "\(dir)/torch-quick.csv")
        try "op,dtype,max_ulp\nrelu,float32,1\n".write(toFile: "\(dir)/accuracy.csv", atomically: true, encoding: .utf8)
        let loaded = try HTMLReport.load(directory: dir)
        #expect(loaded.runs.map(\.name) == ["quick"])
        #expect(loaded.runs[0].records.count == run.records.count && loaded.runs[0].anchors.count == 2)
        #expect(loaded.skipped.count == 1 && loaded.skipped[0].hasPrefix("\(dir)/accuracy.csv: not a vecbench report"))
        #expect(throws: ReportError.self) { try HTMLReport.load(directory: "\(dir)/missing") }
        try FileManager.default.removeItem(atPath: "\(dir)/quick.csv")
        // torch-quick.csv alone is a report of its own once quick.csv is gone.
        #expect(try HTMLReport.load(directory: dir).runs.map(\.name) == ["torch-quick"])
    }
}
