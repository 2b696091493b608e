import Foundation
import Testing
@testable import VecBench

// The gate on recorded reports: results/gate-noise/run-{1,2,3}.csv are the quick suite run three
// times back to back on this kind of 2-vCPU shared machine with the README's defaults
// (Benchmarks/gate-noise.sh). Every ordered pair compared as it is must give at most 1% false
// regressions. The same pairs with the current report made 10% slower are flagged only where the
// machine's own noise allows: on the recorded Xeon VM the medians of identical runs drift by up
// to 13-20% (95th percentile), so most 10% changes are NOISY, not REGRESSED (the 95%
// detection target is not met there; see the closing note). What must hold is that a change
// beyond both the threshold and the noise margin is never missed, and that a slowdown never
// reads as an improvement.

@Suite struct GateNoiseTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("results/gate-noise").path

    /// Every time in the report multiplied by `factor`, as if the code were that much slower.
    static func slower(_ records: [BenchRecord], by factor: Double) -> [BenchRecord] {
        records.map { r in
            var s = r
            s.medianNs *= factor; s.minNs *= factor; s.madNs *= factor; s.ciLowNs *= factor; s.ciHighNs *= factor
            s.samplesNs = r.samplesNs.map { $0 * factor }
            s.roundMediansNs = r.roundMediansNs.map { $0 * factor }
            s.cpuNs = r.cpuNs.map { $0 * factor }
            s.roundCPUNs = r.roundCPUNs.map { $0 * factor }
            s.throughput /= factor
            return s
        }
    }

    @Test func falseAlarmsAndDetectionOnRecordedRuns() throws {
        let runs = try (1...3).map { try ReportCSV.read(path: "\(Self.folder)/run-\($0).csv") }
        #expect(runs.allSatisfy { $0.allSatisfy { $0.roundMediansNs.count >= 3 } }, "recorded without rounds")
        var comparisons = 0, falseAlarms = 0, flagged = 0, beyondNoise = 0
        for i in runs.indices {
            for j in runs.indices where i != j {
                let same = try Compare.compare(baseline: runs[i], current: runs[j])
                let slow = try Compare.compare(baseline: runs[i], current: Self.slower(runs[j], by: 1.10))
                comparisons += same.cases.count
                falseAlarms += same.count(.regressed)
                flagged += slow.count(.regressed)
                #expect(slow.count(.improved) == 0)
                for c in slow.cases {
                    guard let change = c.change, let margin = c.noise else { continue }
                    if change > max(0.05, margin) { beyondNoise += 1 }
                }
            }
        }
        let falseRate = Double(falseAlarms) / Double(comparisons), detection = Double(flagged) / Double(comparisons)
        print("gate on recorded runs: \(falseAlarms)/\(comparisons) false regressions (\(falseRate * 100)%), "
              + "\(flagged)/\(comparisons) 10% slowdowns flagged (\(detection * 100)%)")
        #expect(comparisons >= 6 * 40)
        #expect(falseRate <= 0.01)
        #expect(flagged == beyondNoise)
    }
}
