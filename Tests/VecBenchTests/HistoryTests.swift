import Foundation
import Testing
import VecPlatform
@testable import VecBench
@testable import VecBenchHistory

// The run history: level shifts on synthetic histories, the SQLite store, imports of reports and
// the PostgreSQL export (re-loaded into SQLite: CI has no PostgreSQL server).

/// A normal deviate from two uniforms (Box-Muller), for noisy synthetic histories.
func gaussian(_ rng: inout SplitMix64) -> Double {
    let u = rng.nextUnitOpenClosed(), v = rng.nextUnit()
    return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
}

/// `levels[i]` with multiplicative noise of relative sigma `noise`.
func noisy(_ levels: [Double], noise: Double, seed: UInt64) -> [Double] {
    var rng = SplitMix64(seed: seed)
    return levels.map { $0 * (1 + noise * gaussian(&rng)) }
}

@Suite struct ChangePointTests {
    @Test func aFifteenPercentStepIsFoundAtCommitEleven() {
        for seed in UInt64(1)...20 {
            let series = noisy(Array(repeating: 1.0, count: 10) + Array(repeating: 1.15, count: 10), noise: 0.02, seed: seed)
            let shifts = ChangePoint.detect(series)
            #expect(shifts.count == 1, "seed \(seed): \(shifts)")
            #expect(shifts.first?.index == 10, "seed \(seed): \(shifts)")   // commit 11, counted from 1
            #expect(abs((shifts.first?.change ?? 0) - 0.15) < 0.04, "seed \(seed): \(shifts)")
        }
    }

    @Test func aFlatNoisyHistoryHasNoShift() {
        for seed in UInt64(1)...50 {
            let series = noisy(Array(repeating: 1.0, count: 20), noise: 0.02, seed: seed)
            #expect(ChangePoint.detect(series).isEmpty, "seed \(seed): \(ChangePoint.detect(series)) in \(series)")
        }
        #expect(ChangePoint.detect(Array(repeating: 5.0, count: 30)).isEmpty)
    }

    @Test func anImprovementAndARegressionAreBothFound() {
        let levels = Array(repeating: 2.0, count: 8) + Array(repeating: 1.5, count: 8) + Array(repeating: 1.8, count: 8)
        let shifts = ChangePoint.detect(noisy(levels, noise: 0.01, seed: 3))
        #expect(shifts.map(\.index) == [8, 16], "\(shifts)")
        #expect(shifts.count == 2 && shifts[0].change < -0.2 && shifts[1].change > 0.15, "\(shifts)")
    }

    @Test func oneSlowRunIsNotALevel() {
        var series = noisy(Array(repeating: 1.0, count: 20), noise: 0.01, seed: 9)
        series[7] *= 1.5
        #expect(ChangePoint.detect(series).isEmpty, "\(ChangePoint.detect(series))")
        #expect(ChangePoint.detect(series, options: ChangePointOptions(minSegment: 1)).isEmpty)
        // Two slow commits in a row are a regression and its fix.
        series[8] *= 1.5
        #expect(ChangePoint.detect(series).map(\.index) == [7, 9], "\(ChangePoint.detect(series))")
        #expect(ChangePoint.medianOf3([1, 1, 9, 1, 1]) == [1, 1, 1, 1, 1])
        #expect(ChangePoint.medianOf3([1, 1, 1, 2, 2]) == [1, 1, 1, 2, 2])
        #expect(ChangePoint.medianOf3([1, 1, 1, 1, 2]) == [1, 1, 1, 1, 1])
    }

    @Test func stepsBelowTheMinimumShiftAreMerged() {
        let series = noisy(Array(repeating: 1.0, count: 15) + Array(repeating: 1.03, count: 15), noise: 0.002, seed: 5)
        #expect(ChangePoint.detect(series).isEmpty)
        #expect(ChangePoint.detect(series, options: ChangePointOptions(minShift: 0.01)).map(\.index) == [15])
    }

    @Test func aStepAtTheNewestCommitNeedsASecondCommit() {
        let flat = noisy(Array(repeating: 1.0, count: 12), noise: 0.01, seed: 11)
        #expect(ChangePoint.detect(flat + [1.3]).isEmpty)
        #expect(ChangePoint.detect(flat + [1.3, 1.31]).map(\.index) == [12])
    }

