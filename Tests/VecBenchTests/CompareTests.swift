import Foundation
import Testing
@testable import VecBench

/// A row whose samples are `n` values spread +-2% around `median`, deterministically.
func timedRecord(op: String = "relu", variant: String = "simd", median: Double, n: Int = 20,
                 fingerprint: String = "0123456789ab") -> BenchRecord {
    let samples = (0..<n).map { median * (0.98 + 0.04 * Double($0) / Double(n - 1)) }
    var r = sampleRecord(op: op, variant: variant, samples: samples)
    r.fingerprintID = fingerprint
    return r
}

@Suite struct CompareTests {
    @Test func sameRunsAreUnchanged() throws {
        let base = [timedRecord(median: 1000), timedRecord(op: "tanh", median: 500)]
        let result = try Compare.compare(baseline: base, current: base)
        #expect(result.cases.allSatisfy { $0.verdict == .unchanged })
        #expect(result.exitCode == 0)
    }

    @Test func aThirtyPercentSlowdownIsARegression() throws {
        let result = try Compare.compare(baseline: [timedRecord(median: 1000)], current: [timedRecord(median: 1300)])
        let c = try #require(result.cases.first)
        #expect(c.verdict == .regressed)
        #expect(c.method == "mann-whitney-exact")
        #expect(abs(c.change! - 0.3) < 1e-12)
        #expect(result.exitCode == 1)
    }

    @Test func aSpeedupIsAnImprovementNotAFailure() throws {
        let result = try Compare.compare(baseline: [timedRecord(median: 1000)], current: [timedRecord(median: 700)])
        #expect(result.cases.first?.verdict == .improved)
        #expect(result.exitCode == 0)
    }

    @Test func significantButSmallChangeIsUnchanged() throws {
        // 3% slower with tight samples: the rank test sees it, the 5% threshold does not count it.
        let a = timedRecord(median: 1000, n: 40), b = timedRecord(median: 1030, n: 40)
        let c = Compare.judge(baseline: a, current: b, key: a.id, options: CompareOptions())
        #expect(c.significant)
        #expect(c.verdict == .unchanged)
        let strict = Compare.judge(baseline: a, current: b, key: a.id, options: CompareOptions(threshold: 0.02))
        #expect(strict.verdict == .regressed)
    }

    @Test func largeButNoisyChangeIsUnchanged() throws {
        // 10% apart but the samples overlap heavily: not significant.
        var a = sampleRecord(samples: [500, 1500, 900, 1200, 700, 1000, 1400, 600])
        var b = sampleRecord(samples: [550, 1600, 1000, 1300, 800, 1100, 1450, 650])
        a.fingerprintID = "x"; b.fingerprintID = "x"
        let c = Compare.judge(baseline: a, current: b, key: a.id, options: CompareOptions())
        #expect(abs(c.change! - 0.1) < 0.01)
        #expect(!c.significant)
        #expect(c.verdict == .unchanged)
    }

    @Test func withoutSamplesTheIntervalsDecide() throws {
        var base = sampleRecord(median: 1000, samples: [])       // CI [980, 1020]
        var slower = sampleRecord(median: 1300, samples: [])     // CI [1274, 1326]
        base.samples = 20; slower.samples = 20                   // enough samples behind the intervals
        let c = Compare.judge(baseline: base, current: slower, key: base.id, options: CompareOptions())
        #expect(c.method == "ci-overlap")
        #expect(c.verdict == .regressed)
    }

    @Test func hand_scaledBaselineFallsBackFromStaleSamples() throws {
        // A baseline whose medians were divided by 1.3 but whose samples were kept: the samples no
        // longer describe the row, so the test uses the (scaled) intervals or the MAD instead.
        var base = timedRecord(median: 1000)
        base.medianNs /= 1.3; base.ciLowNs /= 1.3; base.ciHighNs /= 1.3; base.minNs /= 1.3; base.madNs /= 1.3
        let c = Compare.judge(baseline: base, current: timedRecord(median: 1000), key: base.id, options: CompareOptions())
        #expect(c.method != "mann-whitney")
        #expect(c.verdict == .regressed)
        var noCI = base
        noCI.ciLowNs = 0; noCI.ciHighNs = 0
        let d = Compare.judge(baseline: noCI, current: timedRecord(median: 1000), key: base.id, options: CompareOptions())
        #expect(d.method == "mad")
        #expect(d.verdict == .regressed)
    }

    @Test func newAndMissingCases() throws {
        let result = try Compare.compare(baseline: [timedRecord(op: "relu", median: 1)],
                                         current: [timedRecord(op: "tanh", median: 1)])
        #expect(result.cases.map(\.verdict) == [.missing, .new])
        #expect(result.exitCode == 1)   // a case of the baseline is gone: a cut or partial report
    }

    @Test func duplicateCasesAreBadInput() {
        let r = timedRecord(median: 1000)
        #expect(throws: ReportError.self) { try Compare.compare(baseline: [r, r], current: [r]) }
    }

