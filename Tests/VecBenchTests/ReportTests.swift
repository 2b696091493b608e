import Foundation
import Testing
@testable import VecBench

func sampleRecord(op: String = "sigmoid", variant: String = "simd", threads: Int = 1,
                  median: Double = 1000, samples: [Double] = [990, 1000, 1010]) -> BenchRecord {
    let s = Stats.summarize(samples)
    var summary = s
    if samples.isEmpty { summary = SampleSummary(count: 3, median: median, min: median * 0.9, max: median, mad: 5,
                                                 ciLow: median * 0.98, ciHigh: median * 1.02) }
    return BenchRecord(fingerprintID: "0123456789ab", gitCommit: "deadbeef", op: op, variant: variant,
                       dtype: .float32, shapes: [[1024]], threads: threads, pinning: "compact", cpuList: [0, 1],
                       phase: .forward, summary: summary, bytes: 8192, flops: 4096, throughput: 8.192,
                       unit: .gigabytesPerSecond, rooflinePct: 12.5, maxAbsErr: 1e-7, maxRelErr: 2.5e-7,
                       maxUlp: 1, samplesNs: samples)
}

func tempPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vecbench-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("\(UUID().uuidString)-\(name)").path
}

@Suite struct ReportTests {
    let good = try! ReportCSV.render([sampleRecord(), sampleRecord(variant: "scalar", samples: [])])

    func parseError(_ text: String) -> ReportError? {
        do { _ = try ReportCSV.parse(text, file: "r.csv"); return nil } catch let e as ReportError { return e } catch { return nil }
    }

    @Test func roundTripKeepsEveryField() throws {
        var matmul = sampleRecord(op: "matmul", variant: "blas", threads: 2)
        matmul.shapes = [[256, 784], [784, 10]]
        matmul.rooflinePct = nil; matmul.maxUlp = nil; matmul.gitCommit = "a,\"quoted\" commit"
        let records = [sampleRecord(), matmul]
        let text = try ReportCSV.render(records)
        #expect(text.hasPrefix(ReportCSV.header.joined(separator: ",") + "\n"))
        #expect(text.hasSuffix("\n"))
        #expect(try ReportCSV.parse(text, file: "x.csv") == records)
    }

    @Test func headerIsStable() {
        // Reports in results/ and the PyTorch runner depend on this exact order.
        let expected: String = "fingerprint_id,git_commit,op,variant,dtype,shapes,threads,pinning,cpu_list,phase,samples,"
            + "median_ns,min_ns,mad_ns,ci_low_ns,ci_high_ns,bytes,flops,throughput,unit,roofline_pct,"
            + "max_abs_err,max_rel_err,max_ulp,samples_ns,openblas_core,round_medians_ns,noise_pct,calls_per_sample,"
            + "cpu_ns,run_id,round_cpu_ns,allocs_per_call,alloc_bytes_per_call,peak_rss_bytes,rss_growth_bytes,contend"
        #expect(ReportCSV.header.joined(separator: ",") == expected)
    }

    @Test func columnsMayComeInAnyOrder() throws {
        let rows = try CSVTable(good)
        let reversed = rows.map { $0.reversed().joined(separator: ",") }.joined(separator: "\n") + "\n"
        #expect(try ReportCSV.parse(reversed, file: "x.csv") == ReportCSV.parse(good, file: "x.csv"))
    }

    @Test func emptyAndHeaderOnlyFilesAreErrors() {
        #expect(parseError("")?.message.contains("is empty") == true)
        #expect(parseError("  \n\n")?.message.contains("is empty") == true)
        #expect(parseError(ReportCSV.header.joined(separator: ",") + "\n")?.message == "has a header but no data rows")
    }

