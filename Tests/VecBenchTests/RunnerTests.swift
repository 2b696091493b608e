import Foundation
import Testing
import VecPlatform
@testable import VecBench

/// A clock that only moves when the measured body says so.
final class FakeClock: @unchecked Sendable {
    var now: UInt64 = 1_000
    func read() -> UInt64 { now }
}

// Serialized: two of these tests pin the shared pool's threads, which is process-wide state.
@Suite(.serialized) struct RunnerTests {
    @Test func samplesReportTimePerCall() {
        let clock = FakeClock()
        let m = Runner.measure(MeasureOptions(minTimeNs: 1e6, warmupNs: 1e5, minSamples: 10), clock: clock.read) {
            clock.now += 500
        }
        #expect(m.samples.allSatisfy { $0 == 500 })
        // One sample lasts >= max(20 us, minTime / 30 = 33.3 us): 67 calls of 500 ns.
        #expect(m.callsPerSample == 67)
        #expect(m.samples.count >= 10)
        #expect(Double(m.samples.count * m.callsPerSample) * 500 >= 1e6)
    }

    @Test func slowCallsStopAtMinimumSamples() {
        let clock = FakeClock()
        let m = Runner.measure(MeasureOptions(minTimeNs: 1e6, warmupNs: 0, minSamples: 5), clock: clock.read) {
            clock.now += 10_000_000   // 10 ms per call, far above the 1 ms minimum
        }
        #expect(m.callsPerSample == 1)
        #expect(m.samples.count == 5)
    }

    @Test func maxSamplesCapsFastCases() {
        let clock = FakeClock()
        let m = Runner.measure(MeasureOptions(minTimeNs: 1e12, warmupNs: 0, minSamples: 3, maxSamples: 7), clock: clock.read) {
            clock.now += 1_000_000
        }
        #expect(m.samples.count == 7)
    }

    @Test func progressBar() {
        #expect(Progress.bar(done: 0, total: 4, width: 8) == "[--------]")
        #expect(Progress.bar(done: 2, total: 4, width: 8) == "[####----]")
        #expect(Progress.bar(done: 4, total: 4, width: 8) == "[########]")
        #expect(Progress.bar(done: 0, total: 0, width: 4) == "[####]")
    }

    @Test func textFormatting() {
        #expect(TextFormat.fixed(3.14159, 2) == "3.14")
        #expect(TextFormat.fixed(-0.004, 2) == "0.00")
        #expect(TextFormat.fixed(-2.5, 0) == "-3")
        #expect(TextFormat.fixed(0.05, 3) == "0.050")
        #expect(TextFormat.duration(812) == "812 ns")
        #expect(TextFormat.duration(1250) == "1.25 us")
        #expect(TextFormat.duration(3.4e6) == "3.40 ms")
        #expect(TextFormat.percent(0.041) == "+4.1%")
        #expect(TextFormat.percent(-0.12) == "-12.0%")
        let t = TextFormat.table(["a", "bb"], [["1", "2"], ["333", "4"]], rightAligned: [1])
        #expect(t == "a    bb\n---  --\n1     2\n333   4\n")
    }

    /// The harness end to end on the real kernels: a small suite runs, every variant passes its
    /// check, the report parses back and compares as unchanged with itself.
    @Test func smallSuiteRunsChecksAndRoundTrips() throws {
        Builtins.registerAll()
        let catalog = Catalog.snapshot
        let lines = try Suite.parse("""
            op=sigmoid phase=both shapes=1000 variants=all threads=1,2 pin=none,compact
            op=matmul shapes=17x9;9x5 variants=all threads=2
            op=add phase=both shapes=3x40;40 variants=scalar,parallel threads=2
            op=softmax phase=both shapes=5x33 variants=simd threads=1
            op=sum shapes=5000 variants=parallel threads=2
            op=bmm phase=backward shapes=3x4x5;3x5x2 variants=naive,parallel threads=2
            op=mlp_step shapes=8x16;16x8;8x4 variants=auto,parallel threads=2
            op=tiny_autograd shapes=16 dtype=float32,float64 variants=auto threads=1
            """, file: "t.suite")
        try Suite.validate(lines, catalog: catalog, file: "t.suite")
        let topology = Topology.machine?.model()
        let cases = Suite.expand(lines, catalog: catalog, machinePUs: 2)
        let settings = BenchSettings(measure: MeasureOptions(minTimeNs: 2e5, warmupNs: 0, minSamples: 3),
                                     fingerprint: Fingerprint.current(topology: topology), calibration: nil,
                                     topology: topology, progress: false)
        let outcome = BenchRun.run(cases, catalog: catalog, settings: settings)
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        #expect(outcome.records.count == cases.count)
        #expect(outcome.records.allSatisfy { $0.cpuList.count == $0.threads && $0.medianNs > 0 })
        let pinned = outcome.records.filter { $0.pinning == "compact" && $0.threads == 2 }
        if let plan = topology.map({ Pinning.plan(.compact, workers: 2, topology: $0) }), (topology?.puCount ?? 0) >= 2 {
            #expect(pinned.allSatisfy { $0.cpuList == plan.cpus! })
        }
        let text = try ReportCSV.render(outcome.records)
        let back = try ReportCSV.parse(text, file: "r.csv")
        #expect(back == outcome.records)
        let same = try Compare.compare(baseline: back, current: back)
        #expect(same.exitCode == 0 && same.count(.unchanged) == back.count)
        #expect(BenchRun.table(back).contains("sigmoid"))
    }

    @Test func aWrongVariantIsNeverTimed() {
        var timed = false
        let liar = OpEntry(name: "liar", arity: 1, variants: ["bad"], unit: .gigabytesPerSecond, summary: "returns wrong output",
                           costModel: { _, _, _, _ in Cost(bytes: 1, flops: 0) },
                           make: { _ in PreparedCase(run: { timed = true }, check: {
                               ErrorMetrics.check(actual: [1], reference: [2], dtype: .float32, tolerance: Tolerance(ulp: 1))
                           }) })
        let planned = PlannedCase(id: CaseID(op: "liar", variant: "bad", dtype: .float32, shapes: [[1]], threads: 1, phase: .forward),
                                  line: 1)
        let settings = BenchSettings(measure: MeasureOptions(), fingerprint: Fingerprint.current(topology: nil),
                                     calibration: nil, topology: nil, progress: false)
        let outcome = BenchRun.run([planned], catalog: OpCatalog([liar]), settings: settings)
        #expect(outcome.records.isEmpty)
        #expect(outcome.failures.first?.message.contains("does not match the reference") == true)
        #expect(!timed)
    }
}
