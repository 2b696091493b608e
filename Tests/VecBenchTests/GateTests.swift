import Foundation
import Testing
@testable import VecBench

/// A row measured in rounds: `rounds` round medians spread by `spread` (fraction) around `median`.
func roundRecord(op: String = "relu", median: Double, spread: Double, rounds: Int = 5) -> BenchRecord {
    let medians = (0..<rounds).map { median * (1 - spread / 2 + spread * Double($0) / Double(rounds - 1)) }
    let samples = medians.flatMap { m in [m * 0.99, m, m * 1.01] }
    var r = sampleRecord(op: op, samples: samples)
    r.roundMediansNs = medians
    r.medianNs = Stats.median(medians)
    return r
}

@Suite struct GateTests {
    @Test func exactRankTestSeesFiveSeparatedValuesASide() {
        let a = [100.0, 101, 102, 103, 104], b = a.map { $0 * 1.1 }
        #expect(abs(Stats.mannWhitneyExactP(a, b) - 2.0 / 252) < 1e-12)
        // The normal approximation cannot get below 0.01 here.
        #expect(Stats.mannWhitney(a, b).pValue > 0.01)
        #expect(Stats.mannWhitneyExactP(a, a) == 1)
        // One value a side: the smallest possible p is 1.
        #expect(Stats.mannWhitneyExactP([1], [2]) == 1)
    }

    @Test func exactRankTestAgreesWithScipy() {
        // scipy.stats.mannwhitneyu([1,3,5,7,9],[2,4,6,8,10,12], method='exact').pvalue
        #expect(abs(Stats.mannWhitneyExactP([1, 3, 5, 7, 9], [2, 4, 6, 8, 10, 12]) - 0.42857142857142855) < 1e-12)
    }

    @Test func fiveSeparatedSamplesTenPercentApartRegress() {
        let a = sampleRecord(samples: [1000, 1001, 1002, 1003, 1004])
        let b = sampleRecord(samples: [1100, 1101, 1102, 1103, 1104])
        let c = Compare.judge(baseline: a, current: b, key: a.id, options: CompareOptions())
        #expect(c.verdict == .regressed)
        #expect(c.method == "mann-whitney-exact")
    }

    @Test func oneOrTwoSamplesGiveNoVerdict() {
        let a = sampleRecord(samples: [1000, 1002]), b = sampleRecord(samples: [1060, 1062])
        let c = Compare.judge(baseline: a, current: b, key: a.id, options: CompareOptions())
        #expect(c.verdict == .tooFewSamples)
        #expect(try! Compare.compare(baseline: [a], current: [b]).exitCode == 0)
        // Within the threshold it is simply unchanged.
        let same = Compare.judge(baseline: a, current: a, key: a.id, options: CompareOptions())
        #expect(same.verdict == .unchanged)
    }

    @Test func absoluteFloorIgnoresNanosecondFlips() {
        let a = sampleRecord(samples: (0..<20).map { 16 + Double($0) * 0.001 })
        let b = sampleRecord(samples: (0..<20).map { 19 + Double($0) * 0.001 })
        #expect(Compare.judge(baseline: a, current: b, key: a.id, options: CompareOptions()).verdict == .regressed)
        let floor = Compare.judge(baseline: a, current: b, key: a.id, options: CompareOptions(minDeltaNs: 5))
        #expect(floor.verdict == .unchanged)
        #expect(floor.method == "min-delta")
    }

    @Test func roundsDecideAgainstTheirOwnSpread() {
        // 8% slower, both reports with 2% between-round spread: a regression.
        let a = roundRecord(median: 1000, spread: 0.02), b = roundRecord(median: 1080, spread: 0.02)
        let c = Compare.judge(baseline: a, current: b, key: a.id, options: CompareOptions())
        #expect(c.verdict == .regressed)
        #expect(c.method == "rounds")
        // 8% slower but the rounds themselves spread 12%: noisy, not a failure.
        let noisy = Compare.judge(baseline: roundRecord(median: 1000, spread: 0.12), current: b, key: a.id, options: CompareOptions())
        #expect(noisy.verdict == .noisy)
        #expect(try! Compare.compare(baseline: [roundRecord(median: 1000, spread: 0.12)], current: [b]).exitCode == 0)
        // 3% slower: below the threshold whatever the spread.
        let small = Compare.judge(baseline: a, current: roundRecord(median: 1030, spread: 0.001), key: a.id, options: CompareOptions())
        #expect(small.verdict == .unchanged)
    }

