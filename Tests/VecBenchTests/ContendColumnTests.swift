import Testing
@testable import VecBench

// The contend column: how many busy-loop processes ran beside a case (vecbench run --contend).
// Written, read back, optional in older reports and anchor rows, and a difference between the
// two reports of compare is warned about.

@Suite struct ContendColumnTests {
    func record(contend: Int?) -> BenchRecord {
        var r = sampleRecord(median: 1000, samples: [990, 1000, 1010])
        r.contend = contend
        return r
    }

    @Test func roundTripAndOlderReports() throws {
        let back = try ReportCSV.parse(try ReportCSV.render([record(contend: 2), record(contend: 0), record(contend: nil)]),
                                       file: "a.csv")
        #expect(back.map(\.contend) == [2, 0, nil])
        let header = ReportCSV.header.dropLast().joined(separator: ",")
        let row = ReportCSV.fields(record(contend: 3)).dropLast().joined(separator: ",")
        #expect(try ReportCSV.parse(header + "\n" + row + "\n", file: "old.csv")[0].contend == nil)
        let bad = header + ",contend\n" + row + ",-1\n"
        #expect(throws: ReportError.self) { try ReportCSV.parse(bad, file: "bad.csv") }
    }

    @Test func compareWarnsWhenTheLoadsDiffer() throws {
        let quiet = try Compare.compare(baseline: [record(contend: 0)], current: [record(contend: 0)])
        #expect(!quiet.fingerprintWarnings.contains { $0.hasPrefix("contention") })
        let loaded = try Compare.compare(baseline: [record(contend: 0)], current: [record(contend: 2)])
        #expect(loaded.fingerprintWarnings.contains("contention: --contend 0 (baseline) vs 2 (current): the rows measure different loads"))
        // Rows that do not say (the PyTorch runner's) are not held against either side.
        let unknown = try Compare.compare(baseline: [record(contend: nil)], current: [record(contend: 2)])
        #expect(!unknown.fingerprintWarnings.contains { $0.hasPrefix("contention") })
    }

    /// Rows held to fewer CPUs than their thread count (cpu_list shorter than threads, as under
    /// taskset) are named, on the side that has them.
    @Test func compareWarnsOfRowsHeldToFewerCPUs() throws {
        let asked = sampleRecord(threads: 2)  // cpu_list [0, 1]
        var held = asked
        held.cpuList = [1]
        let fine = try Compare.compare(baseline: [asked], current: [asked])
        #expect(!fine.fingerprintWarnings.contains { $0.contains("fewer CPUs") })
        let capped = try Compare.compare(baseline: [asked], current: [held])
        #expect(capped.fingerprintWarnings.contains { $0.hasPrefix("1 current row(s) ran on fewer CPUs than their thread count") })
        #expect(!capped.fingerprintWarnings.contains { $0.contains("baseline row(s) ran on fewer CPUs") })
        held.cpuList = []  // unknown (anchor rows): not held against it
        #expect(!(try Compare.compare(baseline: [asked], current: [held])).fingerprintWarnings.contains { $0.contains("fewer CPUs") })
    }
}
