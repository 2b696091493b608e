import Foundation
import Testing
@testable import VecBench

// Google Benchmark's own tools/compare.py, a client nobody here wrote, reads two of our sidecars:
// its OVERALL_GEOMEAN must agree with the change of our medians even when the cases got different
// sample counts (each case is one family with the run's fixed number of repetitions). The tools
// are fetched at test set-up (GBENCH_TOOLS names a local copy); without python3 + scipy, or
// without network, the test says so and skips.

enum GBenchTools {
    static let files = ["compare.py", "gbench/__init__.py", "gbench/report.py", "gbench/util.py"]

    /// A folder holding tools/compare.py and its package, or why there is none.
    static func folder() -> Result<String, SkipReason> {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["GBENCH_TOOLS"], FileManager.default.fileExists(atPath: dir + "/compare.py") { return .success(dir) }
        guard shell("python3 -c 'import scipy, numpy'") == 0 || shell("python3 -m pip install --quiet scipy numpy >/dev/null 2>&1 || "
                                                                         + "python3 -m pip install --quiet --break-system-packages scipy numpy >/dev/null 2>&1") == 0,
              shell("python3 -c 'import scipy, numpy'") == 0 else {
            return .failure(SkipReason("python3 with scipy and numpy is not available and pip could not install them"))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vecbench-gbench-tools").path
        if files.allSatisfy({ FileManager.default.fileExists(atPath: "\(dir)/\($0)") }) { return .success(dir) }
        let base = "https://raw.githubusercontent.com/google/benchmark/main/tools"
        for f in files {
            let target = "\(dir)/\(f)"
            try? FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard shell("curl -fsSL --max-time 30 -o '\(target).part' '\(base)/\(f)' && mv '\(target).part' '\(target)'") == 0 else {
                return .failure(SkipReason("could not fetch google/benchmark's tools/\(f) (no network?)"))
            }
        }
        return .success(dir)
    }

    struct SkipReason: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }

    @discardableResult
    static func shell(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}

@Suite struct CompareDotPyTests {
    /// A case measured in five rounds around `median`, with `samples` samples in all.
    func row(_ op: String, median: Double, samples: Int) -> BenchRecord {
        let medians = (0..<5).map { median * (0.99 + 0.005 * Double($0)) }
        let all = (0..<samples).map { medians[$0 % 5] }
        var r = sampleRecord(op: op, samples: all)
        r.roundMediansNs = medians
        r.roundCPUNs = medians
        r.medianNs = Stats.median(medians)
        r.callsPerSample = 10
        return r
    }

    @Test func itsGeomeanAgreesWithOurMedians() throws {
        let tools: String
        switch GBenchTools.folder() {
        case .success(let dir): tools = dir
        case .failure(let why):
            print("CompareDotPyTests skipped: \(why)")
            return
        }
        // Three cases: one 20% slower, two unchanged; the slow case has 8 samples on one side and
        // 4000 on the other, which weighted the old sidecar (one repetition per sample) 500 to 1.
        let base = [row("relu", median: 1000, samples: 8), row("tanh", median: 2000, samples: 100), row("exp", median: 500, samples: 100)]
        let cur = [row("relu", median: 1200, samples: 4000), row("tanh", median: 2000, samples: 100), row("exp", median: 500, samples: 300)]
        let fp = Fingerprint.current(topology: nil)
        let a = tempPath("a.json"), b = tempPath("b.json"), out = tempPath("diff.json")
        try AtomicFile.write(try BenchmarkJSON.make(records: base, fingerprint: fp, topology: nil).encoded(), to: a)
        try AtomicFile.write(try BenchmarkJSON.make(records: cur, fingerprint: fp, topology: nil).encoded(), to: b)
        let status = GBenchTools.shell("python3 '\(tools)/compare.py' -d '\(out)' benchmarks '\(a)' '\(b)'")
        #expect(status == 0, "compare.py exited \(status)")
        let doc = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: out))) as! [[String: Any]]
        let geomean = try #require(doc.first { $0["name"] as? String == "OVERALL_GEOMEAN" })
        let measured = try #require((geomean["measurements"] as? [[String: Any]])?.first?["time"] as? Double)
        // Our medians: relu +20%, the others unchanged: geomean change = 1.2^(1/3) - 1 = +6.27%.
        let ours = zip(base, cur).map { log($1.medianNs / $0.medianNs) }.reduce(0, +) / 3
        #expect(abs(measured - (exp(ours) - 1)) < 0.002, "compare.py geomean \(measured), medians \(exp(ours) - 1)")
        // Its per-case U test sees the five repetitions a side.
        let relu = try #require(doc.first { ($0["name"] as? String)?.hasPrefix("relu/") == true && $0["run_type"] as? String == "iteration" })
        #expect((relu["utest"] as? [String: Any])?["nr_of_repetitions"] as? Int == 5)
    }
}