    @Test func swappingTheReportsMirrorsTheVerdict() {
        // 15.6% slower one way is 13.5% faster the other; with a 15.4% noise margin both are
        // beyond it (the fresh-user trial saw REGRESSED one way and NOISY the other).
        let slow = roundRecord(median: 1156, spread: 0.154), fast = roundRecord(median: 1000, spread: 0.154)
        let forward = Compare.judge(baseline: fast, current: slow, key: fast.id, options: CompareOptions())
        let backward = Compare.judge(baseline: slow, current: fast, key: fast.id, options: CompareOptions())
        #expect(forward.verdict == .regressed && backward.verdict == .improved)
        for (a, b) in [(1000.0, 1080.0), (1000, 1030), (1000, 1200)] {
            for spread in [0.02, 0.12] {
                let x = roundRecord(median: a, spread: spread), y = roundRecord(median: b, spread: spread)
                let one = Compare.judge(baseline: x, current: y, key: x.id, options: CompareOptions()).verdict
                let other = Compare.judge(baseline: y, current: x, key: x.id, options: CompareOptions()).verdict
                let mirrored: Verdict = one == .regressed ? .improved : one
                #expect(other == mirrored, "\(a) -> \(b) spread \(spread): \(one) vs \(other)")
            }
        }
    }

    @Test func missingCasesFailUnlessAllowed() throws {
        let base = [timedRecord(median: 1000), timedRecord(op: "tanh", median: 500)]
        let cut = [timedRecord(median: 1000)]
        let result = try Compare.compare(baseline: base, current: cut)
        #expect(result.count(.missing) == 1)
        #expect(result.exitCode == 1)
        #expect(try Compare.compare(baseline: base, current: cut, options: CompareOptions(allowMissing: true)).exitCode == 0)
        // New cases in CURRENT never fail.
        #expect(try Compare.compare(baseline: cut, current: base).exitCode == 0)
    }

    @Test func openBLASCoreMismatchIsWarned() throws {
        var a = timedRecord(median: 1000), b = timedRecord(median: 1000)
        a.openblasCore = "Haswell"; b.openblasCore = "SkylakeX"
        let result = try Compare.compare(baseline: [a], current: [b])
        #expect(result.fingerprintWarnings.contains { $0.contains("Haswell") && $0.contains("SkylakeX") })
    }

    @Test func shuffledOrdersArePermutationsThatDependOnSeedAndRound() {
        let fixed = BenchRun.order(count: 40, round: 3, order: .fixed, seed: 7)
        #expect(fixed == Array(0..<40))
        let a = BenchRun.order(count: 40, round: 0, order: .shuffle, seed: 7)
        #expect(a.sorted() == Array(0..<40))
        #expect(a != fixed)
        #expect(a == BenchRun.order(count: 40, round: 0, order: .shuffle, seed: 7))
        #expect(a != BenchRun.order(count: 40, round: 1, order: .shuffle, seed: 7))
        #expect(a != BenchRun.order(count: 40, round: 0, order: .shuffle, seed: 8))
        // Over many rounds every case is first about equally often.
        var firsts = [Int](repeating: 0, count: 4)
        for round in 0..<4000 { firsts[BenchRun.order(count: 4, round: round, order: .shuffle, seed: 1)[0]] += 1 }
        #expect(firsts.allSatisfy { abs($0 - 1000) < 150 }, "\(firsts)")
    }

    @Test func oneThreadVariantsArePlannedOnceAtOneThread() throws {
        Builtins.registerAll()
        let catalog = Catalog.snapshot
        let lines = try Suite.parse("op=relu shapes=1024 variants=simd,scalar,parallel threads=1,2\n", file: "t.suite")
        let cases = Suite.expand(lines, catalog: catalog, machinePUs: 2)
        let planned = cases.map { "\($0.id.variant)@\($0.id.threads)" }
        #expect(planned == ["simd@1", "scalar@1", "parallel@1", "parallel@2"])
    }

    @Test func textColumnsDoNotLookNumeric() throws {
        var r = sampleRecord()
        r.fingerprintID = "012345678901"; r.cpuList = [0]; r.shapes = [[1048576]]
        let text = try ReportCSV.render([r])
        let row = text.split(separator: "\n")[1]
        #expect(row.hasPrefix("fp-012345678901,"))
        #expect(row.contains(",[1048576],"))
        #expect(row.contains(",[0],"))
        let back = try ReportCSV.parse(text, file: "r.csv")
        #expect(back == [r])
    }

    @Test func olderReportsWithoutTheNewColumnsStillParse() throws {
        let old = CLITests.header + "\n" + CLITests.row + "\n"
        let r = try #require(try ReportCSV.parse(old, file: "old.csv").first)
        #expect(r.fingerprintID == "0123456789ab")
        #expect(r.roundMediansNs.isEmpty && r.openblasCore.isEmpty && r.runID.isEmpty)
    }

