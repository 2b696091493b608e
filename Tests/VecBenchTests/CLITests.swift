import Foundation
import Testing

// End-to-end tests of the compiled `vecbench` binary: exit codes and messages as a user (or CI)
// sees them. `swift test` builds every product before running tests, so the binary sits beside the
// test bundle; VECBENCH_BIN overrides the lookup.

/// What one invocation produced.
struct CLIResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "exit \(status)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)" }
}

/// A fresh temporary directory holding fixtures, with the binary run inside it.
final class CLISandbox {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vecbench-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// Runs vecbench with `arguments` in this directory (through `launcher`, e.g. taskset, if given). Output goes
    /// to files, not pipes, so a chatty command cannot block on a full pipe; a hung one is killed after `timeout` s.
    func run(_ arguments: [String], timeout: TimeInterval = 60, environment: [String: String] = [:],
             stdin: String? = nil, launcher: [String] = []) throws -> CLIResult {
        let binary = try CLIBinary.url()
        let outURL = dir.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let errURL = dir.appendingPathComponent(".stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = launcher.first.map { URL(fileURLWithPath: $0) } ?? binary
        process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [binary.path] + arguments
        process.currentDirectoryURL = dir
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let inURL = dir.appendingPathComponent(".stdin-\(UUID().uuidString)")
            try stdin.write(to: inURL, atomically: true, encoding: .utf8)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        process.waitUntilExit()
        try outHandle.close(); try errHandle.close()
        let result = CLIResult(status: process.terminationStatus,
                               stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                               stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
        if timedOut { Issue.record("vecbench \(arguments.joined(separator: " ")) ran over \(timeout) s and was killed\n\(result)") }
        // A trap (signal) is a bug whatever the test expects.
        #expect(process.terminationReason == .exit, "vecbench \(arguments.joined(separator: " ")) died of a signal\n\(result)")
        return result
    }
}

enum CLIBinary {
    struct NotFound: Error, CustomStringConvertible {
        var searched: [String]
        var description: String {
            "the vecbench binary was not found (build it with `swift build --product vecbench` or set VECBENCH_BIN); "
                + "looked in: \(searched.joined(separator: ", "))"
        }
    }

    /// The products directory holds both the test bundle and vecbench: walk up from the test
    /// executable (a bundle on macOS nests it three levels deeper) until a vecbench appears.
    static func url() throws -> URL {
        let fm = FileManager.default
        if let override = ProcessInfo.processInfo.environment["VECBENCH_BIN"], !override.isEmpty {
            guard fm.isExecutableFile(atPath: override) else { throw NotFound(searched: ["VECBENCH_BIN=\(override)"]) }
            return URL(fileURLWithPath: override)
        }
        var starts = [URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL, Bundle.main.bundleURL]
        if let exe = Bundle.main.executableURL { starts.append(exe) }
        var searched: [String] = []
        for start in starts {
            var dir = start.deletingLastPathComponent()
            for _ in 0..<5 {
                let candidate = dir.appendingPathComponent("vecbench")
                searched.append(dir.path)
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue,
                   fm.isExecutableFile(atPath: candidate.path) {
                    return candidate
                }
                dir = dir.deletingLastPathComponent()
            }
        }
        throw NotFound(searched: searched)
    }
}

/// Report CSV helpers: a header index and a column-wise rewrite (reports hold no quoted commas).
enum CSVFixture {
    static func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    static func column(_ text: String, _ name: String) throws -> [String] {
        let rows = rows(text)
        let i = try #require(rows.first?.firstIndex(of: name), "no column \(name) in report")
        return rows.dropFirst().map { $0[i] }
    }

    /// Every time column divided by `factor` (a baseline that was `factor` times faster).
    static func faster(_ text: String, by factor: Double) throws -> String {
        var rows = rows(text)
        let header = rows[0]
        let times = ["median_ns", "min_ns", "mad_ns", "ci_low_ns", "ci_high_ns", "round_medians_ns", "cpu_ns", "round_cpu_ns"]
        for name in times + ["samples_ns", "throughput"] {
            let i = try #require(header.firstIndex(of: name), "no column \(name) in report")
            for r in 1..<rows.count {
                rows[r][i] = try rows[r][i].split(separator: ";").map { field -> String in
                    let x = try #require(Double(field), "'\(field)' in \(name) is not a number")
                    return String(name == "throughput" ? x * factor : x / factor)
                }.joined(separator: ";")
            }
        }
        return rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// The report as a quiet machine would have measured it: every sample and round median within
    /// 0.2% of the row's median. A measured run on a loaded CI machine can spread its rounds by
    /// 1000%, which makes any change NOISY; tests of the gate's mechanics need a known spread.
    static func steady(_ text: String) throws -> String {
        var rows = rows(text)
        let header = rows[0]
        let median = try #require(header.firstIndex(of: "median_ns"))
        for name in ["samples_ns", "round_medians_ns"] {
            let i = try #require(header.firstIndex(of: name), "no column \(name) in report")
            for r in 1..<rows.count {
                let m = try #require(Double(rows[r][median]))
                let count = rows[r][i].split(separator: ";").count
                let jitter: [Double] = [0.999, 1, 1.001]
                rows[r][i] = (0..<count).map { (k: Int) -> String in String(m * jitter[k % 3]) }.joined(separator: ";")
            }
        }
        return rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}

@Suite struct CLITests {
    /// One small case: a relu over 1024 floats, a few milliseconds of sampling.
    static let tinySuite = "# tiny suite for CLI tests\nop=relu shapes=1024 variants=simd threads=1 min_time_ms=5\n"
    static let fastFlags = ["--warmup-ms", "0", "--min-time-ms", "5", "--min-samples", "20", "--no-progress", "--no-plots"]

    /// Runs the tiny suite into `out/` and returns the report's text.
    func tinyRun(_ box: CLISandbox, extra: [String] = []) throws -> String {
        try box.write("tiny.suite", Self.tinySuite)
        let r = try box.run(["run", "--suite", "tiny.suite", "--out", "out"] + Self.fastFlags + extra)
        #expect(r.status == 0, "\(r)")
        #expect(box.exists("out/tiny.json"), "no JSON sidecar\n\(r)")
        return try box.read("out/tiny.csv")
    }

    @Test func binaryIsFound() throws {
        let url = try CLIBinary.url()
        #expect(FileManager.default.isExecutableFile(atPath: url.path))
    }

    @Test(arguments: ["", "run", "compare", "accuracy", "plot", "topology", "calibrate"])
    func helpExitsZeroWithExamples(_ subcommand: String) throws {
        let box = try CLISandbox()
        let r = try box.run((subcommand.isEmpty ? [] : [subcommand]) + ["--help"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("Examples:"), "\(r)")
        #expect(r.stdout.contains("vecbench \(subcommand)"), "\(r)")
        if !subcommand.isEmpty { #expect(r.stdout.contains("Example: "), "options carry no example\n\(r)") }
    }

    @Test(arguments: [
        (["frobnicate"], "frobnicate"),
        (["run", "--frob"], "--frob"),
        (["compare", "only-one.csv"], "current"),
        (["run", "--min-time-ms", "0"], "--min-time-ms"),
        // Negative numbers are values, not options: the range is named, not a "missing value".
        (["run", "--contend", "-1"], "--contend must be in 0...256"),
        (["run", "--rounds", "-3"], "--rounds must be in 1...100"),
        (["compare", "a.csv", "b.csv", "--threshold", "-5"], "--threshold must be a percentage"),
        (["run", "--threads", "0"], "--threads"),
        (["run", "--pin", "diagonal"], "--pin"),
        (["compare", "a.csv", "b.csv", "--threshold", "2000"], "--threshold"),
        (["accuracy", "--ops", "cat"], "no accuracy check for cat"), (["accuracy", "--ops", "EXPM1,relu"], "EXPM1 (did you mean 'expm1'?)"),
        (["accuracy", "--anchors", "a", "--samples", "9"], "--samples with --anchors"), (["accuracy", "--samples", "-1"], "0 or more"),
        (["accuracy", "--samples", "99999999999"], "at most 67108864"), (["accuracy", "--out", "/dev/null/x"], "--out /dev/null/x"),
    ])
    func usageErrorsExitTwo(_ arguments: [String], _ named: String) throws {
        let box = try CLISandbox()
        let r = try box.run(arguments)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains(named), "message does not name \(named)\n\(r)")
    }

    /// Bad suite lines, each put on line 3 after a comment and a good line.
    @Test(arguments: [
        ("op=reluu shapes=1024", "unknown op 'reluu'"),
        ("op=relu shapes=1024 variants=fast", "no variant 'fast'"),
        ("op=matmul shapes=3x2;3x2", "bad shapes '3x2;3x2'"),
        ("op=relu shapes=-4", "dimension -4"),
        ("op=relu shapes=4;4", "takes 1 operand"),
        ("op=matmul shapes=4x4", "takes 2 operand"),
        ("op=relu shapes=1024 threads=zero", "thread count 'zero'"), ("op=relu shapes=1024 threads=-1", "thread count '-1'"),
        ("op=relu shape=1024", "unknown key 'shape'"),
        ("op=relu shapes=1024 dtype=int64", "op relu does not support dtype int64"),
    ])
    func badSuiteExitsTwoWithFileAndLine(_ line: String, _ message: String) throws {
        let box = try CLISandbox()
        try box.write("bad.suite", "# a comment\nop=relu shapes=1024 variants=simd\n\(line)\n")
        let r = try box.run(["run", "--suite", "bad.suite", "--out", "out"] + Self.fastFlags)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("bad.suite:3: "), "no file:line\n\(r)")
        #expect(r.stderr.contains(message), "\(r)")
        #expect(!box.exists("out"), "a suite that does not validate wrote to --out\n\(r)")
    }

    @Test func everyBadSuiteLineIsReported() throws {
        let box = try CLISandbox()
        try box.write("bad.suite", "op=reluu shapes=8\nop=relu shapes=8\nop=matmul shapes=3x2;3x2\nop=relu shapes=0\n")
        let r = try box.run(["run", "--suite", "bad.suite", "--out", "out", "--dry-run"])
        #expect(r.status == 2, "\(r)")
        for line in [1, 3, 4] { #expect(r.stderr.contains("bad.suite:\(line): "), "line \(line) not reported\n\(r)") }
        #expect(!r.stderr.contains("bad.suite:2: "), "the good line was reported\n\(r)")
    }

    @Test func missingSuiteFileExitsTwo() throws {
        let box = try CLISandbox()
        let r = try box.run(["run", "--suite", "nowhere.suite", "--out", "out"])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("nowhere.suite"), "\(r)")
    }

    @Test func tinyRunThenCompareGates() throws {
        let box = try CLISandbox()
        let measured = try tinyRun(box)
        #expect(try CSVFixture.column(measured, "op") == ["relu"])
        let samples = try #require(Int(try CSVFixture.column(measured, "samples").first ?? ""))
        #expect(samples >= 20, "--min-samples 20 gave \(samples)")
        // The verdicts below must not depend on how loaded the machine was during the run.
        let csv = try CSVFixture.steady(measured)
        try box.write("out/tiny.csv", csv)

        let same = try box.run(["compare", "out/tiny.csv", "out/tiny.csv"])
        #expect(same.status == 0, "\(same)")
        #expect(same.stdout.contains("UNCHANGED"), "\(same)")
        #expect(box.exists("out/verdict.json"), "no verdict.json beside CURRENT")

        // The baseline claims 1.3x faster figures: the current run is a 30% regression.
        try box.write("fast.csv", try CSVFixture.faster(csv, by: 1.3))
        let gated = try box.run(["compare", "fast.csv", "out/tiny.csv", "--verdict", "gated.json"])
        #expect(gated.status == 1, "\(gated)")
        #expect(gated.stdout.contains("REGRESSED"), "\(gated)")
        #expect(gated.stderr.contains("1 regression(s)"), "\(gated)")
        #expect(try box.read("gated.json").contains("\"exit_code\" : 1"))

        let advisory = try box.run(["compare", "fast.csv", "out/tiny.csv", "--advisory", "--verdict", "adv.json"])
        #expect(advisory.status == 0, "\(advisory)")
        #expect(advisory.stdout.contains("REGRESSED"), "\(advisory)")
        #expect(advisory.stderr.contains("advisory"), "\(advisory)")
        #expect(try box.read("adv.json").contains("\"advisory\" : true"))
    }

    /// A valid one-row report as `vecbench run` writes it (samples match the median).
    static let header = "fingerprint_id,git_commit,op,variant,dtype,shapes,threads,pinning,cpu_list,phase,samples,median_ns,min_ns,mad_ns,ci_low_ns,ci_high_ns,bytes,flops,throughput,unit,roofline_pct,max_abs_err,max_rel_err,max_ulp,samples_ns"
    static let row = "0123456789ab,unknown,relu,simd,float32,1024,1,none,0,forward,5,1000,980,10,990,1010,8192,1024,8.192,GB/s,,0,0,0,980;990;1000;1010;1020"

    /// Malformed baselines, each with the exit-2 message that must name the problem.
    @Test(arguments: [
        ("empty", "", "empty.csv: is empty"),
        ("blank", "\n  \n", "blank.csv: is empty"),
        // Header only: no data rows is bad input, not "nothing regressed" (Report.swift).
        ("header-only", CLITests.header + "\n", "header-only.csv:2: has a header but no data rows"),
        ("truncated-row", CLITests.header + "\n" + String(CLITests.row.prefix(60)) + "\n", "truncated-row.csv:2: has 10 fields, the header has 25 (truncated row?)"),
        ("cut-off", CLITests.header + "\n" + String(CLITests.row.dropLast(2)), "cut-off.csv:2: the file ends without a final newline"),
        ("unknown-column", CLITests.header.replacingOccurrences(of: "max_ulp,", with: "max_ulps,") + "\n" + CLITests.row + "\n",
         "unknown-column.csv:1: column 'max_ulps': unknown column"),
        ("missing-column", CLITests.header.replacingOccurrences(of: ",samples_ns", with: "") + "\n"
            + String(CLITests.row[..<CLITests.row.lastIndex(of: ",")!]) + "\n",
         "missing-column.csv:1: missing column(s): samples_ns"),
        ("non-numeric", CLITests.header + "\n" + CLITests.row.replacingOccurrences(of: ",5,1000,", with: ",5,fast,") + "\n",
         "non-numeric.csv:2: column 'median_ns': 'fast' is not a finite number"),
        ("bad-dtype", CLITests.header + "\n" + CLITests.row.replacingOccurrences(of: "float32", with: "float16") + "\n",
         "bad-dtype.csv:2: column 'dtype': 'float16'"),
    ])
    func malformedReportExitsTwo(_ name: String, _ text: String, _ message: String) throws {
        let box = try CLISandbox()
        try box.write("good.csv", Self.header + "\n" + Self.row + "\n")
        let sane = try box.run(["compare", "good.csv", "good.csv"])
        #expect(sane.status == 0, "the fixture itself is rejected\n\(sane)")
        try box.write("\(name).csv", text)
        let r = try box.run(["compare", "\(name).csv", "good.csv"])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains(message), "\(r)")
    }

    @Test func missingReportExitsTwo() throws {
        let box = try CLISandbox()
        try box.write("good.csv", Self.header + "\n" + Self.row + "\n")
        let r = try box.run(["compare", "good.csv", "absent.csv"])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("absent.csv: cannot read the file"), "\(r)")
        #expect(!box.exists("verdict.json"), "a verdict was written for a failed compare")
    }

    /// RFC 4180 CSV ends rows in CRLF; a report saved by a Windows tool must still read.
    @Test func crlfReportIsAccepted() throws {
        let box = try CLISandbox()
        try box.write("crlf.csv", Self.header + "\r\n" + Self.row + "\r\n")
        let r = try box.run(["compare", "crlf.csv", "crlf.csv"])
        #expect(r.status == 0, "\(r)")
    }

    @Test func differentMachinesAreRefusedUnlessAdvisory() throws {
        let box = try CLISandbox()
        try box.write("a.csv", Self.header + "\n" + Self.row + "\n")
        try box.write("b.csv", Self.header + "\n" + Self.row.replacingOccurrences(of: "0123456789ab", with: "ba9876543210") + "\n")
        let refused = try box.run(["compare", "a.csv", "b.csv"])
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("different machines"), "\(refused)")
        let advisory = try box.run(["compare", "a.csv", "b.csv", "--advisory"])
        #expect(advisory.status == 0, "\(advisory)")
        #expect(advisory.stderr.contains("DIFFERENT MACHINES"), "\(advisory)")
    }

    @Test func failedValidationLeavesExistingReportIntact() throws {
        let box = try CLISandbox()
        let sentinel = "sentinel: an earlier report that must survive\n"
        try box.write("out/bad.csv", sentinel)
        try box.write("out/bad.json", sentinel)
        try box.write("bad.suite", "op=relu shapes=1024\nop=relu shapes=-1\n")
        let r = try box.run(["run", "--suite", "bad.suite", "--out", "out"] + Self.fastFlags)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("bad.suite:2: "), "\(r)")
        #expect(try box.read("out/bad.csv") == sentinel)
        #expect(try box.read("out/bad.json") == sentinel)
        let left = try FileManager.default.contentsOfDirectory(atPath: box.path("out")).sorted()
        #expect(left == ["bad.csv", "bad.json"], "stray files in --out: \(left)")
    }