    @Test func shortOrInvalidSeriesGiveNothing() {
        #expect(ChangePoint.detect([]).isEmpty)
        #expect(ChangePoint.detect([1, 2, 3]).isEmpty)
        #expect(ChangePoint.detect([1, 1, 1, 2, 2, .nan]).isEmpty)
        #expect(ChangePoint.detect([1, 1, 1, 0, 2, 2]).isEmpty)
    }

    @Test func theNoiseEstimateIgnoresTheStep() {
        let series = noisy(Array(repeating: 1.0, count: 30) + Array(repeating: 2.0, count: 30), noise: 0.02, seed: 1)
        let sigma = ChangePoint.noiseSigma(series.map { Foundation.log($0) })
        #expect(sigma > 0.012 && sigma < 0.03, "\(sigma)")
    }
}

/// A report row of `op` with the given samples, as `vecbench run` writes it.
func historyRecord(_ op: String, _ samples: [Double], commit: String = "c0ffee", runID: String = "", shapes: [[Int]] = [[1024]]) -> BenchRecord {
    var r = BenchRecord(fingerprintID: "0123456789ab", gitCommit: commit, op: op, variant: "simd", dtype: .float32, shapes: shapes,
                        threads: 1, pinning: "none", cpuList: [], phase: .forward, summary: Stats.summarize(samples),
                        bytes: 8192, flops: 1024, throughput: 1, unit: .gigabytesPerSecond, samplesNs: samples)
    r.runID = runID
    return r
}