    @Test func unknownMissingAndDuplicateColumnsAreNamed() {
        let unknown = good.replacingOccurrences(of: "median_ns", with: "median_nsx")
        #expect(parseError(unknown)?.column == "median_nsx")
        #expect(parseError(unknown)?.line == 1)
        let lines = good.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        // samples_ns (field 25) is required; the columns after it may be missing (older reports).
        let dropped = lines.map { row in row.enumerated().filter { $0.offset != 24 }.map(\.element).joined(separator: ",") }
            .joined(separator: "\n") + "\n"
        #expect(parseError(dropped)?.message == "missing column(s): samples_ns")
        let older = lines.map { $0.prefix(25).joined(separator: ",") }.joined(separator: "\n") + "\n"
        #expect(parseError(older) == nil)
        let dup = good.replacingOccurrences(of: "min_ns", with: "median_ns")
        #expect(parseError(dup)?.message == "appears twice")
    }

    @Test func truncatedFilesAreCaught() {
        let cut = String(good.dropLast(40))
        let e = parseError(cut)
        #expect(e != nil)
        #expect(e?.line == 3)
        let noNewline = String(good.dropLast())
        #expect(parseError(noNewline)?.message.contains("truncated") == true)
    }

    @Test func badNumbersNameLineAndColumn() {
        let bad = good.replacingOccurrences(of: ",1000,", with: ",1O00,")
        let e = parseError(bad)
        #expect(e?.line == 2)
        #expect(e?.column == "median_ns")
        #expect(e?.description.hasPrefix("r.csv:2: column 'median_ns': '1O00' is not a finite number") == true)
        #expect(parseError(good.replacingOccurrences(of: ",forward,", with: ",sideways,"))?.column == "phase")
        // A report row is a floating case: int64, a valid Vecgrad dtype, is not a valid row.
        #expect(parseError(good.replacingOccurrences(of: ",float32,", with: ",int64,"))?.message
                == "'int64' is not one of float32, float64")
        #expect(parseError(good.replacingOccurrences(of: ",[1024],", with: ",[10x0],"))?.column == "shapes")
        #expect(parseError(good.replacingOccurrences(of: ",[1024],", with: ",[1024,"))?.column == "shapes")
        #expect(parseError(good.replacingOccurrences(of: "990;1000;1010", with: "990;1000"))?.column == "samples_ns")
    }

    @Test func linesCountNewlinesInsideQuotedFields() throws {
        var first = sampleRecord()
        first.gitCommit = "two\nlines"
        var second = sampleRecord()
        second.pinning = "PLACEHOLDER"
        let text = try ReportCSV.render([first, second]).replacingOccurrences(of: "PLACEHOLDER", with: "tight")
        // Row 1 spans lines 2-3, so the second row starts on line 4.
        #expect(parseError(text)?.line == 4)
        #expect(parseError(text)?.column == "pinning")
    }

    @Test func invalidUTF8IsAnError() {
        let data = Data([0xFF, 0xFE, 0x41, 0x0A])
        #expect(throws: ReportError.self) { try ReportCSV.parse(data, file: "bin.csv") }
    }

    @Test func atomicWriteReplacesAndKeepsOldFileOnFailure() throws {
        let path = tempPath("report.csv")
        try ReportCSV.write([sampleRecord()], to: path)
        try ReportCSV.write([sampleRecord(), sampleRecord(variant: "scalar")], to: path)
        #expect(try ReportCSV.read(path: path).count == 2)
        // Block the temporary file's name with a directory: the write fails, the report survives.
        try FileManager.default.createDirectory(atPath: "\(path).\(getpid()).tmp", withIntermediateDirectories: false)
        #expect(throws: AtomicFile.WriteError.self) { try ReportCSV.write([], to: path) }
        #expect(try ReportCSV.read(path: path).count == 2)
    }

    @Test func missingFileIsAnError() {
        #expect(throws: ReportError.self) { try ReportCSV.read(path: "/nonexistent/dir/x.csv") }
    }
}

/// Splits simple CSV text (no quotes) into fields, for tests that rearrange columns.
func CSVTable(_ text: String) throws -> [[String]] {
    text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
}