    @Test func topologyPrintsPinMaps() throws {
        let box = try CLISandbox()
        let r = try box.run(["topology"])
        #expect(r.status == 0, "\(r)")
        for text in ["topology (machine)", "pin maps for", "none ", "compact ", "scatter ", "w0->cpu"] {
            #expect(r.stdout.contains(text), "no '\(text)'\n\(r)")
        }
        // A synthetic two-socket layout: scatter alternates packages, compact fills one first.
        let s = try box.run(["topology", "--synthetic", "pack:2 l3:1 core:2 pu:1", "--threads", "4"])
        #expect(s.status == 0, "\(s)")
        #expect(s.stdout.contains("compact  w0->cpu0 w1->cpu1 w2->cpu2 w3->cpu3"), "\(s)")
        #expect(s.stdout.contains("scatter  w0->cpu0 w1->cpu2"), "\(s)")
        let bad = try box.run(["topology", "--synthetic", "bogus:x"])
        #expect(bad.status == 2, "\(bad)")
        #expect(bad.stderr.contains("bogus:x"), "\(bad)")
    }
    @Test func pinnedRunRecordsCPUList() throws {
        let box = try CLISandbox()
        // parallel: the one-thread variants (simd) are planned at threads=1 only.
        let r = try box.run(["run", "--case", "op=relu shapes=1024 variants=parallel", "--out", "out", "--name", "pinned",
                             "--threads", "1,2", "--pin", "compact"] + Self.fastFlags)
        #expect(r.status == 0, "\(r)")
        let csv = try box.read("out/pinned.csv")
        #expect(try CSVFixture.column(csv, "threads") == ["1", "2"])
        #expect(try CSVFixture.column(csv, "pinning") == ["compact", "compact"])
        let cpuLists = try CSVFixture.column(csv, "cpu_list")
        #expect(cpuLists.count == 2)
        for (threads, list) in zip([1, 2], cpuLists) {
            #expect(list.hasPrefix("[") && list.hasSuffix("]"), "cpu_list '\(list)' is written in brackets")
            let cpus = list.dropFirst().dropLast().split(separator: ";").compactMap { Int($0) }
            #expect(cpus.count == threads, "cpu_list '\(list)' for \(threads) thread(s)")
            #expect(cpus.allSatisfy { $0 >= 0 }, "cpu_list '\(list)'")
        }
    }
}