    @Test func differentMachinesAreFlagged() throws {
        let result = try Compare.compare(baseline: [timedRecord(median: 1000, fingerprint: "aaaaaaaaaaaa")],
                                         current: [timedRecord(median: 1000, fingerprint: "bbbbbbbbbbbb")])
        #expect(result.incompatibleFingerprints == ["machine aaaaaaaaaaaa (baseline) vs bbbbbbbbbbbb (current)"])
    }

    @Test func variantPairingComparesTorchWithOurs() throws {
        let base = [timedRecord(variant: "torch", median: 1000), timedRecord(variant: "other", median: 1)]
        let cur = [timedRecord(variant: "simd", median: 500), timedRecord(variant: "scalar", median: 5000)]
        let result = try Compare.compare(baseline: base, current: cur,
                                         options: CompareOptions(baselineVariant: "torch", currentVariant: "simd"))
        #expect(result.cases.count == 1)
        #expect(result.cases[0].verdict == .improved)
        #expect(result.cases[0].key.variant == "*")
        var unpinned = base
        for i in unpinned.indices { unpinned[i].pinning = "none" }
        let apart = try Compare.compare(baseline: unpinned, current: cur,
                                        options: CompareOptions(baselineVariant: "torch", currentVariant: "simd"))
        #expect(apart.cases.map(\.verdict) == [.new, .missing])
        let matched = try Compare.compare(baseline: unpinned, current: cur,
                                          options: CompareOptions(baselineVariant: "torch", currentVariant: "simd", ignorePinning: true))
        #expect(matched.cases.map(\.verdict) == [.improved])
        #expect(throws: ReportError.self) {
            try Compare.compare(baseline: base, current: cur, options: CompareOptions(baselineVariant: "torch"))
        }
        #expect(throws: ReportError.self) {
            try Compare.compare(baseline: base, current: cur,
                                options: CompareOptions(baselineVariant: "nope", currentVariant: "simd"))
        }
    }

    @Test func tableAndVerdictJSON() throws {
        let result = try Compare.compare(baseline: [timedRecord(median: 1000)], current: [timedRecord(median: 1300)])
        let table = Compare.table(result)
        #expect(table.contains("REGRESSED"))
        #expect(table.contains("+30.0%"))
        #expect(table.contains("1 regressed, 0 improved"))
        let json = try Compare.verdictJSON(result, baselinePath: "b.csv", currentPath: "c.csv", advisory: false)
        let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        #expect(doc["exit_code"] as? Int == 1)
        #expect((doc["summary"] as? [String: Int])?["regressed"] == 1)
        let advisory = try Compare.verdictJSON(result, baselinePath: "b.csv", currentPath: "c.csv", advisory: true)
        #expect(advisory.contains("\"exit_code\" : 0"))
    }

    @Test func oneCaseIdentityFromPlanToRowToVerdict() throws {
        let lines = try Suite.parse("op=matmul shapes=4x8;8x2 variants=blas threads=2 pin=compact\n", file: "t")
        let planned = try #require(Suite.expand(lines, catalog: testCatalog, machinePUs: 4).first)
        var row = timedRecord(median: 1000)
        row.id = planned.id
        #expect(row.op == "matmul" && row.shapes == [[4, 8], [8, 2]] && row.pinning == "compact" && planned.pinning == .compact)
        #expect(row.id.description == BenchRun.label(planned))
        #expect(row.id.description == "matmul forward float32 4x8;8x2 blas t=2 pin=compact")
        // A row read back from the CSV has the identity it was written with.
        #expect(try ReportCSV.parse(try ReportCSV.render([row]), file: "x.csv")[0].id == planned.id)
        // verdict.json spells the key as before: dtype and phase raw, shapes as the CSV writes them.
        let key = row.id.ignoring(variant: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(key), as: UTF8.self)
        #expect(json == #"{"dtype":"float32","op":"matmul","phase":"forward","pinning":"compact","shapes":"4x8;8x2","threads":2,"variant":"*"}"#)
        #expect(try JSONDecoder().decode(CaseID.self, from: Data(json.utf8)) == key)
        // Compare's order is the table's: op, phase, dtype, shapes as text ("16" before "8"), variant, threads, pinning.
        let a = CaseID(op: "relu", variant: "simd", dtype: .float32, shapes: [[16]], threads: 1, phase: .forward)
        var b = a
        b.shapes = [[8]]
        var c = a
        c.phase = .backward
        #expect([c, b, a].sorted() == [c, a, b])
    }
}