    @Test func sidecarHasFixedRepetitionsAndAggregates() throws {
        var r = roundRecord(median: 1000, spread: 0.04)
        r.callsPerSample = 37
        r.roundCPUNs = r.roundMediansNs.map { $0 * 0.9 }
        let json = BenchmarkJSON.make(records: [r, roundRecord(op: "tanh", median: 10, spread: 0.01)],
                                      fingerprint: Fingerprint.current(topology: nil), topology: nil,
                                      run: .init(runID: "x", rounds: 5, order: "shuffle", seed: 1))
        let doc = try JSONSerialization.jsonObject(with: Data(try json.encoded().utf8)) as! [String: Any]
        let runs = doc["benchmarks"] as! [[String: Any]]
        #expect(runs.count == 2 * (5 + 4))
        let iterations = runs.filter { $0["run_type"] as? String == "iteration" }
        #expect(iterations.count == 10)
        #expect(iterations.allSatisfy { $0["repetitions"] as? Int == 5 })
        #expect(runs[0]["iterations"] as? Int == 37)
        #expect(runs[0]["cpu_time"] as? Double != runs[0]["real_time"] as? Double)
        let aggregates = runs.prefix(9).compactMap { $0["aggregate_name"] as? String }
        #expect(aggregates == ["mean", "median", "stddev", "cv"])
        #expect(runs[8]["aggregate_unit"] as? String == "percentage")
        #expect(runs[5]["aggregate_unit"] as? String == "time")
        #expect(runs[9]["family_index"] as? Int == 1)
        let context = doc["context"] as! [String: Any]
        for key in ["json_schema_version", "library_version", "load_avg", "num_cpus", "caches"] { #expect(context[key] != nil, "\(key)") }
    }

    @Test func reportAndSidecarAreWrittenTogetherAndStaleTemporariesGo() throws {
        let dir = tempPath("pair")
        try ReportFiles.prepareDirectory(dir)
        // A temporary of a process that cannot exist (pid 2^22+1 is above Linux's pid_max default).
        let stale = "\(dir)/old.csv.4194305.tmp"
        FileManager.default.createFile(atPath: stale, contents: Data("x".utf8))
        try ReportFiles.prepareDirectory(dir)
        #expect(!FileManager.default.fileExists(atPath: stale))
        var r = sampleRecord(); r.runID = "run-a"
        let paths = try ReportFiles.write(records: [r], fingerprint: Fingerprint.current(topology: nil), topology: nil,
                                          run: .init(runID: "run-a", rounds: 1, order: "fixed", seed: 0), base: "\(dir)/rep")
        #expect(paths == ["\(dir)/rep.csv", "\(dir)/rep.json"])
        let json = try BenchmarkJSON.read(path: "\(dir)/rep.json")
        #expect(json.context.vecbench_run?.run_id == "run-a")
        #expect(try ReportCSV.read(path: "\(dir)/rep.csv").first?.runID == "run-a")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test func oneRoundReportsMergeIntoRounds() {
        var a = sampleRecord(samples: [100, 101, 102]); a.cpuNs = 90
        var b = sampleRecord(samples: [110, 111, 112]); b.cpuNs = 95
        let merged = RoundMerge.merge([[a], [b]])
        #expect(merged.count == 1)
        #expect(merged[0].roundMediansNs == [101, 111])
        #expect(merged[0].roundCPUNs == [90, 95])
        #expect(merged[0].samplesNs.count == 6 && merged[0].samples == 6)
        #expect(merged[0].medianNs == 106)
        #expect(abs(merged[0].noisePct! - 9.4) < 0.05)
    }

    @Test func roundsWithoutSamplesMergeTheirSummaries() throws {
        // The PyTorch runner's rows: a summary, no samples.
        func summary(_ median: Double, min: Double, mad: Double, count: Int) -> BenchRecord {
            var r = sampleRecord(median: median, samples: [])
            r.samplesNs = []
            r.summary = SampleSummary(count: count, median: median, min: min, max: .nan, mad: mad, ciLow: median - 1, ciHigh: median + 1)
            return r
        }
        let merged = RoundMerge.merge([[summary(100, min: 90, mad: 4, count: 20)], [summary(130, min: 95, mad: 6, count: 30)],
                                       [summary(110, min: 85, mad: 5, count: 25)]])
        #expect(merged.count == 1)
        #expect(merged[0].medianNs == 110 && merged[0].minNs == 85 && merged[0].madNs == 5 && merged[0].samples == 75)
        #expect(merged[0].samplesNs.isEmpty && merged[0].roundMediansNs == [100, 130, 110])
        #expect(merged[0].ciLowNs == 99 && merged[0].ciHighNs == 101)
        // Written and read back as `vecbench merge` does.
        let back = try ReportCSV.parse(try ReportCSV.render(merged), file: "merged.csv")
        #expect(back[0].medianNs == 110 && back[0].samples == 75)
    }

    @Test func fewerThanThreeRoundsFallBackWithAWarning() throws {
        let a = roundRecord(median: 1000, spread: 0.02, rounds: 2), b = roundRecord(median: 1000, spread: 0.02, rounds: 2)
        let result = try Compare.compare(baseline: [a], current: [b])
        #expect(result.cases[0].method != "rounds")
        #expect(result.fingerprintWarnings.contains { $0.contains("fewer than 3 rounds") })
        let five = try Compare.compare(baseline: [roundRecord(median: 1000, spread: 0.02)], current: [roundRecord(median: 1000, spread: 0.02)])
        #expect(five.fingerprintWarnings.isEmpty && five.cases[0].method == "rounds")
    }
}

