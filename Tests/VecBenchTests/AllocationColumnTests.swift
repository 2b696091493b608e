import Testing
@testable import VecBench

// The allocs_per_call and alloc_bytes_per_call columns: written, read back, optional in older
// reports, shown and gated by compare.

@Suite struct AllocationColumnTests {
    func record(allocs: Double?, median: Double = 1000) -> BenchRecord {
        var r = sampleRecord(median: median, samples: [median * 0.99, median, median * 1.01])
        r.allocsPerCall = allocs
        r.allocBytesPerCall = allocs.map { $0 * 4096 }
        r.peakRSSBytes = allocs.map { 50e6 + $0 }
        r.rssGrowthBytes = allocs.map { $0 * 8192 }
        return r
    }

    @Test func roundTripAndOlderReports() throws {
        let rows = [record(allocs: 3), record(allocs: nil), record(allocs: 0.5)]
        let back = try ReportCSV.parse(try ReportCSV.render(rows), file: "a.csv")
        #expect(back.map(\.allocsPerCall) == [3, nil, 0.5])
        #expect(back.map(\.allocBytesPerCall) == [12288, nil, 2048])
        #expect(back.map(\.peakRSSBytes) == [50e6 + 3, nil, 50e6 + 0.5])
        #expect(back.map(\.rssGrowthBytes) == [24576, nil, 4096])
        // A report written before the columns (as the PyTorch runner writes them) reads as not measured.
        let header = ReportCSV.header.dropLast(5).joined(separator: ",")
        let row = ReportCSV.fields(record(allocs: 7)).dropLast(5).joined(separator: ",")
        let old = try ReportCSV.parse(header + "\n" + row + "\n", file: "old.csv")
        #expect(old[0].allocsPerCall == nil && old[0].allocBytesPerCall == nil && old[0].peakRSSBytes == nil)
    }

    @Test func theResidentPeakOfACaseIsItsOwn() throws {
        // 64 MiB touched page by page in each call: the growth over what was resident counts
        // them (glibc gives a block this large back to the kernel when freed, so the second call
        // maps it again).
        // The peak and the resident size are the process's, and other suites run beside this one:
        // one that frees as much meanwhile hides the growth, so the best of three tries counts.
        let size = 64 << 20
        var growth = 0.0, peak = 0.0
        for _ in 0..<3 where growth < Double(size) * 0.9 {
            let footprint = BenchRun.allocationsPerCall {
                let p = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
                for i in stride(from: 0, to: size, by: 4096) { p[i] = UInt8(truncatingIfNeeded: i) }
                p.deallocate()
            }
            let g = try #require(footprint.rssGrowth)
            if g > growth { (growth, peak) = (g, try #require(footprint.peakRSS)) }
        }
        #expect(growth >= Double(size) * 0.9, "growth \(growth)")
        #expect(peak >= growth)
        // A call that touches nothing new grows by far less.
        let idle = BenchRun.allocationsPerCall {}
        #expect(try #require(idle.rssGrowth) < Double(size) / 4)
    }

    @Test func moreAllocationsPerCallFailTheGate() throws {
        let same = try Compare.compare(baseline: [record(allocs: 2)], current: [record(allocs: 2)])
        #expect(same.exitCode == 0 && same.allocationIncreases == 0)
        #expect(Compare.allocs(same.cases[0]) == "2")
        let fewer = try Compare.compare(baseline: [record(allocs: 3)], current: [record(allocs: 2)])
        #expect(fewer.exitCode == 0 && Compare.allocs(fewer.cases[0]) == "3 -> 2")
        let more = try Compare.compare(baseline: [record(allocs: 2)], current: [record(allocs: 3)])
        #expect(more.exitCode == 1 && more.allocationIncreases == 1)
        #expect(Compare.allocs(more.cases[0]) == "2 -> 3 MORE")
        #expect(Compare.table(more).contains("1 case(s) allocate more per call"))
        let ignored = try Compare.compare(baseline: [record(allocs: 2)], current: [record(allocs: 3)],
                                          options: CompareOptions(ignoreAllocations: true))
        #expect(ignored.exitCode == 0)
        // Not measured on one side (a PyTorch row, an older report): shown, never gated.
        let torch = try Compare.compare(baseline: [record(allocs: nil)], current: [record(allocs: 3)])
        #expect(torch.exitCode == 0 && Compare.allocs(torch.cases[0]) == "- -> 3")
        #expect(Compare.allocs(try Compare.compare(baseline: [record(allocs: nil)], current: [record(allocs: nil)]).cases[0]) == "-")
    }
}