@Suite struct HistoryStoreTests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vecbench-history-\(UUID().uuidString)").path

    func run(_ id: String, commit: String, date: String, medians: [String: Double]) -> HistoryRun {
        HistoryRun(runID: id, fingerprintID: "0123456789ab", gitCommit: commit, date: date, suite: "quick", vecbenchVersion: "0.1.0",
                   source: "results/quick.csv", samples: medians.sorted { $0.key < $1.key }.map { op, m in
                       HistorySample(historyRecord(op, [m * 0.99, m, m * 1.01, m * 1.5, m * 0.98]))
                   })
    }

    @Test func appendedRunsComeBackAndDuplicatesAreSkipped() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try HistoryStore(path: "\(dir)/sub/history.sqlite")
        let a = run("r1", commit: "aaa", date: "2026-11-01T00:00:00Z", medians: ["sigmoid": 1000, "relu": 500])
        #expect(try store.append(a))
        #expect(try !store.append(a))
        #expect(try store.append(run("r2", commit: "bbb", date: "2026-11-02T00:00:00Z", medians: ["sigmoid": 1200.5])))
        let runs = try store.runs()
        #expect(runs.map(\.runID) == ["r1", "r2"])
        #expect(runs[0].gitCommit == "aaa" && runs[0].suite == "quick" && runs[0].vecbenchVersion == "0.1.0")
        let samples = try store.samples(runID: "r1")
        #expect(samples == a.samples.sorted { $0.id.description < $1.id.description })
        let points = try HistoryStore(path: "\(dir)/sub/history.sqlite").points(op: "sigmoid")
        #expect(points.map(\.run.gitCommit) == ["aaa", "bbb"])
        #expect(points.map(\.sample.medianNs) == [1000, 1200.5])
        #expect(points[1].sample.samplesNs.count == 5)
    }

    @Test func aFileThatIsNotADatabaseIsAnError() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "not sqlite\n".write(toFile: "\(dir)/h.sqlite", atomically: true, encoding: .utf8)
        #expect { _ = try HistoryStore(path: "\(dir)/h.sqlite") } throws: { ($0 as? HistoryError)?.description.contains("h.sqlite") == true }
    }

    @Test func trendsHaveOnePointPerCommitAndFlagTheStep() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try HistoryStore(path: "\(dir)/h.sqlite")
        let medians = noisy(Array(repeating: 1000, count: 10) + Array(repeating: 1150, count: 10), noise: 0.02, seed: 4)
        for (i, m) in medians.enumerated() {
            let date = "2026-11-\(String(format: "%02d", i + 1))T00:00:00Z"
            try store.append(run("r\(i)", commit: "commit\(i + 1)", date: date, medians: ["sigmoid": m]))
        }
        // A second run at commit 3 (median of the two is the point).
        try store.append(run("r2b", commit: "commit3", date: "2026-11-25T00:00:00Z", medians: ["sigmoid": medians[2] * 1.02]))
        let trends = HistoryTrend.trends(try store.points(op: "sigmoid"))
        #expect(trends.count == 1)
        let t = try #require(trends.first)
        #expect(t.points.count == 20 && t.points[2].runs == 2)
        #expect(abs(t.points[2].medianNs - medians[2] * 1.01) < 1e-9)
        #expect(t.shifts.map(\.index) == [10])
        let table = HistoryTrend.table(t)
        #expect(table.contains("<- level shift +1"), "\(table)")
        #expect(table.contains("at commit11 (commit #11)"), "\(table)")
        let svg = HistoryTrend.svg(trends)
        #expect(svg.hasPrefix("<svg") && svg.contains("stroke-dasharray") && svg.contains("#11 +1"))
        #expect(HistoryTrend.trends(try store.points(op: "sigmoid"), caseFilter: "t=2").isEmpty)
        // Runs of unknown commits are not merged into one point.
        try store.append(run("u1", commit: "unknown", date: "2026-11-26T00:00:00Z", medians: ["sigmoid": 1100]))
        try store.append(run("u2", commit: "unknown", date: "2026-11-27T00:00:00Z", medians: ["sigmoid": 1300]))
        let withUnknown = try #require(HistoryTrend.trends(try store.points(op: "sigmoid")).first)
        #expect(withUnknown.points.suffix(2).map(\.commit) == ["unknown", "unknown"])
        #expect(withUnknown.points.suffix(2).map(\.medianNs) == [1100, 1300])
        #expect(HistoryTrend.trends(try store.points(op: "sigmoid"), machine: "other").isEmpty)
    }

    @Test func reportsImportWithTheirSidecarOrFileDate() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let old = [historyRecord("sigmoid", [1000, 1010, 990, 1005, 995]), historyRecord("relu", [500, 510, 490, 505, 495])]
        try ReportCSV.render(old).write(toFile: "\(dir)/old.csv", atomically: true, encoding: .utf8)
        let merged = [historyRecord("sigmoid", [900, 910, 890, 905, 895], commit: "abc", runID: "run-a"),
                      historyRecord("sigmoid", [800, 810, 790, 805, 795], commit: "def", runID: "run-b")]
        try ReportCSV.render(merged).write(toFile: "\(dir)/merged.csv", atomically: true, encoding: .utf8)
        let oldRuns = try HistoryImport.runs(fromReport: "\(dir)/old.csv")
        #expect(oldRuns.count == 1 && oldRuns[0].samples.count == 2 && oldRuns[0].suite == "old")
        #expect(oldRuns[0].runID.hasPrefix("csv-") && oldRuns[0].date.hasPrefix("20") && oldRuns[0].vecbenchVersion == "unknown")
        #expect(try HistoryImport.runs(fromReport: "\(dir)/old.csv") == oldRuns, "the synthetic run id is stable")
        let mergedRuns = try HistoryImport.runs(fromReport: "\(dir)/merged.csv")
        #expect(mergedRuns.map(\.runID) == ["run-a", "run-b"] && mergedRuns.map(\.gitCommit) == ["abc", "def"])
        #expect(throws: ReportError.self) { try HistoryImport.runs(fromReport: "\(dir)/none.csv") }
    }

    @Test func theSQLExportLoadsIntoAFreshStore() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try HistoryStore(path: "\(dir)/a.sqlite")
        try store.append(run("r'1", commit: "aaa", date: "2026-11-01T00:00:00Z", medians: ["sigmoid": 1000, "relu": 500]))
        try store.append(run("r2", commit: "bbb", date: "unknown", medians: ["sigmoid": 1100]))
        let sql = try HistoryExport.sql(store)
        #expect(sql.contains("CREATE TABLE IF NOT EXISTS runs") && sql.contains("samples_ns jsonb NOT NULL"))
        #expect(sql.contains("'r''1'") && sql.contains("'1970-01-01T00:00:00Z'"))
        let copy = try HistoryStore(path: "\(dir)/b.sqlite")
        try copy.execute(script: sql)
        try copy.execute(script: sql)   // ON CONFLICT DO NOTHING: loading twice changes nothing
        #expect(try copy.runs().map(\.runID) == ["r2", "r'1"])
        #expect(try copy.samples(runID: "r'1") == store.samples(runID: "r'1"))
        #expect(try copy.points(op: "sigmoid").count == 2)
    }
}