@Suite struct FingerprintTests {
    @Test func machineIDIsStableAndDocumented() {
        // FNV-1a/64 of the documented string; the PyTorch runner computes the same.
        let id = Fingerprint.machineID(cpuModel: "AMD EPYC", pus: 2, cores: 2, packages: 1)
        #expect(id.count == 12)
        #expect(id == Fingerprint.machineID(cpuModel: "AMD EPYC", pus: 2, cores: 2, packages: 1))
        #expect(id != Fingerprint.machineID(cpuModel: "AMD EPYC", pus: 4, cores: 2, packages: 1))
        #expect(Fingerprint.machineID(cpuModel: "", pus: 0, cores: 0, packages: 0) == "dae3379e0d73")
    }

    @Test func cpuModelFromCPUInfo() {
        let text = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8488C\nflags\t: fpu\n"
        #expect(Fingerprint.cpuModel(fromCPUInfo: text) == "Intel(R) Xeon(R) Platinum 8488C")
        #expect(Fingerprint.cpuModel(fromCPUInfo: "garbage") == nil)
        // Two AMD generations that a VM names alike get different models (and machine ids).
        func amd(_ family: Int, _ model: Int) -> String {
            "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: \(family)\nmodel\t\t: \(model)\n"
                + "model name\t: AMD EPYC\nstepping\t: 1\n\nprocessor\t: 1\ncpu family\t: 99\n"
        }
        #expect(Fingerprint.cpuModel(fromCPUInfo: amd(26, 2)) == "AMD EPYC (family 26 model 2 stepping 1)")
        #expect(Fingerprint.cpuModel(fromCPUInfo: amd(25, 17)) == "AMD EPYC (family 25 model 17 stepping 1)")
        #expect(Fingerprint.machineID(cpuModel: "AMD EPYC (family 26 model 2 stepping 1)", pus: 2, cores: 2, packages: 1)
                != Fingerprint.machineID(cpuModel: "AMD EPYC (family 25 model 17 stepping 1)", pus: 2, cores: 2, packages: 1))
    }

    @Test func gitCommitFromLooseAndPackedRefs() throws {
        let repo = tempPath("repo")
        try FileManager.default.createDirectory(atPath: repo + "/.git/refs/heads", withIntermediateDirectories: true)
        try "ref: refs/heads/main\n".write(toFile: repo + "/.git/HEAD", atomically: true, encoding: .utf8)
        try "# pack-refs\nabc123 refs/heads/main\n".write(toFile: repo + "/.git/packed-refs", atomically: true, encoding: .utf8)
        #expect(Fingerprint.gitCommit(repository: repo) == "abc123")
        try "def456\n".write(toFile: repo + "/.git/refs/heads/main", atomically: true, encoding: .utf8)
        #expect(Fingerprint.gitCommit(repository: repo) == "def456")
        #expect(Fingerprint.gitCommit(repository: "/nonexistent") == nil)
    }

    @Test func isoDateWithoutFormatter() {
        #expect(Fingerprint.isoDate(0) == "1970-01-01T00:00:00Z")
        #expect(Fingerprint.isoDate(1_700_000_000) == "2023-11-14T22:13:20Z")
    }

    @Test func currentFingerprintDescribesThisProcess() {
        let f = Fingerprint.current(topology: nil)
        #expect(f.id.count == 12)
        #expect(f.logicalCPUs >= 1)
        #expect(!f.openblasCore.isEmpty)
    }

    @Test func checkSeparatesMachineFromBuildDifferences() {
        let a = Fingerprint.current(topology: nil)
        var b = a
        #expect(FingerprintCheck.between(a, b) == FingerprintCheck())
        b.compiledISA = "x86-64 (sse2)"
        #expect(FingerprintCheck.between(a, b).incompatible.isEmpty)
        #expect(FingerprintCheck.between(a, b).warnings.count == (a.compiledISA == b.compiledISA ? 0 : 1))
        b.id = "ffffffffffff"
        #expect(FingerprintCheck.between(a, b).incompatible.count == 1)
    }

    @Test func googleBenchmarkJSONHasWhatCompareDotPyReads() throws {
        // A row without rounds (an older report): one repetition, no aggregates, as Google
        // Benchmark writes a benchmark run once.
        let json = BenchmarkJSON.make(records: [sampleRecord()], fingerprint: Fingerprint.current(topology: nil), topology: nil)
        let text = try json.encoded()
        let doc = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let runs = doc["benchmarks"] as! [[String: Any]]
        #expect(runs.count == 1)
        for run in runs {
            for key in ["name", "real_time", "cpu_time", "time_unit", "iterations", "run_type", "family_index",
                        "per_family_instance_index", "repetitions"] { #expect(run[key] != nil, "\(key)") }
        }
        #expect(runs[0]["name"] as? String == "sigmoid/forward/float32/1024/simd/threads:1/pin:compact")
        let context = doc["context"] as! [String: Any]
        #expect(context["vecbench_fingerprint"] != nil)
        let path = tempPath("r.json")
        try AtomicFile.write(text, to: path)
        #expect(try BenchmarkJSON.read(path: path) == json)
        #expect(BenchmarkJSON.sidecarPath(forReport: "results/a.csv") == "results/a.json")
    }
}
